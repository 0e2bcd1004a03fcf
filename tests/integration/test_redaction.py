"""Redaction on both stores: the payload becomes a tombstone, the redaction is an event,
aggregates still replay, and no copy of the text survives in the store's events, its
snapshots or the read models."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from conftest import make_cast, read_model_rows
from sqlalchemy import MetaData, select

from newsroom.bootstrap import Services
from newsroom.domain.errors import NotFound, PermissionDenied, ValidationFailed
from newsroom.domain.redaction import marker, redaction_id
from newsroom.integrity.hashing import payload_digest
from newsroom.integrity.redactions import load_redactions
from newsroom.projections.redacted import redact

SECRET_NAME = "Rosalind Quartermaine"
HEADLINE = "Budget adopté au conseil"
BODY = (f"Le conseil a adopté le budget.\n\nSelon {SECRET_NAME}, témoin, "
        "la séance fut longue.")
REFERENCE = "Cour supérieure 500-17-123456-262"


def _stored_states(services: Services, *, snapshots_only: bool = False) -> list[bytes]:
    """Every stored event's and snapshot's state bytes, read straight from the tables."""
    app: Any = services.app
    states: list[bytes] = []
    recorders = (app.snapshots.recorder,) if snapshots_only else (
        app.recorder, app.snapshots.recorder)
    for recorder in recorders:
        table = recorder.events_table_name
        with recorder.datastore.transaction(commit=False) as cursor:
            if hasattr(recorder.datastore, "schema"):
                cursor.execute(f"SELECT state FROM {recorder.datastore.schema}.{table}")
                states.extend(bytes(row["state"]) for row in cursor.fetchall())
            else:
                cursor.execute(f"SELECT state FROM {table}")
                states.extend(bytes(row[0]) for row in cursor.fetchall())
    return states


def _snapshot_states(services: Services) -> list[bytes]:
    """Every snapshot's state bytes, read straight from the snapshot table."""
    return _stored_states(services, snapshots_only=True)


def _read_model_text(services: Services) -> str:
    """Every row of every read-model table, as text."""
    metadata = MetaData()
    metadata.reflect(services.engine)
    parts: list[str] = []
    with services.engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name.endswith(("_data", "_idx", "_docsize", "_config")):
                continue  # FTS5 shadow tables: binary index pages, checked through MATCH
            parts.extend(str(tuple(row)) for row in conn.execute(select(table)))
    return "\n".join(parts)


def _story(services: Services) -> tuple[UUID, Any]:
    cast = make_cast(services)
    app = services.app
    aid = app.create_article(cast.journalist, headline=HEADLINE, body=BODY, language="fr",
                             dateline="Montréal", byline="Jane").id
    for n in range(9):  # enough versions for a snapshot (every 10th event)
        app.revise(cast.journalist, aid, {"dateline": f"Montréal {n}"}, None)
    app.submit(cast.journalist, aid)
    app.approve(cast.editor, aid)
    app.publish(cast.editor, aid)
    services.projections.catch_up()
    return aid, cast


def test_redaction_tombstones_every_copy(any_services: Services) -> None:
    services = any_services
    app = services.app
    aid, cast = _story(services)
    assert any(SECRET_NAME.encode() in s for s in _stored_states(services))
    assert SECRET_NAME in _read_model_text(services)
    published_version = app.get_article(cast.auditor, aid).version
    original_state = app.recorder.select_events(aid, lte=1)[0].state

    from newsroom.integrity.service import Integrity

    integrity = Integrity.of(services)
    integrity.catch_up()  # the chain covers the original payloads
    first = redact(app, services.projections, cast.admin, aid, 1,
                   reason="Témoin protégé", reference=REFERENCE)
    second = redact(app, services.projections, cast.admin, aid, published_version,
                    reason="Témoin protégé", reference=REFERENCE)

    # The payloads are tombstones; the snapshots that held the text were taken again.
    assert not any(SECRET_NAME.encode() in s for s in _stored_states(services))
    assert first.snapshots_rebuilt == (10,)
    assert second.snapshots_rebuilt == () and not second.resumed  # no snapshot after it
    tomb = app.recorder.select_events(aid, lte=1)[0].state
    assert first.record.original_digest == payload_digest(original_state)
    assert first.record.tombstone_digest == payload_digest(tomb)
    # Verify still passes, and names the two events as redacted.
    integrity.catch_up()
    result = integrity.verify()
    assert result.ok, result.document()
    assert len(result.redacted) == 2
    # The aggregate still replays, at every version, with the marker for the text.
    mark = marker(REFERENCE)
    article = app.get_article(cast.auditor, aid)
    assert (article.headline, article.body, article.byline) == (mark, mark, mark)
    assert article.state == "published" and article.version == published_version
    for version in range(1, published_version + 1):
        assert app.get_article(cast.auditor, aid, version=version).version == version
    assert app.get_article(cast.auditor, aid, version=5).dateline == "Montréal 3"
    # No copy in the read models; the redactions are in the trail.
    services.projections.catch_up()
    text = _read_model_text(services)
    assert SECRET_NAME not in text and "Quartermaine" not in text
    assert "RedactionRecorded" in text and REFERENCE in text
    # The log says which event, when, by whom, why, under which reference.
    records = load_redactions(app.recorder, app.mapper)
    assert set(records) == {(aid, 1), (aid, published_version)}
    record = records[(aid, 1)]
    assert (record.reason, record.reference, record.actor_id, record.role) == (
        "Témoin protégé", REFERENCE, cast.admin.user_id, "admin")
    assert record.target_topic.endswith("Article.Created")
    assert record.redaction_id == redaction_id(aid, 1)
    assert record.position > 0
    history = app.history(cast.auditor, aid)
    shown = [e for e in history if e.type == "RedactionRecorded"]
    assert [e.data["target_version"] for e in shown] == [1, published_version]
    assert shown[0].actor == "adam" and shown[0].data["reference"] == REFERENCE
    from datetime import UTC, datetime

    replay = app.public_as_of(cast.auditor, aid, datetime.now(UTC))
    assert [(r.target_version, r.reference) for r in replay.redactions] == [
        (1, REFERENCE), (published_version, REFERENCE)]
    assert replay.editions[0].body == mark  # the public page's text, as replayed


