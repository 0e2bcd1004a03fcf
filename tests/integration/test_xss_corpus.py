"""The XSS corpus (tests/xss_payloads.py) through every text field, then every page
that shows those fields, checked by PARSING the HTML (stdlib html.parser).

Writing (JSON API with bearer tokens, as clients do):

- each payload alone goes through each field: article headline (create), headline,
  dateline, byline and body (revise), the request-changes comment, the approval's
  override reason, the correction note, the retraction reason, comments, and a
  translation's post-edited headline and body. Plain-text fields must refuse anything
  with a tag (422 naming the field); the body fields must accept everything (they
  sanitize). Fields that can be written only once per article (override reason,
  retraction...) are probed with a stale If-Match: the input is judged first, so a
  payload is either refused (422) or passes validation and meets the version check
  (412) without writing anything;
- then a few articles carry the accepted payloads for real, many per field: bodies
  with ~30 payloads each, headlines/datelines/bylines packed up to 500 characters,
  notes and reasons with every accepted payload at once, through each lifecycle state
  (draft with changes requested, submitted, approved with a translation in review,
  published with translation and correction, retracted);
- the admin "add user" form's name field (UI) gets every payload, one per request.

Reading: every journalist, editor, translator, auditor, admin and public page that shows
these fields, the form pages that echo input back (search, filters, login, new article,
stale edits), the JSON and CSV exports and the timeline SVG. A page passes when it has
no <script> but the app's own /static/ scripts, no on* attribute, no style attribute,
no javascript:/vbscript:/data: URL in a URL attribute, no element the app's templates
and the body allowlist cannot produce (iframe, object, embed, svg, math, style, base...),
and carries the Content-Security-Policy without 'unsafe-inline'.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from uuid import UUID
from xml.etree import ElementTree

import pytest
from conftest import PASSWORD, Cast, make_cast, settings_for
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse
from xss_payloads import PAYLOADS

import newsroom.web
from newsroom import content
from newsroom.bootstrap import Services, build
from newsroom.domain.errors import ValidationFailed
from newsroom.domain.policy import SYSTEM_ACTOR
from newsroom.web import create_app
from newsroom.web.sessions import SessionStore
from newsroom.web.ui import SESSION_COOKIE

MARKER = "xsscorpus"  # a searchable word in every carrier article
CLEAN_BODY = f"The council votes on the budget tonight ({MARKER}).\n\nDebate starts at noon."
ES_BODY = "El consejo vota el presupuesto esta noche.\n\nEl debate empieza al mediodía."
STALE = '"999"'  # an If-Match no article here reaches: validation runs, then 412
CHUNK = 30  # payloads per body
HEADLINE_MAX = 500

# What counts as markup in a plain-text field: "<" then a letter (a tag opens), or a
# "<!", "<?" or "</" construct that a later ">" closes (comments, doctype, bogus tags).
TAG = re.compile(r"<[A-Za-z]|<[!?/][^>]*>")
MULTILINE = re.compile(r"[\t\n\r]")

# ---- the HTML checks ---------------------------------------------------------------

TEMPLATES = Path(newsroom.web.__file__).parent / "templates"
# Elements the app's own templates write, plus <mark> (QA highlights, textviews.py),
# plus the body allowlist: nothing else may appear on a page.
APP_TAGS = {t.lower() for f in TEMPLATES.rglob("*.html")
            for t in re.findall(r"<([A-Za-z][A-Za-z0-9]*)", f.read_text("utf-8"))}
ALLOWED_TAGS = APP_TAGS | {"mark"} | set(content.ALLOWED_TAGS)
# Never from user input, whatever the allowlists say.
FORBIDDEN_TAGS = {
    "iframe", "object", "embed", "svg", "math", "frame", "frameset", "applet", "base",
    "style", "template", "noscript", "xmp", "plaintext", "listing", "noembed", "noframes",
    "isindex", "keygen", "marquee", "bgsound", "video", "audio", "source", "image",
    "animate", "set", "handler", "foreignobject", "use", "portal", "param",
}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster",
                  "background", "dynsrc", "lowsrc", "cite", "codebase", "ping", "srcset",
                  "manifest", "icon", "archive", "longdesc", "usemap", "profile"}
BAD_SCHEMES = {"javascript", "vbscript", "data", "livescript", "mocha", "feed", "jar"}
ANCHOR_SCHEMES = {"http", "https", "mailto"}
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")
# The app's own favicon placeholder (base.html, public/layout.html).
APP_DATA_URLS = {("link", "href", "data:,")}


def normalized_url(value: str) -> str:
    """The URL as the WHATWG URL parser starts on it: C0 controls and spaces trimmed
    at both ends, tabs and line breaks removed anywhere, lower case."""
    return re.sub(r"[\t\n\r]", "", value.strip("".join(map(chr, range(0x21))))).lower()


def scheme_of(value: str) -> str | None:
    """The URL's scheme as a browser reads it, or None for a relative URL."""
    match = _SCHEME.match(normalized_url(value))
    return match.group(1) if match else None


