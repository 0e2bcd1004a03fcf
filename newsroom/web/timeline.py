"""A picture of an article's life: its states over time, one lane per language.

Pure functions, no Flask and no I/O: events in, SVG text out. All text put into the
SVG is escaped (and stripped of characters XML cannot carry), so any label is safe.
Colours are presentation attributes, not style, so the picture obeys a strict CSP.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from xml.sax.saxutils import escape, quoteattr

from newsroom.timefmt import as_utc as _aware

SOURCE_STATES: dict[str, str] = {
    "ArticleCreated": "draft",
    "ArticleSubmitted": "submitted",
    "ArticleChangesRequested": "draft",
    "ArticleApproved": "approved",
    "ArticlePublished": "published",
    "ArticleRetracted": "retracted",
}
TRANSLATION_STATES: dict[str, str] = {
    "TranslationRequested": "requested",
    "TranslationRerequested": "requested",
    "TranslationMachineTranslated": "machine_translated",
    "TranslationFailed": "failed",
    "TranslationPostEdited": "in_review",
    "TranslationApproved": "approved",
    "TranslationPublished": "published",
}
COLOURS: dict[str, str] = {
    "draft": "#d0d7de",
    "submitted": "#54aeff",
    "approved": "#8250df",
    "published": "#2da44e",
    "retracted": "#cf222e",
    "requested": "#eaeef2",
    "machine_translated": "#a5d6ff",
    "failed": "#ff8182",
    "in_review": "#d4a72c",
}

WIDTH = 960
LABEL_WIDTH = 150
RIGHT_MARGIN = 20
TOP = 34
LANE_HEIGHT = 26
LANE_GAP = 12
AXIS_HEIGHT = 46
LEGEND_HEIGHT = 26
TICKS = 5

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class TimelineEvent:
    """One event of the article or of one of its translations."""

    stream: str  # "article" or "translation:<lang>"
    type: str  # e.g. "ArticlePublished", "TranslationPostEdited"
    at: datetime  # aware (naive is taken as UTC)
    version: int = 0


@dataclass(frozen=True)
class Segment:
    state: str
    start: datetime
    end: datetime


@dataclass
class Lane:
    key: str  # the language
    label: str
    segments: list[Segment] = field(default_factory=list)
    marks: list[TimelineEvent] = field(default_factory=list)




def _text(value: object) -> str:
    return escape(_XML_ILLEGAL.sub("", str(value)))


def _attr(value: object) -> str:
    return quoteattr(_XML_ILLEGAL.sub("", str(value)))


def lanes_of(events: Iterable[TimelineEvent], source_language: str,
             end: datetime) -> list[Lane]:
    """The source lane first, then one lane per translation language (sorted). Each
    state runs from the event that entered it to the next state change (or ``end``)."""
    end = _aware(end)
    source = Lane(key=source_language, label=f"{source_language} (source)")
    translations: dict[str, Lane] = {}
    entered: dict[str, tuple[str, datetime]] = {}
    ordered = sorted(events, key=lambda e: _aware(e.at))
    for event in ordered:
        at = _aware(event.at)
        if event.stream == "article":
            lane, states = source, SOURCE_STATES
        elif event.stream.startswith("translation:"):
            language = event.stream.split(":", 1)[1]
            lane = translations.setdefault(language, Lane(key=language,
                                                          label=f"{language} (translation)"))
            states = TRANSLATION_STATES
        elif event.stream.startswith("delivery:") and event.type == "DeliveryDelivered":
            # Deliveries are marks on their language's lane: when a partner got it.
            language = event.stream.split(":", 1)[1]
            lane = source if language == source_language else translations.setdefault(
                language, Lane(key=language, label=f"{language} (translation)"))
            lane.marks.append(TimelineEvent(event.stream, event.type, at, event.version))
            continue
        else:
            continue
        lane.marks.append(TimelineEvent(event.stream, event.type, at, event.version))
        state = states.get(event.type)
        if state is None:
            continue
        previous = entered.get(lane.key)
        if previous is not None and previous[0] == state:
            continue  # e.g. a second request while still requested: one segment
        if previous is not None:
            lane.segments.append(Segment(previous[0], previous[1], at))
        entered[lane.key] = (state, at)
    for lane in [source, *translations.values()]:
        if lane.key in entered:
            state, since = entered[lane.key]
            lane.segments.append(Segment(state, since, max(since, end)))
    lanes = [source] if source.marks else []
    return lanes + [translations[k] for k in sorted(translations)]


def _ticks(start: datetime, end: datetime) -> list[datetime]:
    span = end - start
    return [start + span * (i / (TICKS - 1)) for i in range(TICKS)]


def render_svg(lanes: Sequence[Lane], *, end: datetime, tz: tzinfo, zone_name: str,
               title: str = "") -> str:
    """The lanes as an SVG document (one <g class="lane"> per lane)."""
    end = _aware(end)
    times = [s.start for lane in lanes for s in lane.segments]
    times += [m.at for lane in lanes for m in lane.marks]
    start = min(times) if times else end
    end = max([end, *times])
    if end <= start:
        end = start + timedelta(seconds=1)
    plot_width = WIDTH - LABEL_WIDTH - RIGHT_MARGIN
    span = (end - start).total_seconds()

    def x(at: datetime) -> float:
        return LABEL_WIDTH + plot_width * ((_aware(at) - start).total_seconds() / span)

    height = TOP + len(lanes) * (LANE_HEIGHT + LANE_GAP) + AXIS_HEIGHT + LEGEND_HEIGHT
    out: list[str] = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label={_attr(title or "Timeline")} '
        'font-family="system-ui, sans-serif" font-size="12">',
        f"<title>{_text(title or 'Timeline')}</title>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>',
    ]
    if title:
        out.append(f'<text x="8" y="20" font-size="14" font-weight="600">{_text(title)}</text>')
    if not lanes:
        out.append(f'<text x="{LABEL_WIDTH}" y="{TOP + 16}" fill="#5c6670">'
                   "No events.</text>")
    for index, lane in enumerate(lanes):
        y = TOP + index * (LANE_HEIGHT + LANE_GAP)
        out.append(f'<g class="lane" data-language={_attr(lane.key)}>')
        out.append(f'<text class="lane-label" x="8" y="{y + LANE_HEIGHT / 2 + 4:.1f}">'
                   f"{_text(lane.label)}</text>")
        out.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{plot_width}" '
                   f'height="{LANE_HEIGHT}" fill="#f6f8fa" stroke="#d8dee4"/>')
        for segment in lane.segments:
            x1, x2 = x(segment.start), x(segment.end)
            width = max(x2 - x1, 2.0)
            colour = COLOURS.get(segment.state, "#afb8c1")
            tip = (f"{segment.state}: {segment.start.astimezone(tz):%Y-%m-%d %H:%M:%S %Z} – "
                   f"{segment.end.astimezone(tz):%Y-%m-%d %H:%M:%S %Z}")
            out.append(f'<rect class="segment" data-state={_attr(segment.state)} '
                       f'x="{x1:.1f}" y="{y + 3}" width="{width:.1f}" '
                       f'height="{LANE_HEIGHT - 6}" fill="{colour}">'
                       f"<title>{_text(tip)}</title></rect>")
            if x2 - x1 > 8 * len(segment.state):
                out.append(f'<text x="{x1 + 4:.1f}" y="{y + LANE_HEIGHT / 2 + 4:.1f}" '
                           f'font-size="11">{_text(segment.state.replace("_", " "))}</text>')
        for mark in lane.marks:
            tip = (f"{mark.type} (version {mark.version}) at "
                   f"{mark.at.astimezone(tz):%Y-%m-%d %H:%M:%S %Z}")
            out.append(f'<circle class="event" cx="{x(mark.at):.1f}" cy="{y + LANE_HEIGHT}" '
                       f'r="3" fill="#1b1f23"><title>{_text(tip)}</title></circle>')
        out.append("</g>")
    axis_y = TOP + len(lanes) * (LANE_HEIGHT + LANE_GAP)
    out.append(f'<g class="axis"><line x1="{LABEL_WIDTH}" y1="{axis_y}" '
               f'x2="{LABEL_WIDTH + plot_width}" y2="{axis_y}" stroke="#5c6670"/>')
    for i, tick in enumerate(_ticks(start, end)):
        tx = x(tick)
        anchor = "start" if i == 0 else "end" if i == TICKS - 1 else "middle"
        local = tick.astimezone(tz)
        out.append(f'<line x1="{tx:.1f}" y1="{axis_y}" x2="{tx:.1f}" y2="{axis_y + 5}" '
                   'stroke="#5c6670"/>')
        out.append(f'<text x="{tx:.1f}" y="{axis_y + 18}" text-anchor="{anchor}" '
                   f'font-size="11">{_text(f"{local:%Y-%m-%d %H:%M:%S}")}</text>')
    out.append(f'<text x="{LABEL_WIDTH}" y="{axis_y + 34}" font-size="11" fill="#5c6670">'
               f"{_text(f'Times in {zone_name}')}</text></g>")
    legend_y = axis_y + AXIS_HEIGHT
    shown = [s for s in COLOURS if any(seg.state == s for ln in lanes for seg in ln.segments)]
    out.append('<g class="legend">')
    lx = 8.0
    for state in shown:
        out.append(f'<rect x="{lx:.1f}" y="{legend_y}" width="12" height="12" '
                   f'fill="{COLOURS[state]}"/>')
        out.append(f'<text x="{lx + 16:.1f}" y="{legend_y + 10}" font-size="11">'
                   f"{_text(state.replace('_', ' '))}</text>")
        lx += 24 + 7 * len(state)
    out.append("</g></svg>")
    return "\n".join(out) + "\n"


def timeline_svg(events: Iterable[TimelineEvent], *, source_language: str, end: datetime,
                 tz: tzinfo, zone_name: str, title: str = "") -> str:
    """Events → SVG: the whole picture in one call."""
    return render_svg(lanes_of(events, source_language, end), end=end, tz=tz,
                      zone_name=zone_name, title=title)
