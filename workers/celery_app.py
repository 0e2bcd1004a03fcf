"""The `celery -A workers.celery_app` entry module: the one place a Celery app is a
module global. Creating it reads the environment and opens nothing."""

from __future__ import annotations

from celery import Celery

from newsroom.config import Settings
from workers import syndication, translation
from workers.celery_config import celery_config


def make_app(settings: Settings) -> Celery:
    celery = Celery("newsroom")
    celery.config_from_object(celery_config(settings))
    translation.register(celery)
    syndication.register(celery)
    return celery


app = make_app(Settings.from_env())