class PageChecker(HTMLParser):
    """Collects every element and attribute that should not be on a newsroom page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_script = False

    def problem(self, text: str) -> None:
        self.problems.append(f"line {self.getpos()[0]}: {text}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower()
        values = {name.lower(): value or "" for name, value in attrs}
        shown = self.get_starttag_text() or tag
        if tag in FORBIDDEN_TAGS:
            self.problem(f"forbidden <{tag}>: {shown[:200]}")
        elif tag not in ALLOWED_TAGS:
            self.problem(f"unexpected <{tag}>: {shown[:200]}")
        for name, value in values.items():
            if name.startswith("on"):
                self.problem(f"event handler {name}= on <{tag}>: {shown[:200]}")
            if name in ("style", "srcdoc", "formaction"):
                self.problem(f"{name}= on <{tag}>: {shown[:200]}")
            if name in URL_ATTRIBUTES or name.endswith(":href"):
                scheme = scheme_of(value)
                if scheme in BAD_SCHEMES and (tag, name, value) not in APP_DATA_URLS:
                    self.problem(f"{name}={value!r} on <{tag}>")
                if tag == "a" and scheme is not None and scheme not in ANCHOR_SCHEMES:
                    self.problem(f"link with scheme {scheme!r}: {value!r}")
        if tag == "script":
            self.in_script = True
            if not values.get("src", "").startswith("/static/"):
                self.problem(f"script not from /static/: {shown[:200]}")
        if tag == "img" and not values.get("src", "").startswith("/audit/articles/"):
            self.problem(f"image not from the app: {shown[:200]}")
        if tag == "link" and not values.get("href", "").startswith(
                ("/static/", "http://localhost/news/")) and (
                tag, "href", values.get("href")) not in APP_DATA_URLS:
            self.problem(f"link element not from the app: {shown[:200]}")
        if tag == "meta" and set(values) - {"charset", "name", "content"}:
            self.problem(f"meta beyond charset/viewport: {shown[:200]}")
        if tag == "form" and not values.get("action", "/").startswith("/"):
            self.problem(f"form posting elsewhere: {shown[:200]}")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag.lower() == "script":
            self.in_script = False

    def handle_endtag(self, tag: str) -> None:
        if tag.lower() == "script":
            self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script and data.strip():
            self.problem(f"inline script text: {data[:200]!r}")


def html_problems(page: str) -> list[str]:
    checker = PageChecker()
    checker.feed(page)
    checker.close()
    return checker.problems


def response_problems(label: str, response: TestResponse,
                      statuses: Iterable[int] = (200,)) -> list[str]:
    found: list[str] = []
    if response.status_code not in statuses:
        found.append(f"{label}: status {response.status_code}, expected {sorted(statuses)}")
    if response.status_code >= 500:
        return found
    if response.mimetype != "text/html":
        return [*found, f"{label}: content type {response.content_type}"]
    csp = response.headers.get("Content-Security-Policy", "")
    if "script-src 'self'" not in csp or "unsafe-inline" in csp:
        found.append(f"{label}: Content-Security-Policy {csp!r}")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        found.append(f"{label}: no X-Content-Type-Options: nosniff")
    found.extend(f"{label}: {p}" for p in html_problems(response.get_data(as_text=True)))
    return found


@pytest.mark.parametrize(("snippet", "caught"), [
    ('<p>fine <a href="https://example.com/">link</a> <mark class="qa-x">m</mark></p>', False),
    ('<a href="/articles/1">relative</a><a href="mailto:x@example.com">mail</a>', False),
    ('<script src="/static/desk.js"></script>', False),
    ('<link rel="icon" href="data:,">', False),
    ('<a href="\u2028javascript:alert(1)">relative path to a browser</a>', False),
    ("<script>alert(1)</script>", True),
    ('<script src="https://evil.example/x.js"></script>', True),
    ("<img src=x onerror=alert(1)>", True),
    ("<p onclick=alert(1)>x</p>", True),
    ('<a href=" JaVa\tScRiPt:alert(1)">x</a>', True),
    ('<a href="&#106;avascript:alert(1)">x</a>', True),
    ('<a href="vbscript:msgbox(1)">x</a>', True),
    ('<a href="data:text/html,x">x</a>', True),
    ('<form action="javascript:alert(1)"><button>x</button></form>', True),
    ("<button formaction=x>x</button>", True),
    ("<iframe srcdoc=x></iframe>", True),
    ("<svg><circle/></svg>", True),
    ("<math><mi>x</mi></math>", True),
    ("<object data=x></object>", True),
    ("<embed src=x>", True),
    ("<style>*{}</style>", True),
    ('<p style="color:red">x</p>', True),
    ('<meta http-equiv="refresh" content="0;url=/">', True),
    ("<base href=/>", True),
    ("<blink>x</blink>", True),
])
def test_the_page_checker_catches_injections(snippet: str, caught: bool) -> None:
    assert bool(html_problems(snippet)) is caught, html_problems(snippet)


# ---- the staged newsroom ---------------------------------------------------------------


@dataclass
class Probe:
    field: str
    payload: str
    status: int
    error_field: str | None


@dataclass
class Stage:
    services: Services
    app: Flask
    cast: Cast
    tokens: dict[str, str]
    sessions: dict[str, tuple[str, str]] = field(default_factory=dict)
    probes: list[Probe] = field(default_factory=list)
    accepted: dict[str, list[str]] = field(default_factory=dict)
    single_articles: list[UUID] = field(default_factory=list)
    carriers: list[UUID] = field(default_factory=list)
    states: dict[UUID, str] = field(default_factory=dict)
    headline_packs: list[str] = field(default_factory=list)
    note_packs: list[str] = field(default_factory=list)
    engine_articles: list[UUID] = field(default_factory=list)
    engine_headline_refused: bool = False
    probe_draft: UUID | None = None
    probe_submitted: UUID | None = None

    # -- requests -----------------------------------------------------------------

    def api(self, who: str, method: str, path: str, body: Any = None,
            if_match: str | None = None) -> TestResponse:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        if if_match is not None:
            headers["If-Match"] = if_match
        return self.app.test_client().open(f"/api/v1{path}", method=method, json=body,
                                           headers=headers)

    def ok(self, who: str, method: str, path: str, body: Any = None,
           if_match: str | None = None) -> dict[str, Any]:
        response = self.api(who, method, path, body, if_match)
        assert response.status_code < 300, (method, path, response.get_json())
        data: dict[str, Any] = response.get_json()
        return data

    def ui(self, who: str | None) -> FlaskClient:
        client = self.app.test_client()
        if who is not None:
            client.set_cookie(SESSION_COOKIE, self.sessions[who][0])
        return client

    def csrf(self, who: str) -> str:
        return self.sessions[who][1]

    def translation_version(self, article_id: UUID) -> int:
        return int(self.ok("editor", "GET", f"/articles/{article_id}/translations/es")
                   ["version"])

    # -- probes -------------------------------------------------------------------

    def probe(self, field_name: str, payload: str, response: TestResponse) -> bool:
        body = response.get_json(silent=True) or {}
        error = (body.get("error") or {}).get("details", {}) if isinstance(body, dict) else {}
        self.probes.append(Probe(field_name, payload, response.status_code,
                                 error.get("field") if isinstance(error, dict) else None))
        accepted = response.status_code in (200, 201, 412)
        if accepted:
            self.accepted.setdefault(field_name, []).append(payload)
        return accepted


USERS = {"journalist": "jane", "editor": "eddie", "translator": "tina", "auditor": "audrey",
         "admin": "adam"}


def packs(items: Iterable[str], limit: int, sep: str) -> list[str]:
    """Greedy packing of accepted payloads into values of at most ``limit`` characters.
    Joining can make a tag across two payloads ("<!--" then a later ">"): a payload that
    would do so starts the next value instead, so every value stays acceptable."""
    out: list[str] = []
    for item in items:
        for i, current in enumerate(out):
            candidate = f"{current}{sep}{item}"
            if len(candidate) <= limit and not content.is_html(candidate):
                out[i] = candidate
                break
        else:
            out.append(item)
    return out


def _probe_every_field(stage: Stage, draft: UUID, submitted: UUID, published: UUID,
                       translated: UUID, commented: UUID) -> None:
    """Each payload alone through each field (see the module docstring)."""
    for payload in PAYLOADS:
        created = stage.api("journalist", "POST", "/articles", {
            "headline": payload, "body": CLEAN_BODY, "language": "fr"})
        if stage.probe("create.headline", payload, created):
            stage.single_articles.append(UUID(created.get_json()["id"]))
        for name in ("headline", "dateline", "byline", "body"):
            stage.probe(name, payload, stage.api(
                "journalist", "PATCH", f"/articles/{draft}", {name: payload}, STALE))
        stage.probe("comment", payload, stage.api(
            "editor", "POST", f"/articles/{submitted}/request-changes", {"comment": payload},
            STALE))
        stage.probe("override_reason", payload, stage.api(
            "editor", "POST", f"/articles/{submitted}/approve", {"override_reason": payload},
            STALE))
        stage.probe("note", payload, stage.api(
            "editor", "POST", f"/articles/{published}/corrections",
            {"note": payload, "body": CLEAN_BODY + " Corrected."}, STALE))
        stage.probe("reason", payload, stage.api(
            "editor", "POST", f"/articles/{published}/retract", {"reason": payload}, STALE))
        # Comments can be written any number of times: these are real.
        stage.probe("text", payload, stage.api(
            "translator", "POST", f"/articles/{commented}/comments", {"text": payload}))
        for name in ("headline", "body"):
            stage.probe(f"translation.{name}", payload, stage.api(
                "translator", "PATCH", f"/articles/{translated}/translations/es",
                {name: payload}, STALE))


def _carrier(stage: Stage, k: int, chunks: list[str], plain_body: str) -> UUID:
    """Carrier article k: packed headline/dateline/byline, a plain then an HTML body,
    and the lifecycle state its index gives it."""
    heads = stage.headline_packs
    note = stage.note_packs[k % len(stage.note_packs)]
    n = len(chunks)
    # Even carriers end up with a plain-text body (escaped, QA marks at offsets), odd
    # ones with an HTML body (sanitized, shown as stored); version 1 is always HTML.
    current_body = plain_body if k % 2 == 0 else chunks[k]
    created = stage.ok("journalist", "POST", "/articles", {
        "headline": heads[k % len(heads)], "dateline": heads[(k + 1) % len(heads)],
        "byline": heads[(k + 2) % len(heads)], "language": "fr", "body": chunks[k]})
    aid = UUID(created["id"])
    stage.ok("journalist", "PATCH", f"/articles/{aid}", {
        "headline": heads[(k + 3) % len(heads)], "body": current_body},
        f'"{created["version"]}"')
    stage.ok("journalist", "POST", f"/articles/{aid}/submit")
    if k == 0:
        stage.ok("editor", "POST", f"/articles/{aid}/request-changes",
                 {"comment": note})
        stage.states[aid] = "draft"
        return aid
    if k == 1:
        stage.states[aid] = "submitted"
        return aid
    stage.ok("editor", "POST", f"/articles/{aid}/approve", {"override_reason": note})
    stage.ok("editor", "POST", f"/articles/{aid}/translations", {"languages": ["es"]})
    source = stage.services.app.get_article(stage.cast.editor, aid)
    assert stage.services.app.record_machine_translation(
        aid, "es", headline=heads[k % len(heads)], body=chunks[(k + 1) % n],
        source_version=source.content_version, engine="test", engine_version="1",
        route=["fr-es"], duration_ms=1, unknown_words=[], actor=SYSTEM_ACTOR)
    stage.ok("translator", "PATCH", f"/articles/{aid}/translations/es", {
        "headline": heads[(k + 1) % len(heads)], "body": chunks[(k + 2) % n]},
        f'"{stage.translation_version(aid)}"')
    if k == 2:
        stage.states[aid] = "approved"
        return aid
    stage.ok("editor", "POST", f"/articles/{aid}/translations/es/approve",
             {"override_reason": note})
    stage.ok("editor", "POST", f"/articles/{aid}/publish")  # with its approved translation
    stage.ok("editor", "POST", f"/articles/{aid}/corrections", {
        "note": note, "headline": heads[(k + 4) % len(heads)],
        "body": plain_body + "\n\nCorrected." if k % 2 == 0 else chunks[(k + 3) % n]})
    stage.states[aid] = "published"
    if k == n - 1:
        stage.ok("editor", "POST", f"/articles/{aid}/retract", {"reason": note})
        stage.states[aid] = "retracted"
    return aid


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    services = build(settings_for(Path(tmp_path_factory.mktemp("xss")) / "var"))
    try:
        cast = make_cast(services)
        tokens = {role: services.app.issue_token(name, 1)[0] for role, name in USERS.items()}
        s = Stage(services=services, app=create_app(services, {"TESTING": True}), cast=cast,
                  tokens=tokens)
        store = SessionStore(services.engine)
        for role, actor in cast.all().items():
            if role in USERS:
                token = store.open(actor.user_id)
                session = store.get(token)
                assert session is not None
                s.sessions[role] = (token, session.csrf_token)

        def article(state: str) -> UUID:
            aid = UUID(s.ok("journalist", "POST", "/articles", {
                "headline": "Budget vote tonight", "body": CLEAN_BODY, "language": "en"})["id"])
            if state != "draft":
                s.ok("journalist", "POST", f"/articles/{aid}/submit")
            if state in ("approved", "published"):
                s.ok("editor", "POST", f"/articles/{aid}/approve", {})
            if state == "published":
                s.ok("editor", "POST", f"/articles/{aid}/publish")
            return aid

        s.probe_draft, s.probe_submitted = article("draft"), article("submitted")
        published, translated = article("published"), article("approved")
        s.ok("editor", "POST", f"/articles/{translated}/translations", {"languages": ["es"]})
        assert services.app.record_machine_translation(
            translated, "es", headline="Votación del presupuesto esta noche", body=ES_BODY,
            source_version=1, engine="test", engine_version="1", route=["en-es"],
            duration_ms=1, unknown_words=[])
        commented = article("draft")
        _probe_every_field(s, s.probe_draft, s.probe_submitted, published, translated,
                           commented)

        # The carriers: accepted payloads, many per field, written for real.
        s.headline_packs = packs(s.accepted["headline"], HEADLINE_MAX, " ¦ ")
        s.note_packs = packs(s.accepted["reason"], content.MAX_NOTE, "\n\n")
        chunks = ["\n\n".join([*PAYLOADS[i:i + CHUNK], MARKER])
                  for i in range(0, len(PAYLOADS), CHUNK)]
        plain_body = "\n\n".join([*(p for p in s.accepted["comment"] if "<" not in p), MARKER])
        assert not content.is_html(plain_body)
        s.carriers = [_carrier(s, k, chunks, plain_body) for k in range(len(chunks))]
        s.carriers.append(commented)
        s.states[commented] = "draft"
        # Engine output: the worker records a translation with every payload in its
        # headline (the API never sees it); one stays in the queue, one is published.
        for publish in (False, True):
            aid = article("approved")
            s.ok("editor", "POST", f"/articles/{aid}/translations", {"languages": ["es"]})
            try:
                services.app.record_machine_translation(
                    aid, "es", headline=" ¦ ".join(PAYLOADS), body=chunks[0],
                    source_version=1, engine="test", engine_version="1", route=["en-es"],
                    duration_ms=1, unknown_words=[])
            except ValidationFailed:
                s.engine_headline_refused = True
                break
            if publish:
                s.ok("editor", "POST", f"/articles/{aid}/translations/es/approve",
                     {"override_reason": "engine output kept as is"})
                s.ok("editor", "POST", f"/articles/{aid}/publish")
            s.engine_articles.append(aid)
            s.states[aid] = "published" if publish else "approved"
        for aid in s.single_articles:  # one payload per headline, into the editors' queue
            s.ok("journalist", "POST", f"/articles/{aid}/submit")
        yield s
    finally:
        services.close()


# ---- writing: what each field accepts ----------------------------------------------

PLAIN_SINGLE = ("create.headline", "headline", "dateline", "byline", "translation.headline")
PLAIN_MULTI = ("comment", "override_reason", "note", "reason", "text")
BODIES = ("body", "translation.body")


def test_corpus_is_big_varied_and_nul_free() -> None:
    assert len(PAYLOADS) >= 200
    assert len(set(PAYLOADS)) == len(PAYLOADS)
    assert not [p for p in PAYLOADS if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", p)]
    assert sum(1 for p in PAYLOADS if TAG.search(p)) >= 150
    assert sum(1 for p in PAYLOADS if not TAG.search(p)) >= 40


def test_every_field_judged_every_payload(stage: Stage) -> None:
    """Plain fields refuse tags (and single-line ones line breaks) with a 422 naming the
    field; bodies accept everything; nothing else (no 400, no 500) ever comes back."""
    fields = {p.field for p in stage.probes}
    assert fields == {*PLAIN_SINGLE, *PLAIN_MULTI, *BODIES}
    wrong: list[str] = []
    for p in stage.probes:
        accepted = p.status in (200, 201, 412)
        name = p.field.split(".")[-1]
        if p.status not in (200, 201, 412, 422):
            wrong.append(f"{p.field} {p.payload!r}: status {p.status}")
        elif p.status == 422 and p.error_field != name:
            wrong.append(f"{p.field} {p.payload!r}: 422 names {p.error_field!r}")
        elif p.field in BODIES and not accepted:
            wrong.append(f"{p.field} refused {p.payload!r}")
        elif p.field not in BODIES and TAG.search(p.payload) and accepted:
            wrong.append(f"{p.field} accepted a tag: {p.payload!r}")
        elif p.field in PLAIN_SINGLE and MULTILINE.search(p.payload) and accepted:
            wrong.append(f"{p.field} accepted a line break or tab: {p.payload!r}")
        elif p.field not in BODIES and not TAG.search(p.payload) and not accepted \
                and not (p.field in PLAIN_SINGLE and MULTILINE.search(p.payload)):
            wrong.append(f"{p.field} refused plain text {p.payload!r}: {p.status}")
    assert not wrong, "\n".join(wrong[:50])
    # Every plain field took the same payloads as its siblings.
    assert stage.accepted["headline"] == stage.accepted["dateline"] == \
        stage.accepted["byline"] == stage.accepted["translation.headline"] == \
        stage.accepted["create.headline"]
    assert stage.accepted["comment"] == stage.accepted["override_reason"] == \
        stage.accepted["note"] == stage.accepted["reason"] == stage.accepted["text"]


def test_plain_text_is_stored_exactly_as_sent(stage: Stage) -> None:
    """Escaping is the templates' job: the API returns what was typed, byte for byte."""
    for aid, payload in zip(stage.single_articles, stage.accepted["create.headline"],
                            strict=True):
        assert stage.ok("auditor", "GET", f"/articles/{aid}")["headline"] == payload
    draft = stage.carriers[0]
    assert stage.ok("journalist", "GET", f"/articles/{draft}")[
        "changes_requested_comment"] == stage.note_packs[0]


