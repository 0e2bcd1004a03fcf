"""Who am I, and revoking API tokens."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from newsroom.jsonable import jsonable
from newsroom.web.context import api_actor, newsroom
from newsroom.web.requests import uuid_arg

bp = Blueprint("api_tokens", __name__)


@bp.get("/me")
def me() -> Response:
    actor = api_actor()
    return jsonify(jsonable({"id": actor.user_id, "name": actor.name,
                             "roles": sorted(actor.roles)}))


@bp.delete("/users/<name>/tokens/<token_id>")
def revoke(name: str, token_id: str) -> tuple[Response, int]:
    """A user revokes their own token; an admin revokes anyone's."""
    actor = api_actor()
    newsroom().revoke_token(name, uuid_arg(token_id), actor)
    return jsonify({"revoked": token_id}), 200
