"""Newsroom: the one eventsourcing Application. Its methods are the commands and
queries every entry point (web, CLI, workers) goes through; each area lives in its
own module and the class below composes them."""

from __future__ import annotations

from typing import Any, ClassVar

from newsroom.application.articles import ArticleService
from newsroom.application.base import Saved, utcnow
from newsroom.application.desk_asof import DeskAsOfService
from newsroom.application.provenance import ProvenanceService
from newsroom.application.queries import HistoryEntry, QueryService
from newsroom.application.syndication import DeliveryService
from newsroom.application.translations import TranslationService
from newsroom.application.users import UserService
from newsroom.domain.article import Article
from newsroom.domain.translation import Translation
from newsroom.domain.user import User

__all__ = ["HistoryEntry", "Newsroom", "Saved", "utcnow"]


class Newsroom(UserService, ArticleService, TranslationService, QueryService,
               DeliveryService, ProvenanceService, DeskAsOfService):
    # ProvenanceService brings ReplayService and RedactionService with it.
    name = "Newsroom"
    # Any version of an aggregate loads from the nearest snapshot plus fewer than this
    # many events. 10 keeps replay of an old version of a 10,000-event article within
    # 1.2x of a short one (bench/commands.py); 50 gave 1.8-2.9x.
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {
        Article: 10,
        Translation: 10,
        User: 50,
    }