def test_stored_bodies_keep_only_the_allowlist(stage: Stage) -> None:
    for aid in stage.carriers:
        document = stage.ok("editor", "GET", f"/articles/{aid}")
        bodies = [document["body"]] + [t.get("body") or "" for t in
                                       (document.get("translations") or {}).values()
                                       if isinstance(t, dict)]
        for body in bodies:
            problems = html_problems(body)
            tags = {t.lower() for t in re.findall(r"<([A-Za-z][A-Za-z0-9]*)", body)}
            assert tags <= set(content.ALLOWED_TAGS), (aid, tags - set(content.ALLOWED_TAGS))
            assert not problems, (aid, problems[:10])


# ---- reading: the pages -----------------------------------------------------------


def _pages(stage: Stage) -> list[tuple[str | None, str, tuple[int, ...]]]:
    """(who, url, acceptable statuses) for every page that shows the fields."""
    jane, eddie, tina = (str(stage.cast.journalist.user_id), str(stage.cast.editor.user_id),
                         str(stage.cast.translator.user_id))
    pages: list[tuple[str | None, str, tuple[int, ...]]] = [
        ("journalist", "/desk", (200,)),
        ("editor", "/desk", (200,)),
        ("editor", "/queue", (200,)),
        ("editor", f"/search?q={MARKER}", (200,)),
        ("editor", f"/search?q={MARKER}&state=published", (200,)),
        ("editor", "/search?q=alert", (200,)),
        ("editor", "/translations", (200,)),
        ("translator", "/translations", (200,)),
        ("translator", "/translations?state=in_review&language=es", (200,)),
        ("auditor", "/audit?per_page=500", (200,)),
        ("auditor", "/audit/users", (200,)),
        ("auditor", "/audit/desk-at", (200,)),
        ("admin", "/admin/users", (200,)),
        ("admin", "/admin/users/jane", (200,)),
        ("journalist", "/welcome", (200,)),
    ]
    for uid in (jane, eddie, tina, str(SYSTEM_ACTOR.user_id)):
        pages.append(("auditor", f"/audit/users/{uid}", (200,)))
    for aid in stage.carriers:
        state = stage.states[aid]
        pages += [
            ("journalist", f"/articles/{aid}", (200,)),
            ("editor", f"/articles/{aid}", (200,)),
            ("translator", f"/articles/{aid}", (200,)),
            ("editor", f"/articles/{aid}/review", (200,)),
            ("auditor", f"/audit/articles/{aid}", (200,)),
            ("auditor", f"/audit/articles/{aid}/diff", (200,)),
            ("auditor", f"/audit/articles/{aid}/diff?from=2&to=3", (200, 422)),
            ("auditor", f"/audit/articles/{aid}/as-of", (200,)),
            ("auditor", f"/audit/articles/{aid}/as-of?version=1", (200,)),
            ("auditor", f"/audit/articles/{aid}/as-of?version=2", (200,)),
            ("auditor", f"/audit/articles/{aid}/public-at", (200,)),
            ("admin", f"/admin/redactions?article_id={aid}", (200,)),
        ]
        if state in ("draft", "submitted"):
            pages += [("journalist" if state == "draft" else "editor",
                       f"/articles/{aid}/edit", (200,))]
        if state in ("approved", "published", "retracted"):
            pages += [(who, f"/articles/{aid}/translations/es", (200,))
                      for who in ("translator", "editor", "journalist", "auditor")]
        if state in ("published", "retracted"):
            status = (410,) if state == "retracted" else (200,)
            pages += [(None, f"/news/{aid}", status), (None, f"/news/{aid}?lang=es", status),
                      ("editor", f"/news/{aid}", status)]
    for aid in stage.engine_articles:
        pages += [(who, f"/articles/{aid}/translations/es", (200,))
                  for who in ("translator", "editor", "auditor")]
        pages += [("auditor", f"/audit/articles/{aid}", (200,)),
                  ("auditor", f"/audit/articles/{aid}/as-of", (200,))]
        if stage.states[aid] == "published":
            pages += [(None, f"/news/{aid}", (200,)), (None, f"/news/{aid}?lang=es", (200,))]
    for aid in stage.single_articles[::10]:
        pages += [("editor", f"/articles/{aid}/review", (200,)),
                  ("auditor", f"/audit/articles/{aid}", (200,))]
    return pages


