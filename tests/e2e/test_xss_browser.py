"""A sample of the XSS corpus rendered by Chromium against a real `newsroom run`.

The demo editor writes the payloads through the JSON API (headline, dateline, byline,
body, comments, the changes-requested comment, the override reason, a correction note)
and publishes. Chromium then opens the public page anonymously and the editor's and
the auditor's pages after logging in through the login form. A test fails on any
dialog (alert, confirm, prompt), any console error, any uncaught page error, a
``window.__xss`` marker, or a DOM (as Chromium built it, after its own parsing) with an
event-handler attribute, a foreign script, an iframe/object/embed/svg/math/style
element, or a link whose resolved protocol is not http, https or mailto.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from livesupport import LiveServer
from xss_payloads import BROWSER_SAMPLE

from newsroom.demo import DEMO_PASSWORD

MARKER = "xssbrowser"
# Markup counts as such for the plain-text fields when "<" opens a tag.
TAG = re.compile(r"<[A-Za-z]|<[!?/][^>]*>")
PLAIN = [p for p in BROWSER_SAMPLE if not TAG.search(p) and not re.search(r"[\t\n\r]", p)]
NOTE = "\n\n".join([*(p for p in BROWSER_SAMPLE if not TAG.search(p)),
                    "Plain words after the payloads."])

DOM_CHECK = """() => {
  const bad = [];
  const forbidden = new Set(['iframe', 'object', 'embed', 'svg', 'math', 'style', 'base',
    'frameset', 'applet', 'template', 'noscript', 'video', 'audio', 'img',
    'image', 'frame', 'portal']);
  for (const el of document.querySelectorAll('*')) {
    const name = el.localName;
    for (const attr of el.attributes) {
      if (attr.name.toLowerCase().startsWith('on')) bad.push(`${name}[${attr.name}]`);
      if (['style', 'srcdoc', 'formaction'].includes(attr.name)) bad.push(`${name}[${attr.name}]`);
    }
    if (forbidden.has(name) && !(name === 'img' && el.closest('figure.timeline'))) {
      bad.push(`<${name}>`);
    }
    if (name === 'script' && !(el.src && new URL(el.src).pathname.startsWith('/static/'))) {
      bad.push(`script ${el.src || el.textContent.slice(0, 80)}`);
    }
    if (name === 'a' && el.hasAttribute('href')
        && !['http:', 'https:', 'mailto:'].includes(new URL(el.href).protocol)) {
      bad.push(`a[href=${el.getAttribute('href')}] -> ${el.href}`);
    }
    if (name === 'form' && el.action && new URL(el.action).origin !== location.origin) {
      bad.push(`form[action=${el.action}]`);
    }
  }
  if (window.__xss !== undefined) bad.push(`window.__xss=${window.__xss}`);
  return bad;
}"""


def call(server: LiveServer, method: str, path: str, body: Any = None) -> dict[str, Any]:
    """The JSON API as the demo editor."""
    headers = {"Authorization": f"Bearer {server.tokens['editor']}",
               "Content-Type": "application/json"}
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{server.url}/api/v1{path}", data=data, method=method,
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            result: dict[str, Any] = json.loads(response.read())
            return result
    except urllib.error.HTTPError as exc:
        raise AssertionError(f"{method} {path}: {exc.code} {exc.read()[:500]!r}") from None


@dataclass
class Content:
    published: str
    draft: str
    plain_published: str
    singles: list[str] = field(default_factory=list)
    pages: dict[str, list[str]] = field(default_factory=dict)


def _article(server: LiveServer, headline: str, body: str, **extra: str) -> str:
    return str(call(server, "POST", "/articles", {
        "headline": headline, "body": body, "language": "fr", **extra})["id"])


def _publish(server: LiveServer, aid: str) -> None:
    call(server, "POST", f"/articles/{aid}/submit")
    call(server, "POST", f"/articles/{aid}/approve", {"override_reason": NOTE})
    call(server, "POST", f"/articles/{aid}/publish")


@pytest.fixture(scope="module")
def content(live_server: LiveServer) -> Content:
    heads = " ¦ ".join(PLAIN)[:500]
    # HTML body: the sanitizer's path; shown as stored on every page.
    published = _article(live_server, heads, "\n\n".join([*BROWSER_SAMPLE, MARKER]),
                         dateline=PLAIN[0], byline=PLAIN[-1])
    for payload in BROWSER_SAMPLE:
        try:
            call(live_server, "POST", f"/articles/{published}/comments", {"text": payload})
        except AssertionError as refused:  # tags in a plain-text field: 422
            assert " 422 " in str(refused), refused
    _publish(live_server, published)
    # The correction puts the links first: an unclosed <style> or <noscript> further down
    # makes the sanitizer drop everything after it.
    links_first = sorted(BROWSER_SAMPLE, key=lambda p: not p.startswith("<a "))
    call(live_server, "POST", f"/articles/{published}/corrections", {
        "note": NOTE, "body": "\n\n".join([*links_first, MARKER])})
    # Each payload alone in a body too, so none is hidden by another one's breakage.
    singles = []
    for i, payload in enumerate(BROWSER_SAMPLE):
        plain = payload in PLAIN
        single = _article(live_server, payload if plain else f"Sample {i}",
                          f"{payload}\n\n{MARKER}", dateline=payload if plain else "",
                          byline=payload if plain else "")
        _publish(live_server, single)
        singles.append(single)
    # Plain-text body: escaped, with QA marks at their offsets.
    plain_published = _article(live_server, PLAIN[1], NOTE + f"\n\n{MARKER}")
    _publish(live_server, plain_published)
    # A draft sent back with a comment full of payloads.
    draft = _article(live_server, PLAIN[2], "\n\n".join([*BROWSER_SAMPLE[::-1], MARKER]))
    call(live_server, "POST", f"/articles/{draft}/submit")
    call(live_server, "POST", f"/articles/{draft}/request-changes", {"comment": NOTE})
    c = Content(published=published, draft=draft, plain_published=plain_published,
                singles=singles)
    c.pages = {
        "public": [f"/news/{published}", f"/news/{plain_published}",
                   *(f"/news/{single}" for single in singles)],
        "editor": [
            *(f"/articles/{single}/review" for single in singles),
            "/queue", f"/search?q={MARKER}", f"/articles/{published}/review",
            f"/articles/{published}", f"/articles/{plain_published}/review",
            f"/articles/{draft}", f"/articles/{draft}/edit", f"/articles/{draft}/review",
            "/search?" + urllib.parse.urlencode({"q": BROWSER_SAMPLE[0]}),
        ],
        "auditor": [
            "/audit", f"/audit/articles/{published}", f"/audit/articles/{published}/diff",
            f"/audit/articles/{published}/as-of?version=1", f"/audit/articles/{published}/as-of",
            f"/audit/articles/{draft}",
        ],
    }
    return c


@dataclass
class Watch:
    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _watched_page(context: Any, watch: Watch) -> Any:
    page = context.new_page()

    def on_dialog(dialog: Any) -> None:
        watch.dialogs.append(f"{dialog.type}: {dialog.message} at {page.url}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda m: watch.console.append(f"{m.text} at {page.url}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: watch.errors.append(f"{e} at {page.url}"))
    return page


@pytest.fixture
def browser_context(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(java_script_enabled=True)
    context.set_default_timeout(10_000)
    try:
        yield context
    finally:
        context.close()


def _visit(page: Any, url: str, problems: list[str]) -> None:
    response = page.goto(url, wait_until="load")
    assert response is not None and response.status == 200, (url, response and response.status)
    # Give autofocus, <details open> toggles, media errors and timers a moment to fire.
    page.wait_for_timeout(60)
    problems.extend(f"{url}: {p}" for p in page.evaluate(DOM_CHECK))


def _log_in(page: Any, server: LiveServer, name: str) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#name", name)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    assert "/login" not in page.url, f"{name} could not log in"


@pytest.mark.parametrize("who", ["public", "editor", "auditor"])
def test_payloads_do_not_run_in_chromium(live_server: LiveServer, browser_context: Any,
                                         content: Content, who: str) -> None:
    watch = Watch()
    page = _watched_page(browser_context, watch)
    if who != "public":
        _log_in(page, live_server, who)
    problems: list[str] = []
    for path in content.pages[who]:
        _visit(page, f"{live_server.url}{path}", problems)
    # A published page with the payloads really is there, as text.
    if who == "public":
        page.goto(f"{live_server.url}/news/{content.plain_published}")
        assert "{{7*7}}" in page.inner_text("main")
    assert not watch.dialogs, watch.dialogs
    assert not watch.errors, watch.errors
    assert not watch.console, watch.console
    assert not problems, "\n".join(problems[:40])


def test_links_in_bodies_resolve_to_safe_protocols(live_server: LiveServer,
                                                   browser_context: Any,
                                                   content: Content) -> None:
    """Clicking every link the sanitizer kept in the published body opens nothing
    that runs script (each goes to http(s)/mailto or a path on this site)."""
    watch = Watch()
    page = _watched_page(browser_context, watch)
    page.goto(f"{live_server.url}/news/{content.published}")
    hrefs = page.eval_on_selector_all(
        "main a[href]", "els => els.map(a => [a.getAttribute('href'), a.href])")
    for raw, resolved in hrefs:
        assert resolved.split(":", 1)[0] in ("http", "https", "mailto"), (raw, resolved)
    # Relative and odd hrefs ("\u2028javascript:...", "//host") are dropped by the
    # sanitizer (url_relative="deny"): whatever is left is an absolute, allowed URL.
    assert all(raw.split(":", 1)[0] in ("http", "https", "mailto") for raw, _ in hrefs), hrefs
    # Clicking the ones that stay on this site runs nothing either.
    for index, (_, resolved) in enumerate(hrefs):
        if resolved.startswith(live_server.url):
            page.goto(f"{live_server.url}/news/{content.published}")
            page.locator("main a[href]").nth(index).click()
            page.wait_for_load_state("load")
    assert not watch.dialogs and not watch.errors, (watch.dialogs, watch.errors)


def test_the_watchers_see_a_payload_that_runs(browser_context: Any) -> None:
    """The control: without the app's escaping and CSP, the same watchers and DOM check
    do catch a payload (so a green run above means something)."""
    watch = Watch()
    page = _watched_page(browser_context, watch)
    page.set_content("<p>x</p><img src=x onerror=alert(1)><a href='javascript:alert(2)'>j</a>")
    page.wait_for_timeout(200)
    assert watch.dialogs and watch.dialogs[0].startswith("alert: 1")
    found = page.evaluate(DOM_CHECK)
    assert any("onerror" in f for f in found) and any("javascript:" in f for f in found), found
    page.evaluate("() => setTimeout(() => { throw new Error('boom') }, 0)")
    page.evaluate("() => console.error('oops')")
    page.wait_for_timeout(100)
    assert any("boom" in e for e in watch.errors), watch.errors
    assert any("oops" in c for c in watch.console), watch.console
