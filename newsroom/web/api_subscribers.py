"""JSON API for syndication subscribers (DESIGN §6): admins manage, auditors read.
Webhook secrets are write-only: no response carries them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from newsroom.domain.subscriber import Subscriber
from newsroom.jsonable import jsonable
from newsroom.ssrf import UnsafeTarget, check_url
from newsroom.web.api_articles import saved_response
from newsroom.web.context import api_actor, newsroom, services
from newsroom.web.errors import ApiError
from newsroom.web.requests import if_match, json_body, uuid_arg
from newsroom.webhook_secrets import InvalidSecret, generate_secret, parse_secret

bp = Blueprint("api_subscribers", __name__)

FIELDS = ("name", "transport", "url", "path", "secret", "format", "languages",
          "early_embargo")


def subscriber_document(subscriber: Subscriber) -> dict[str, Any]:
    document: dict[str, Any] = jsonable({
        "id": subscriber.id,
        "version": subscriber.version,
        "name": subscriber.name,
        "transport": subscriber.transport,
        "url": subscriber.url or None,
        "path": subscriber.path or None,
        "has_secret": bool(subscriber.secret),
        "format": subscriber.format,
        "languages": subscriber.languages,
        "early_embargo": subscriber.early_embargo,
        "state": subscriber.state,
        "suspension_reason": subscriber.suspension_reason,
        "consecutive_failures": subscriber.consecutive_failures,
        "created_at": subscriber.created_on,
    })
    return document


def _checked_url(data: dict[str, Any]) -> None:
    """SSRF guard at subscribe time; the sender checks again before every send."""
    url = data.get("url")
    if data.get("transport") == "webhook" or url:
        try:
            check_url(str(url or ""), allow_insecure=services().settings.webhook_allow_insecure)
        except UnsafeTarget as exc:
            raise ApiError(422, "unsafe_url", str(exc), {"field": "url"}) from None


@bp.post("/subscribers")
def create() -> tuple[Response, int]:
    actor = api_actor()
    actor.role_for("subscriber.manage")
    data = json_body(FIELDS, required=("name", "transport", "format"))
    _checked_url(data)
    generated = None
    if data.get("transport") == "webhook":
        if not data.get("secret"):
            generated = data["secret"] = generate_secret()
        try:
            parse_secret(str(data["secret"]))
        except InvalidSecret as exc:
            raise ApiError(422, "invalid_input", str(exc), {"field": "secret"}) from None
    saved = newsroom().add_subscriber(actor, data)
    if generated is None:
        return saved_response(saved, 201)
    # Shown once, here: give it to the partner so they can verify signatures.
    return saved_response(saved, 201, secret=generated)


@bp.get("/subscribers")
def listing() -> Response:
    actor = api_actor()
    return jsonify([subscriber_document(s) for s in newsroom().subscribers(actor)])


@bp.get("/subscribers/<subscriber_id>")
def read(subscriber_id: str) -> Response:
    actor = api_actor()
    actor.role_for("subscriber.read")
    subscriber = newsroom().get_subscriber(actor, uuid_arg(subscriber_id))
    response = jsonify(subscriber_document(subscriber))
    response.headers["ETag"] = f'"{subscriber.version}"'
    return response


@bp.patch("/subscribers/<subscriber_id>")
def update(subscriber_id: str) -> tuple[Response, int]:
    """Admins change settings (only the fields sent), with If-Match; an event."""
    actor = api_actor()
    actor.role_for("subscriber.manage")
    sid = uuid_arg(subscriber_id)
    current = newsroom().get_subscriber(actor, sid)
    data = json_body(FIELDS)
    transport = data.get("transport", current.transport)
    if "url" in data or transport != current.transport:
        _checked_url({"transport": transport, "url": data.get("url", current.url)})
    if "secret" in data:
        if not data["secret"]:
            raise ApiError(422, "invalid_input", "leave out secret to keep the current one",
                           {"field": "secret"})
        try:
            parse_secret(str(data["secret"]))
        except InvalidSecret as exc:
            raise ApiError(422, "invalid_input", str(exc), {"field": "secret"}) from None
    generated = None
    if transport == "webhook" and not current.secret and not data.get("secret"):
        generated = data["secret"] = generate_secret()
    saved = newsroom().update_subscriber(actor, sid, data, if_match(required=True))
    if generated is None:
        return saved_response(saved)
    return saved_response(saved, secret=generated)


@bp.post("/subscribers/<subscriber_id>/suspend")
def suspend(subscriber_id: str) -> tuple[Response, int]:
    actor = api_actor()
    actor.role_for("subscriber.manage")
    sid = uuid_arg(subscriber_id)
    newsroom().get_subscriber(actor, sid)
    data = json_body(("reason",), required=("reason",))
    return saved_response(newsroom().suspend_subscriber(actor, sid, data["reason"],
                                                        if_match(required=False)))


@bp.post("/subscribers/<subscriber_id>/resume")
def resume(subscriber_id: str) -> tuple[Response, int]:
    actor = api_actor()
    actor.role_for("subscriber.manage")
    sid = uuid_arg(subscriber_id)
    newsroom().get_subscriber(actor, sid)
    json_body((), optional_body=True)
    return saved_response(newsroom().resume_subscriber(actor, sid, if_match(required=False)))


@bp.post("/deliveries/<delivery_id>/resend")
def resend(delivery_id: str) -> tuple[Response, int]:
    """Admins only: a failed delivery is sent again, under the same id (webhook-id)."""
    actor = api_actor()
    actor.role_for("subscriber.manage")
    did = uuid_arg(delivery_id)
    json_body((), optional_body=True)
    saved = newsroom().resend_delivery(actor, did)
    return saved_response(saved, 202)
