"""Subscribers and deliveries: pure domain rules."""

from __future__ import annotations

from uuid import uuid4

import pytest

from newsroom.domain.delivery import DELIVERED, FAILED, PENDING, Delivery, delivery_id
from newsroom.domain.errors import InvalidTransition, ValidationFailed
from newsroom.domain.subscriber import ACTIVE, SUSPEND_AFTER, SUSPENDED, Subscriber

ADMIN = uuid4()


def subscriber(**overrides: object) -> Subscriber:
    settings: dict[str, object] = dict(
        name="Partner", transport="webhook", url="https://partner.example/hook", path="",
        secret="whsec_c2VjcmV0", format="ninjs", languages=["fr", "es"], early_embargo=False)
    settings.update(overrides)
    return Subscriber.create(**settings, actor_id=ADMIN, role="admin")  # type: ignore[arg-type]


def test_settings_are_checked_when_created_and_updated() -> None:
    with pytest.raises(ValidationFailed, match="transport"):
        subscriber(transport="carrier-pigeon")
    with pytest.raises(ValidationFailed, match="format"):
        subscriber(format="rss")
    with pytest.raises(ValidationFailed, match="url"):
        subscriber(url="")
    with pytest.raises(ValidationFailed, match="path"):
        subscriber(transport="file", url="", path="")
    partner = subscriber()
    with pytest.raises(ValidationFailed, match="format"):
        partner.update({"format": "pdf"}, actor_id=ADMIN, role="admin")
    partner.update({"languages": ["fr"]}, actor_id=ADMIN, role="admin")
    assert partner.languages == ["fr"] and partner.wants("fr") and not partner.wants("es")


def test_suspend_and_resume_are_events_and_checked() -> None:
    partner = subscriber()
    with pytest.raises(InvalidTransition):
        partner.resume(actor_id=ADMIN, role="admin")
    partner.suspend("contract ended", actor_id=ADMIN, role="admin")
    assert partner.state == SUSPENDED and not partner.wants("fr")
    with pytest.raises(InvalidTransition):
        partner.suspend("again", actor_id=ADMIN, role="admin")
    partner.resume(actor_id=ADMIN, role="admin")
    assert partner.state == ACTIVE
    assert [type(e).__name__ for e in partner.collect_events()] == [
        "Created", "Suspended", "Resumed"]


def test_repeated_permanent_failures_suspend_and_a_success_resets_the_count() -> None:
    partner = subscriber()
    for _ in range(SUSPEND_AFTER - 1):
        partner.note_failure(uuid4(), "410 Gone", actor_id=ADMIN, role="system")
    partner.note_success(actor_id=ADMIN, role="system")
    assert partner.consecutive_failures == 0 and partner.state == ACTIVE
    for _ in range(SUSPEND_AFTER):
        partner.note_failure(uuid4(), "410 Gone", actor_id=ADMIN, role="system")
    assert partner.state == SUSPENDED and "410 Gone" in (partner.suspension_reason or "")


def test_a_delivery_id_names_one_version_language_and_subscriber() -> None:
    article, partner = uuid4(), uuid4()
    assert delivery_id(article, 7, "FR", partner) == delivery_id(article, 7, "fr", partner)
    assert delivery_id(article, 7, "fr", partner) != delivery_id(article, 8, "fr", partner)
    assert delivery_id(article, 7, "fr", partner) != delivery_id(article, 7, "es", partner)


def test_delivery_records_every_attempt_then_delivers_or_fails_once() -> None:
    delivery = Delivery.plan(article_id=uuid4(), language="fr", revision=1,
                             kind="publication", subscriber_id=uuid4(), source_version=7,
                             due_at=None, actor_id=ADMIN, role="system")
    delivery.record_attempt(outcome="transient", http_status=503, duration_ms=12,
                            excerpt="busy", error="503 Service Unavailable",
                            actor_id=ADMIN, role="system")
    assert delivery.state == PENDING and delivery.attempts == 1
    delivery.record_attempt(outcome="delivered", http_status=204, duration_ms=8, excerpt="",
                            error="", actor_id=ADMIN, role="system")
    assert delivery.state == DELIVERED and delivery.attempts == 2
    assert delivery.delivered_at is not None
    delivery.fail("too late", actor_id=ADMIN, role="system")  # no effect once delivered
    assert delivery.state == DELIVERED
    other = Delivery.plan(article_id=uuid4(), language="fr", revision=1, kind="kill",
                          subscriber_id=uuid4(), source_version=9, due_at=None,
                          actor_id=ADMIN, role="system")
    other.fail("400 Bad Request", actor_id=ADMIN, role="system")
    assert other.state == FAILED
    other.resend(actor_id=ADMIN, role="admin")
    assert other.state == PENDING and other.failure_reason is None


def test_subscribers_through_the_application(sqlite_services: object, cast: object) -> None:
    from newsroom.bootstrap import Services
    from newsroom.domain.errors import PermissionDenied

    assert isinstance(sqlite_services, Services)
    app = sqlite_services.app
    admin, auditor, editor = cast.admin, cast.auditor, cast.editor  # type: ignore[attr-defined]
    saved = app.add_subscriber(admin, {
        "name": "Partner", "transport": "file", "path": "/srv/drop", "format": "newsml-g2",
        "languages": ["FR", "es"]})
    with pytest.raises(PermissionDenied):
        app.add_subscriber(editor, {"name": "X", "transport": "file", "path": "/x",
                                    "format": "ninjs"})
    with pytest.raises(ValidationFailed, match="languages"):
        app.add_subscriber(admin, {"name": "X", "transport": "file", "path": "/x",
                                   "format": "ninjs", "languages": ["french"]})
    with pytest.raises(ValidationFailed, match="colour"):
        app.add_subscriber(admin, {"name": "X", "colour": "red"})
    partner = app.get_subscriber(auditor, saved.id)
    assert partner.languages == ["fr", "es"] and partner.format == "newsml-g2"
    app.suspend_subscriber(admin, saved.id, "contract paused")
    with pytest.raises(PermissionDenied):
        app.resume_subscriber(auditor, saved.id)
    app.resume_subscriber(admin, saved.id)
    assert [s.name for s in app.subscribers(auditor)] == ["Partner"]
    with pytest.raises(PermissionDenied):
        list(app.subscribers(editor))