def test_every_page_showing_the_fields_is_free_of_injected_markup(stage: Stage) -> None:
    problems: list[str] = []
    pages = _pages(stage)
    assert stage.engine_articles or stage.engine_headline_refused
    for who, url, statuses in pages:
        response = stage.ui(who).get(url)
        problems += response_problems(f"{who} GET {url}", response, statuses)
    assert len(pages) > 100
    assert not problems, "\n".join(problems[:60])


class TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text_of(page: str) -> str:
    parser = TextOf()
    parser.feed(page)
    parser.close()
    return "".join(parser.parts)


def test_pages_show_the_payload_text(stage: Stage) -> None:
    """The checks above would pass on an empty page too: the plain payloads must be
    there, as text, exactly as typed (escaped, not evaluated, not eaten)."""
    trails = "".join(text_of(stage.ui("auditor").get(f"/audit/articles/{aid}")
                             .get_data(as_text=True)) for aid in stage.carriers)
    missing = [p for p in stage.accepted["comment"] if p not in trails]
    assert not missing, missing[:10]
    draft = stage.carriers[0]
    shown = text_of(stage.ui("journalist").get(f"/articles/{draft}").get_data(as_text=True))
    comment = shown.split("Changes requested by the editor", 1)[1]
    assert stage.note_packs[0].strip() in comment
    # The queue shows fifty a page: read every page.
    pages, page_no = [], 1
    while True:
        html = stage.ui("editor").get(f"/queue?page={page_no}").get_data(as_text=True)
        pages.append(text_of(html))
        if 'rel="next"' not in html:
            break
        page_no += 1
    queue = "".join(pages)
    missing = [p for p in stage.accepted["create.headline"] if p.strip() not in queue]
    assert not missing, missing[:10]
    public = next(a for a in stage.carriers if stage.states[a] == "published")
    page = text_of(stage.ui(None).get(f"/news/{public}").get_data(as_text=True))
    assert "{{7*7}}" in page or "${7*7}" in page


