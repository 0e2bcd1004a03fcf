"""Issue 5's "Done when", on `newsroom run` (real server, dispatcher and worker on the
embedded SQLite broker, real Apertium, the demo's own partners):

the editor publishes the seed article, after its QA findings are fixed, in French
and (by machine translation that a translator approves) Spanish; the demo file drop
and the demo webhook receiver both get schema-valid payloads for each language; a
correction reaches both; the public page and the Atom feed show the localized
publication and update times; a retraction reaches both as a kill notice; and the
article's audit trail shows every step, deliveries included.
"""

from __future__ import annotations

import html
import http.cookiejar
import json
import re
import shutil
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
from livesupport import LiveServer, call, start_server, stop_server
from lxml import etree
from unit.test_formats_newsml import newsml_schema
from unit.test_formats_ninjs import ninjs_validator

from newsroom import demo
from newsroom.config import DEFAULT_LOCALES, parse_locales
from newsroom.domain import qa
from newsroom.web.localtime import published_line, updated_line

ARTICLE = f"/api/v1/articles/{demo.SEED_ARTICLE_ID}"
ZONE = "America/Toronto"  # the default newsroom time zone (the server gets no override)
LOCALES = parse_locales(DEFAULT_LOCALES)
NAR = "{http://iptc.org/std/nar/2006-10-01/}"
FILEDROP = "Demo partner (file drop)"
WEBHOOK = "Demo partner (webhook)"

# The desk's fixes, one per QA finding of the partner's copy (fixtures/README.md).
FIXES = [
    ("News Day FR\n\nSoutien à la Russie en Ukraine\n\n", ""),  # header, doubled headline
    ("\n\n\nPublié à 17h39\n", "\n"),  # a time with no date or zone
    ("(KNCA)", "(KCNA)"),  # one spelling of the acronym
    ("indo-pacifique. .", "indo-pacifique."),  # doubled punctuation
    ("de la , de l’Allemagne", "de la France, de l’Allemagne"),  # the dropped country
    ("“Nous", "« Nous"), ("troupes”", "troupes »"),  # curly quotes beside « »
    ("d’« alliance exclusive » de Washington et de ses alliés.",  # nested « », unclosed «
     "d’“alliance exclusive” de Washington et de ses alliés »."),
]
TRAILER = "\n\n\u00a0\nFor Latest Updates"  # boilerplate and whitespace-only lines


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    if shutil.which("apertium") is None:
        pytest.skip("Apertium is not installed")
    live = start_server(tmp_path_factory.mktemp("syndication"))
    try:
        yield live
    finally:
        stop_server(live)


def _printed_dirs(live: LiveServer) -> tuple[Path, Path]:
    """Where `newsroom run` said the file drop and the demo receiver put payloads."""
    text = "".join(live.output)
    drop = re.search(r"file drop, NewsML-G2 2\.35 -> (\S+)/", text)
    hook = re.search(r"webhook, +ninjs 3\.1 +-> http://127\.0\.0\.1:\d+/webhook, .* in (\S+)/",
                     text)
    assert drop and hook, text
    return live.workdir / drop.group(1), live.workdir / hook.group(1)