def test_redaction_refusals(sqlite_services: Services) -> None:
    services = sqlite_services
    app = services.app
    aid, cast = _story(services)
    kwargs = {"reason": "Erasure request", "reference": "GDPR-2026-7"}
    with pytest.raises(PermissionDenied):
        redact(app, services.projections, cast.auditor, aid, 1, **kwargs)
    with pytest.raises(PermissionDenied):
        redact(app, services.projections, cast.editor, aid, 1, **kwargs)
    with pytest.raises(NotFound):
        redact(app, services.projections, cast.admin, UUID(int=7), 1, **kwargs)
    with pytest.raises(NotFound):
        redact(app, services.projections, cast.admin, aid, 999, **kwargs)
    approved = app.get_article(cast.auditor, aid).version - 1
    with pytest.raises(ValidationFailed, match="no redactable text"):
        redact(app, services.projections, cast.admin, aid, approved, **kwargs)
    with pytest.raises(ValidationFailed, match="holds no text"):  # no QA findings
        redact(app, services.projections, cast.admin, aid, approved - 1, **kwargs)
    with pytest.raises(ValidationFailed, match="reference"):
        redact(app, services.projections, cast.admin, aid, 1, reason="x", reference=" ")
    with pytest.raises(ValidationFailed, match="reason"):
        redact(app, services.projections, cast.admin, aid, 1, reason="", reference="R-1")
    redact(app, services.projections, cast.admin, aid, 1, **kwargs)
    # Again: nothing new is recorded; the steps after the tombstone are redone.
    again = redact(app, services.projections, cast.admin, aid, 1, reason="Other",
                   reference="Other-1")
    assert again.resumed and again.record.reference == "GDPR-2026-7"
    assert len(load_redactions(app.recorder, app.mapper)) == 1


def _record_only(services: Services, cast: Any, aid: UUID, reference: str, *,
                 tombstone: bool) -> bytes:
    """What the redaction command writes before a crash: the signed, chained record,
    and (``tombstone``) the tombstone, but nothing after. Returns the tombstone."""
    from newsroom.application.redaction import _write_state, tombstone_event
    from newsroom.domain.redaction import Redaction
    from newsroom.integrity import keys
    from newsroom.integrity.redaction_signing import sign_claim
    from newsroom.integrity.service import Integrity

    app = services.app
    Integrity.of(services).catch_up()
    stored = app.recorder.select_events(aid, lte=1)[0]
    tomb = app.mapper.to_stored_event(
        tombstone_event(app.mapper.to_domain_event(stored), reference)).state
    original, tombstoned = payload_digest(stored.state), payload_digest(tomb)
    signed = sign_claim(keys.load_or_create_key(services.settings.signing_key_file)[0],
                        aid.hex, 1, stored.topic, original, tombstoned, "Court order",
                        reference)
    app.save(Redaction.record(
        target_id=aid, target_version=1, target_topic=stored.topic,
        original_digest=original, tombstone_digest=tombstoned,
        fields=["headline", "body", "dateline", "byline"], reason="Court order",
        reference=reference, actor_id=cast.admin.user_id, role="admin",
        signed_at=signed.signed_at, public_key=signed.public_key,
        signature=signed.signature))
    Integrity.of(services).catch_up()
    if tombstone:
        _write_state(app.recorder, aid, 1, tomb)
    return tomb


