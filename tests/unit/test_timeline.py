"""The timeline picture: a pure function from events to SVG text."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from newsroom.web.timeline import TimelineEvent, lanes_of, timeline_svg

SVG = "{http://www.w3.org/2000/svg}"
T0 = datetime(2026, 3, 1, 14, 0, tzinfo=UTC)
ZONE = ZoneInfo("America/Toronto")


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


EVENTS = [
    TimelineEvent("article", "ArticleCreated", at(0), 1),
    TimelineEvent("article", "ArticleRevised", at(1), 2),
    TimelineEvent("article", "ArticleSubmitted", at(2), 3),
    TimelineEvent("article", "ArticleChangesRequested", at(3), 4),
    TimelineEvent("article", "ArticleSubmitted", at(4), 5),
    TimelineEvent("article", "ArticleApproved", at(5), 6),
    TimelineEvent("article", "ArticleTranslationsRequested", at(6), 7),
    TimelineEvent("translation:es", "TranslationRequested", at(6), 1),
    TimelineEvent("translation:ca", "TranslationRequested", at(6), 1),
    TimelineEvent("translation:es", "TranslationMachineTranslated", at(6.5), 2),
    TimelineEvent("translation:ca", "TranslationFailed", at(6.6), 2),
    TimelineEvent("translation:es", "TranslationPostEdited", at(7), 3),
    TimelineEvent("translation:es", "TranslationApproved", at(8), 4),
    TimelineEvent("article", "ArticlePublished", at(9), 8),
    TimelineEvent("translation:es", "TranslationPublished", at(9), 5),
    TimelineEvent("article", "ArticleCorrected", at(10), 9),
    TimelineEvent("article", "ArticleRetracted", at(12), 10),
]


def svg(events: list[TimelineEvent], title: str = "A story") -> ET.Element:
    text = timeline_svg(events, source_language="fr", end=at(14), tz=ZONE,
                        zone_name="America/Toronto", title=title)
    return ET.fromstring(text.encode("utf-8"))


def lanes(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "lane"]


def test_source_states_run_from_one_state_change_to_the_next() -> None:
    source, *_ = lanes_of(EVENTS, "fr", at(14))
    assert [(s.state, s.start, s.end) for s in source.segments] == [
        ("draft", at(0), at(2)),
        ("submitted", at(2), at(3)),
        ("draft", at(3), at(4)),
        ("submitted", at(4), at(5)),
        ("approved", at(5), at(9)),
        ("published", at(9), at(12)),
        ("retracted", at(12), at(14)),
    ]
    # Revisions, corrections and requests are marks, not states.
    assert len(source.marks) == 10


def test_one_lane_per_language_source_first() -> None:
    root = svg(EVENTS)
    found = lanes(root)
    assert [g.get("data-language") for g in found] == ["fr", "ca", "es"]
    es = {r.get("data-state") for r in found[2].iter(f"{SVG}rect")} - {None}
    assert es == {"requested", "machine_translated", "in_review", "approved", "published"}
    ca = {r.get("data-state") for r in found[1].iter(f"{SVG}rect")} - {None}
    assert ca == {"requested", "failed"}


def test_segments_stay_inside_the_plot_and_in_time_order() -> None:
    root = svg(EVENTS)
    width = float(root.get("width", "0"))
    for lane in lanes(root):
        xs = [float(r.get("x", "0")) for r in lane.iter(f"{SVG}rect")
              if r.get("class") == "segment"]
        assert xs == sorted(xs)
        assert all(0 <= x <= width for x in xs)


def test_all_text_is_escaped() -> None:
    nasty = '<script>alert("x")</script> & \x01'
    text = timeline_svg([TimelineEvent("article", "ArticleCreated", at(0), 1),
                         TimelineEvent(f"translation:{nasty}", "TranslationRequested",
                                       at(1), 1)],
                        source_language=nasty, end=at(2), tz=ZONE, zone_name=nasty,
                        title=nasty)
    assert "<script>" not in text
    root = ET.fromstring(text.encode("utf-8"))  # still well-formed XML
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "lane-label"]
    assert labels[0] == '<script>alert("x")</script> &  (source)'


def test_times_are_labelled_in_the_newsroom_zone() -> None:
    text = timeline_svg(EVENTS, source_language="fr", end=at(14), tz=ZONE,
                        zone_name="America/Toronto")
    assert "Times in America/Toronto" in text
    assert "2026-03-01 09:00:00" in text  # 14:00 UTC is 09:00 EST


def test_naive_times_are_utc_and_a_single_instant_still_draws() -> None:
    naive = [TimelineEvent("article", "ArticleCreated", T0.replace(tzinfo=None), 1)]
    root = ET.fromstring(timeline_svg(naive, source_language="en", end=T0, tz=UTC,
                                      zone_name="UTC").encode("utf-8"))
    (lane,) = lanes(root)
    assert [r.get("data-state") for r in lane.iter(f"{SVG}rect")
            if r.get("class") == "segment"] == ["draft"]


def test_no_events_is_an_empty_picture() -> None:
    root = svg([])
    assert lanes(root) == []
    assert any(t.text == "No events." for t in root.iter(f"{SVG}text"))


def test_deliveries_are_marks_on_their_language_lane() -> None:
    from datetime import UTC, datetime, timedelta

    from newsroom.web.timeline import TimelineEvent, lanes_of

    t0 = datetime(2026, 11, 27, 12, tzinfo=UTC)
    events = [
        TimelineEvent("article", "ArticleCreated", t0, 1),
        TimelineEvent("article", "ArticlePublished", t0 + timedelta(hours=1), 4),
        TimelineEvent("delivery:fr", "DeliveryPlanned", t0 + timedelta(hours=1), 1),
        TimelineEvent("delivery:fr", "DeliveryDelivered", t0 + timedelta(hours=1, minutes=1), 3),
    ]
    lanes = lanes_of(events, "fr", t0 + timedelta(hours=2))
    assert [lane.key for lane in lanes] == ["fr"]
    assert [m.type for m in lanes[0].marks] == [
        "ArticleCreated", "ArticlePublished", "DeliveryDelivered"]
    assert [s.state for s in lanes[0].segments][-1] == "published"