def test_timeline_svg_is_clean_xml(stage: Stage) -> None:
    for aid in stage.carriers:
        response = stage.ui("auditor").get(f"/audit/articles/{aid}/timeline.svg")
        assert response.status_code == 200
        assert response.mimetype == "image/svg+xml"
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        root = ElementTree.fromstring(response.get_data())
        for element in root.iter():
            local = element.tag.rsplit("}", 1)[-1].lower()
            assert local not in ("script", "foreignobject", "iframe", "a", "use", "image"), local
            for name, value in element.attrib.items():
                attr = name.rsplit("}", 1)[-1].lower()
                assert not attr.startswith("on"), (attr, value)
                if attr in URL_ATTRIBUTES:
                    assert scheme_of(value) not in BAD_SCHEMES, (attr, value)


# ---- the exports ---------------------------------------------------------------------

FORMULA = ("=", "+", "-", "@", "\t", "\r")


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def _export_urls(stage: Stage) -> list[str]:
    urls = ["/audit?per_page=500", "/audit/users",
            f"/audit/users/{stage.cast.journalist.user_id}",
            f"/audit/users/{stage.cast.editor.user_id}"]
    for aid in stage.carriers:
        urls += [f"/audit/articles/{aid}", f"/audit/articles/{aid}/diff",
                 f"/audit/articles/{aid}/as-of", f"/audit/articles/{aid}/as-of?version=2"]
    return urls