def test_an_interrupted_redaction_is_finished_by_running_it_again(
        sqlite_services: Services) -> None:
    """The record is written before the tombstone; a crash between the two leaves the
    original payload, and the same command completes the job."""
    services = sqlite_services
    app = services.app
    aid, cast = _story(services)
    tomb = _record_only(services, cast, aid, "R-9", tombstone=False)
    outcome = redact(app, services.projections, cast.admin, aid, 1, reason="ignored",
                     reference="ignored too")
    assert outcome.resumed and outcome.record.reference == "R-9"
    assert payload_digest(app.recorder.select_events(aid, lte=1)[0].state) == \
        payload_digest(tomb)


def test_a_redaction_interrupted_after_its_tombstone_is_finished_by_running_it_again(
        any_services: Services) -> None:
    """A crash after the tombstone, before the snapshots and read models were
    refreshed: they still hold the text until the same command is run again."""
    from newsroom.integrity.service import Integrity

    services = any_services
    app = services.app
    aid, cast = _story(services)
    published = app.get_article(cast.auditor, aid).version
    redact(app, services.projections, cast.admin, aid, published, reason="Court order",
           reference="R-10")  # completed: the published text is gone
    _record_only(services, cast, aid, "R-10", tombstone=True)
    # Version 1's tombstone is written, but a snapshot and its trail row keep the name.
    assert any(SECRET_NAME.encode() in s for s in _snapshot_states(services))
    assert SECRET_NAME in _read_model_text(services)
    outcome = redact(app, services.projections, cast.admin, aid, 1, reason="ignored",
                     reference="ignored too")
    assert outcome.resumed and outcome.record.reference == "R-10"
    assert outcome.snapshots_rebuilt == (10,)
    assert not any(SECRET_NAME.encode() in s for s in _stored_states(services))
    services.projections.catch_up()
    assert SECRET_NAME not in _read_model_text(services)
    assert app.get_article(cast.auditor, aid, version=1).body == marker("R-10")
    result = Integrity.of(services).verify()
    assert result.ok and len(result.redacted) == 2, result.document()


def test_reason_and_reference_must_be_strings(
        client: Any, tokens: dict[str, str], sqlite_services: Services, cast: Any) -> None:
    aid = sqlite_services.app.create_article(cast.journalist, headline=HEADLINE, body=BODY,
                                             language="fr").id
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    for field, value in (("reason", 12), ("reason", ["court"]), ("reference", {"a": 1}),
                         ("reference", True), ("reason", "x" * 2001)):
        body = {"article_id": str(aid), "version": 1, "reason": "court order",
                "reference": "CO-1", field: value}
        response = client.post("/api/v1/audit/redactions", headers=admin, json=body)
        assert response.status_code == 422, (field, value, response.get_json())
        error = response.get_json()["error"]
        assert field in str(error), error
    assert client.get("/api/v1/audit/redactions", headers=admin).get_json() == []


def test_refreshed_read_models_equal_a_rebuild_from_the_redacted_log(
        any_services: Services) -> None:
    """The targeted refresh after each redaction leaves exactly the rows a full rebuild
    of every read model from the tombstoned log gives."""
    from newsroom.domain.translation import translation_id

    services = any_services
    app = services.app
    cast = make_cast(services)
    other = app.create_article(cast.journalist, headline="Autre", body="Sans rapport.",
                               language="fr").id
    aid = app.create_article(cast.editor, headline=HEADLINE, body=BODY, language="fr",
                             dateline="Montréal", byline="Jane").id
    app.submit(cast.editor, aid)
    app.approve(cast.editor, aid)
    app.request_translations(cast.editor, aid, ["es"])
    app.record_machine_translation(aid, "es", headline="Presupuesto",
                                   body=f"Según {SECRET_NAME}, testigo.", source_version=1,
                                   engine="e", engine_version="1", route=["fr-es"],
                                   duration_ms=1, unknown_words=[])
    app.approve_translation(cast.translator, aid, "es", "checked")
    app.publish(cast.editor, aid)
    app.correct(cast.editor, aid, {"body": BODY + f"\n\n{SECRET_NAME} a précisé."}, "Ajout.")
    services.projections.catch_up()
    tid = translation_id(aid, "es")
    targets = [(aid, 1), (tid, 2)]
    for e in app.events.get(aid):
        if type(e).__name__ in ("Published", "Corrected"):
            targets.append((aid, e.originator_version))
    for e in app.events.get(tid):
        if type(e).__name__ == "Published":
            targets.append((tid, e.originator_version))
    for stream, version in targets:
        redact(app, services.projections, cast.admin, stream, version, reason="Ordonnance",
               reference="C-3")
    services.projections.catch_up()
    live = read_model_rows(services)
    assert SECRET_NAME not in repr(live) and "Autre" in repr(live)
    for name in services.projections.projections:
        services.projections.rebuild(name)
    assert read_model_rows(services) == live
    assert other in {row[0] for row in live["rm_article_summaries"]}
