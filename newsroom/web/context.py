"""Request-scoped access to the wired services and the authenticated actor."""

from __future__ import annotations

from typing import cast

from flask import current_app, g, request

from newsroom.application import Newsroom
from newsroom.bootstrap import Services
from newsroom.domain.policy import Actor
from newsroom.web.errors import ApiError


def services() -> Services:
    return cast(Services, current_app.extensions["newsroom"])


def newsroom() -> Newsroom:
    return services().app


def api_actor() -> Actor:
    """The bearer token's user, with the roles granted now (revocations bite at once)."""
    cached = g.get("actor")
    if cached is not None:
        return cast(Actor, cached)
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "send Authorization: Bearer <token>")
    actor = newsroom().authenticate_token(token.strip())
    if actor is None:
        raise ApiError(401, "unauthorized", "the token is unknown, expired or revoked")
    g.actor = actor
    return actor