def test_json_and_csv_exports_survive_the_corpus(stage: Stage) -> None:
    client = stage.ui("auditor")
    seen: set[str] = set()
    for url in _export_urls(stage):
        join = "&" if "?" in url else "?"
        as_json = client.get(f"{url}{join}format=json")
        assert as_json.status_code == 200, url
        assert as_json.mimetype == "application/json"
        assert as_json.headers["Content-Disposition"].startswith("attachment;")
        assert as_json.headers["X-Content-Type-Options"] == "nosniff"
        seen.update(strings_in(json.loads(as_json.get_data(as_text=True))))
        as_csv = client.get(f"{url}{join}format=csv")
        assert as_csv.status_code == 200, url
        assert as_csv.mimetype == "text/csv"
        assert as_csv.headers["Content-Disposition"].startswith("attachment;")
        rows = list(csv.reader(io.StringIO(as_csv.get_data(as_text=True), newline="")))
        assert rows, url
        width = len(rows[0])
        for row in rows[1:]:
            assert len(row) == width, (url, row[:3])
            for cell in row:
                if re.fullmatch(r"-?\d+(\.\d+)?", cell):
                    continue
                assert not cell.startswith(FORMULA), (url, cell[:80])
    # The exports carry the text as typed (JSON-escaped, not HTML-escaped).
    assert set(stage.note_packs) <= seen
    assert any("=cmd|' /C calc'!A0" in text for text in seen)


