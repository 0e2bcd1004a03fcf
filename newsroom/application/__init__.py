"""Newsroom: the one eventsourcing Application. Its methods are the commands and
queries every entry point (web, CLI, workers) goes through; each area lives in its
own module and the class below composes them."""

from __future__ import annotations

from typing import Any, ClassVar

from newsroom.application.articles import ArticleService
from newsroom.application.base import Saved, utcnow
from newsroom.application.queries import HistoryEntry, QueryService
from newsroom.application.translations import TranslationService
from newsroom.application.users import UserService
from newsroom.domain.article import Article
from newsroom.domain.translation import Translation
from newsroom.domain.user import User

__all__ = ["HistoryEntry", "Newsroom", "Saved", "utcnow"]


class Newsroom(UserService, ArticleService, TranslationService, QueryService):
    name = "Newsroom"
    # A long article loads from its latest snapshot plus at most this many events.
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {
        Article: 50,
        Translation: 50,
        User: 50,
    }