def _until(what: str, check: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Partners:
    """Both demo partners' payloads, found by delivery id and checked against the
    IPTC schemas as they are read."""

    def __init__(self, live: LiveServer) -> None:
        self.live = live
        self.filedrop_dir, self.webhook_dir = _printed_dirs(live)
        self.ninjs = ninjs_validator()
        self.newsml = newsml_schema()

    def delivered(self, kind: str, languages: set[str]) -> dict[tuple[str, str], Any]:
        """Waits until both partners got the ``kind`` delivery of every language, and
        returns {(partner, language): parsed payload}."""
        token = self.live.tokens["auditor"]

        def done() -> list[dict[str, Any]] | None:
            status, rows = call(self.live.url, "GET", f"{ARTICLE}/deliveries", token)
            assert status == 200, rows
            mine = [r for r in rows if r["kind"] == kind]
            assert not [r for r in mine if r["status"] == "failed"], mine
            got = {(r["subscriber"]["name"], r["language"]) for r in mine
                   if r["status"] == "delivered"}
            wanted = {(p, lang) for p in (FILEDROP, WEBHOOK) for lang in languages}
            return mine if wanted <= got else None

        rows = _until(f"{kind} deliveries in {sorted(languages)}", done)
        # One delivery per (article, version, language, subscriber): never a second copy.
        assert len(rows) == len({(r["subscriber"]["name"], r["language"]) for r in rows}), rows
        payloads: dict[tuple[str, str], Any] = {}
        for row in rows:
            name, language = row["subscriber"]["name"], row["language"]
            if name == FILEDROP:
                payloads[(name, language)] = self._newsml_item(
                    self.filedrop_dir / f"{row['id']}.xml")
            elif name == WEBHOOK:
                payloads[(name, language)] = self._ninjs_item(
                    self.webhook_dir / f"{row['id']}.json")
        return payloads

    def _ninjs_item(self, path: Path) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(path.read_bytes())
        errors = [e.message for e in self.ninjs.iter_errors(document)]
        assert errors == [], (path.name, errors)
        return document

    def _newsml_item(self, path: Path) -> etree._Element:
        root = etree.fromstring(path.read_bytes())
        assert self.newsml.validate(root), (path.name, self.newsml.error_log)
        return root


def _g2(item: etree._Element, path: str) -> str:
    """The qcode (else the text) of the element at a path like ``itemMeta/pubStatus``."""
    found = item.find("/".join(f"{NAR}{step}" for step in path.split("/")))
    assert found is not None, path
    return str(found.get("qcode") or found.text or "")


def _fixed_body(draft_body: str) -> str:
    body = draft_body
    for wrong, right in FIXES:
        assert body.count(wrong) == 1, wrong
        body = body.replace(wrong, right)
    return body[:body.index(TRAILER)]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _audit_trail(live: LiveServer) -> list[dict[str, Any]]:
    """The auditor's trail page, as its JSON export, through a browser-like session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = urllib.parse.urlencode({"name": "auditor", "password": demo.DEMO_PASSWORD}).encode()
    opener.open(f"{live.url}/login", data=form, timeout=10).read()
    with opener.open(f"{live.url}/audit/articles/{demo.SEED_ARTICLE_ID}?format=json",
                     timeout=10) as response:
        events: list[dict[str, Any]] = json.loads(response.read())["events"]
    return events


def test_publish_syndicate_correct_retract_the_seed_article(server: LiveServer) -> None:
    url, tokens = server.url, server.tokens
    partners = Partners(server)
    started = time.monotonic()

    # 1. The journalist fixes every QA finding of the partner's copy and submits it.
    _, draft = call(url, "GET", ARTICLE, tokens["journalist"])
    fixed = _fixed_body(draft["body"])
    assert fixed.strip() == demo.fixture("seoul-dprk-fr.fixed.txt").strip()  # README's copy
    assert qa.check_article(draft["headline"], fixed, "fr") == []
    status, revised = call(url, "PATCH", ARTICLE, tokens["journalist"], {"body": fixed},
                           headers={"If-Match": f'"{draft["version"]}"'})
    assert status == 200, revised
    status, submitted = call(url, "POST", f"{ARTICLE}/submit", tokens["journalist"])
    assert status == 200 and submitted["qa_findings"] == [], submitted

    # 2. The editor approves it with no override and publishes the French.
    status, approved = call(url, "POST", f"{ARTICLE}/approve", tokens["editor"], {})
    assert status == 200 and approved["state"] == "approved", approved
    status, published = call(url, "POST", f"{ARTICLE}/publish", tokens["editor"], {})
    assert status == 200 and published["state"] == "published", published

    # 3. Spanish: requested, machine-translated by Apertium, approved by a translator,
    #    published by the editor on its own.
    status, body = call(url, "POST", f"{ARTICLE}/translations", tokens["editor"],
                        {"languages": ["es"]})
    assert status == 202, body
    es = f"{ARTICLE}/translations/es"

    def machine_translated() -> dict[str, Any] | None:
        _, translation = call(url, "GET", es, tokens["translator"])
        assert translation["state"] != "failed", translation
        return translation if translation["state"] == "machine_translated" else None

    translation = _until("the Spanish machine translation", machine_translated)
    assert translation["engine"] == "apertium" and "Corea del Norte" in translation["body"]
    status, approved_es = call(url, "POST", f"{es}/approve", tokens["translator"],
                               {"override_reason": "checked against the French"},
                               headers={"If-Match": f'"{translation["version"]}"'})
    assert status == 200 and approved_es["state"] == "approved", approved_es
    status, published_es = call(url, "POST", f"{es}/publish", tokens["editor"], {})
    assert status == 200, published_es

    # 4. Both partners receive both languages, schema-valid.
    first = partners.delivered("publication", {"fr", "es"})
    for language in ("fr", "es"):
        ninjs = first[(WEBHOOK, language)]
        assert (ninjs["language"], ninjs["version"], ninjs["pubStatus"]) == (
            language, "1", "usable")
        assert "edNote" not in ninjs
        g2 = first[(FILEDROP, language)]
        assert g2.get("{http://www.w3.org/XML/1998/namespace}lang") == language
        assert _g2(g2, "itemMeta/pubStatus") == "stat:usable"
    assert "KCNA" in first[(WEBHOOK, "fr")]["bodies"][0]["value"]
    assert "Corea del Norte" in first[(WEBHOOK, "es")]["bodies"][0]["value"]
    assert first[(WEBHOOK, "fr")]["uri"] != first[(WEBHOOK, "es")]["uri"]

    # 5. The editor corrects the French with a public note; both partners get it.
    note = "Une précédente version attribuait le communiqué à la mauvaise agence."
    status, corrected = call(url, "POST", f"{ARTICLE}/corrections", tokens["editor"], {
        "body": fixed.replace("officielle nord-coréenne", "officielle de la Corée du Nord"),
        "note": note})
    assert status == 200, corrected
    correction = partners.delivered("correction", {"fr"})
    assert correction[(WEBHOOK, "fr")]["edNote"] == note
    assert correction[(WEBHOOK, "fr")]["version"] == "2"
    assert "de la Corée du Nord" in correction[(WEBHOOK, "fr")]["bodies"][0]["value"]
    g2 = correction[(FILEDROP, "fr")]
    assert g2.get("version") == "2" and _g2(g2, "itemMeta/edNote") == note

    # 6. The public page and the Atom feed: localized publication and update times.
    _, article = call(url, "GET", ARTICLE, tokens["editor"])
    fr_pub, es_pub = article["publication"]["fr"], article["publication"]["es"]
    assert fr_pub["revision"] == 2 and fr_pub["updated_at"] > fr_pub["first_published_at"]
    status, page = _get(f"{url}/news/{demo.SEED_ARTICLE_ID}?lang=fr")
    assert status == 200
    for line in (published_line(_utc(fr_pub["first_published_at"]), "fr", ZONE, LOCALES),
                 updated_line(_utc(fr_pub["updated_at"]), "fr", ZONE, LOCALES)):
        assert html.escape(line, quote=False) in page, line
    assert html.escape(note, quote=False) in page
    status, page_es = _get(f"{url}/news/{demo.SEED_ARTICLE_ID}?lang=es")
    assert status == 200
    es_line = published_line(_utc(es_pub["first_published_at"]), "es", ZONE, LOCALES)
    assert html.escape(es_line, quote=False) in page_es
    assert es_line != published_line(_utc(es_pub["first_published_at"]), "fr", ZONE, LOCALES)

    status, feed_text = _get(f"{url}/feeds/fr.atom")
    assert status == 200
    feed = feedparser.parse(feed_text)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.get("language") == "fr"
    entry = next(e for e in feed.entries if str(demo.SEED_ARTICLE_ID) in e.id)
    assert _utc(entry.published) == _utc(fr_pub["first_published_at"])
    assert _utc(entry.updated) == _utc(fr_pub["updated_at"])
    assert {link.get("hreflang") for link in entry.links} >= {"fr", "es"}

    # 7. The editor retracts it; both partners get a kill notice in both languages.
    reason = "Le communiqué cité n’a pas pu être authentifié."
    status, retracted = call(url, "POST", f"{ARTICLE}/retract", tokens["editor"],
                             {"reason": reason})
    assert status == 200 and retracted["state"] == "retracted", retracted
    kill = partners.delivered("kill", {"fr", "es"})
    for language in ("fr", "es"):
        assert kill[(WEBHOOK, language)]["pubStatus"] == "canceled"
        assert "bodies" not in kill[(WEBHOOK, language)]
        assert _g2(kill[(FILEDROP, language)], "itemMeta/pubStatus") == "stat:canceled"
    status, gone = _get(f"{url}/news/{demo.SEED_ARTICLE_ID}?lang=fr")
    assert status == 410 and html.escape(reason, quote=False) in gone

    # 8. Every step is in the article's audit trail: workflow, translation, deliveries.
    status, history = call(url, "GET", f"{ARTICLE}/history", tokens["auditor"])
    assert status == 200
    steps = [(h["type"], h["actor"]) for h in history]
    for step in [("ArticleRevised", "journalist"), ("ArticleSubmitted", "journalist"),
                 ("ArticleApproved", "editor"), ("ArticlePublished", "editor"),
                 ("TranslationMachineTranslated", "system"),
                 ("TranslationApproved", "translator"), ("TranslationPublished", "editor"),
                 ("ArticleCorrected", "editor"), ("ArticleRetracted", "editor")]:
        assert step in steps, step
    api_deliveries = [(h["stream"], h["type"]) for h in history
                      if h["stream"].startswith("delivery:")]
    assert api_deliveries.count(("delivery:fr", "DeliveryDelivered")) == 6
    assert api_deliveries.count(("delivery:es", "DeliveryDelivered")) == 4
    trail = _audit_trail(server)
    delivered = [(e["stream"], e["type"]) for e in trail if e["stream"].startswith("delivery:")]
    # Two partners: fr publication, correction and kill; es publication and kill.
    assert delivered.count(("delivery:fr", "DeliveryDelivered")) == 6
    assert delivered.count(("delivery:es", "DeliveryDelivered")) == 4
    assert [e["type"] for e in trail if e["stream"] == "article"][-1] == "ArticleRetracted"
    assert time.monotonic() - started < 60


def _children_environ(pid: int) -> list[dict[str, str]]:
    """The environments of a process's children (Linux /proc)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if not children.exists():
        pytest.skip("needs Linux /proc to read the child processes' environments")
    found = []
    for child in children.read_text().split():
        raw = Path(f"/proc/{child}/environ").read_bytes()
        pairs = (item.partition(b"=") for item in raw.split(b"\0") if item)
        found.append({k.decode(): v.decode(errors="replace") for k, _, v in pairs})
    return found


def test_only_the_demo_workers_may_call_loopback_webhooks(
        server: LiveServer, tmp_path: Path) -> None:
    demo_children = _children_environ(server.process.pid)
    assert len(demo_children) == 2  # dispatcher and worker
    assert all(env.get("NEWSROOM_WEBHOOK_ALLOW_INSECURE") == "1" for env in demo_children)

    plain = start_server(tmp_path, "--no-demo")
    try:
        children = _children_environ(plain.process.pid)
        assert len(children) == 2
        assert not any("NEWSROOM_WEBHOOK_ALLOW_INSECURE" in env for env in children)
        assert "Demo partners" not in "".join(plain.output)
        assert not (tmp_path / "var" / "demo").exists()
    finally:
        stop_server(plain)