def test_api_json_is_json_and_not_sniffable(stage: Stage) -> None:
    for aid in stage.carriers:
        for path in (f"/articles/{aid}", f"/articles/{aid}/history"):
            response = stage.api("auditor", "GET", path)
            assert response.status_code == 200
            assert response.mimetype == "application/json"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            json.loads(response.get_data(as_text=True))


# ---- forms that echo input back ------------------------------------------------------


def _spread(count: int) -> Iterator[list[str]]:
    """Every payload, ``count`` at a time, the last group topped up from the start."""
    cycle = itertools.cycle(PAYLOADS)
    for _ in range(0, len(PAYLOADS), count):
        yield [next(cycle) for _ in range(count)]


def test_admin_add_user_name_field(stage: Stage) -> None:
    client = stage.ui("admin")
    problems: list[str] = []
    added = 0
    for payload in PAYLOADS:
        response = client.post("/admin/users", data={
            "csrf_token": stage.csrf("admin"), "name": payload, "password": "long enough pw",
            "roles": ["journalist"]})
        if response.status_code == 302:  # a name of letters and digits only: a real user
            added += 1
            response = client.get(response.headers["Location"])
        problems += response_problems(f"add user {payload!r}", response, (200, 422))
    assert added == 0, "no payload is a valid user name"
    users = client.get("/admin/users")
    problems += response_problems("admin users", users)
    assert not problems, "\n".join(problems[:60])


def test_reflected_query_parameters(stage: Stage) -> None:
    """Search, the translator's filters and the auditor's version/time fields put the
    query back on the page (in inputs and in error messages): every payload through
    every such parameter."""
    problems: list[str] = []
    editor, translator, auditor = stage.ui("editor"), stage.ui("translator"), stage.ui("auditor")
    aid = stage.probe_submitted
    requests: list[tuple[FlaskClient, str, tuple[int, ...]]] = []
    for q, language in _spread(2):
        requests += [
            (editor, "/search?" + urlencode({"q": q, "language": language, "state": q}), (200,)),
            (translator, "/translations?" + urlencode({"language": q, "state": language}),
             (200,)),
            (auditor, f"/audit/articles/{aid}/diff?" + urlencode({"from": q, "to": language}),
             (422,)),
        ]
    for payload in PAYLOADS:
        requests += [
            (auditor, f"/audit/articles/{aid}/as-of?" + urlencode({"at": payload}), (422,)),
            (auditor, f"/audit/articles/{aid}/as-of?" + urlencode({"version": payload}), (422,)),
        ]
    for client, url, statuses in requests:
        problems += response_problems(url, client.get(url), statuses)
    assert not problems, "\n".join(problems[:60])


