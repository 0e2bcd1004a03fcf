"""The `celery -A workers.celery_app` entry module: the one place a Celery app is a
module global. Creating it reads the environment and opens nothing."""

from __future__ import annotations

from celery import Celery

from newsroom.config import Settings
from workers import translation
from workers.celery_config import celery_config

app = Celery("newsroom")
app.config_from_object(celery_config(Settings.from_env()))
translation.register(app)