def test_reflected_path_segments(stage: Stage) -> None:
    """Names and ids from the URL end up in 404 messages."""
    problems: list[str] = []
    admin, editor = stage.ui("admin"), stage.ui("editor")
    for payload in PAYLOADS:
        segment = quote(payload, safe="")
        for client, url in ((admin, f"/admin/users/{segment}"),
                            (editor, f"/articles/{stage.carriers[2]}/translations/{segment}"),
                            (editor, f"/articles/{segment}")):
            response = client.get(url)
            problems += response_problems(url, response, (200, 404, 422))
    assert not problems, "\n".join(problems[:60])


def test_login_form_echoes_the_name(stage: Stage) -> None:
    """A failed login shows the name again (no password: no hashing, stays fast)."""
    problems: list[str] = []
    client = stage.app.test_client()
    for i, payload in enumerate(PAYLOADS):
        response = client.post("/login", data={"name": payload, "password": ""},
                               environ_base={"REMOTE_ADDR": f"10.9.{i // 200}.{i % 200}"})
        problems += response_problems(f"login {payload!r}", response, (401,))
    assert not problems, "\n".join(problems[:60])


def test_new_article_form_echoes_every_field(stage: Stage) -> None:
    """Refused forms come back filled in: every payload in every field of the form."""
    problems: list[str] = []
    client = stage.ui("journalist")
    for group in _spread(4):
        headline, dateline, byline, language = group
        response = client.post("/articles/new", data={
            "csrf_token": stage.csrf("journalist"), "headline": headline,
            "dateline": dateline, "byline": byline, "language": language,
            "body": "\n\n".join(group)})
        problems += response_problems(f"new article {group!r}", response, (422,))
    assert not problems, "\n".join(problems[:60])


def test_stale_forms_echo_what_was_typed(stage: Stage) -> None:
    """A stale save shows the conflict page with the user's text against the current
    one (desk edit, every review form, translator post-edit)."""
    problems: list[str] = []
    jane, eddie, tina = stage.ui("journalist"), stage.ui("editor"), stage.ui("translator")
    draft, submitted = stage.probe_draft, stage.probe_submitted
    translated = next(a for a in stage.carriers if stage.states[a] == "approved")
    review_fields = ("override_reason", "comment", "at", "embargo_until", "headline", "note",
                     "reason")
    for group in _spread(8):
        body = "\n\n".join(group)
        response = jane.post(f"/articles/{draft}/edit", data={
            "csrf_token": stage.csrf("journalist"), "expected_version": "999",
            "headline": group[0], "dateline": group[1], "byline": group[2], "body": body})
        problems += response_problems("stale edit", response, (409, 422))
        form = dict(zip(review_fields, group, strict=False))
        for action in ("request-changes", "approve", "correct", "retract", "publish"):
            response = eddie.post(f"/articles/{submitted}/{action}", data={
                "csrf_token": stage.csrf("editor"), "expected_version": "999", **form,
                "body": body, "when": "schedule"})
            problems += response_problems(f"stale {action}", response, (409, 422))
        response = tina.post(f"/articles/{translated}/translations/es/post-edit", data={
            "csrf_token": stage.csrf("translator"), "version": "1",
            "headline": group[0], "body": body})
        problems += response_problems("stale post-edit", response, (409, 422))
    assert not problems, "\n".join(problems[:60])


# ---- redirects --------------------------------------------------------------------------

def _login_to(stage: Stage, target: str) -> TestResponse:
    return stage.app.test_client().post(
        "/login?" + urlencode({"next": target}), data={"name": "tina", "password": PASSWORD})


SAFE_NEXT = ["JaVaScRiPt:alert(1)", "data:text/html,<script>", "//evil.example/",
             "https://evil.example/", "/\\evil.example/", " //evil.example"]


@pytest.mark.parametrize("target", SAFE_NEXT)
def test_login_next_stays_on_this_site(stage: Stage, target: str) -> None:
    response = _login_to(stage, target)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/") and not re.match(r"/[\s\\/]", location), location
    assert scheme_of(location) is None


def test_login_next_with_a_tab_stays_on_this_site(stage: Stage) -> None:
    response = _login_to(stage, "/\t/evil.example/")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert not normalized_url(location).startswith("//"), location


@pytest.mark.parametrize("target", ["/\n/evil.example/", "/\r/evil.example/"])
def test_login_next_with_a_line_break_is_refused_not_a_crash(stage: Stage,
                                                             target: str) -> None:
    response = _login_to(stage, target)
    assert response.status_code == 302, response.status_code
