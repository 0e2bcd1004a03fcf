"""Browser flows through the real UI: headless Debian Chromium (Playwright, sync API)
against a real `newsroom run` server with the demo data.

The first four tests follow the demo's seed article through its life (draft and
submit, send back and resubmit, approve over blocking findings and publish, audit,
public page), in file order on this module's server. Each of them first brings the
seed, through the JSON API, to the point the previous test leaves it at when that
test did not run (``-k``) or stopped early, so every test also runs on its own.
The conflict test works on a draft of its own.

Every page is watched for uncaught script errors and console errors (CSP
violations land there too); each test ends by asserting there were none. Every
screen visited is saved under artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from livesupport import LiveServer, call, screenshot
from playwright.sync_api import BrowserContext, ConsoleMessage, Error, Locator, Page, expect

from newsroom.demo import DEMO_PASSWORD, SEED_ARTICLE_ID

SEED = str(SEED_ARTICLE_ID)
SEED_HEADLINE = "Soutien à la Russie en Ukraine"
NEW_DATELINE = "Séoul (Corée du Sud)"
SEND_BACK_COMMENT = "Fix KNCA to KCNA and the stray '. .' before this goes out."
OVERRIDE_REASON = "Wire copy kept as received; the partner corrects it upstream."
TIMEOUT_MS = 10_000
FRENCH_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                 "septembre", "octobre", "novembre", "décembre")
# "Publié le 3 mars 2025 à 14 h 07 HNE": the demo's zone is America/Toronto.
FRENCH_PUBLISHED = re.compile(
    r"^Publié le (\d{1,2}) (\S+) (\d{4}) à (\d{1,2}) h (\d{2}) (HNE|HAE)$")
HTTP_REASONS = {404: "NOT FOUND", 409: "CONFLICT"}
PUBLISHED_PREFIX = {"fr": "Publié le ", "en": "Published ", "es": "Publicado el ",
                    "ca": "Publicat el "}


# ---- API helper (the same shape as test_run_command.call) ------------------------------


def get_article(server: LiveServer, article_id: str, who: str = "editor") -> dict[str, Any]:
    status, doc = call(server.url, "GET", f"/api/v1/articles/{article_id}", server.tokens[who])
    assert status == 200, doc
    return doc


def history_types(server: LiveServer, article_id: str) -> list[str]:
    status, history = call(server.url, "GET", f"/api/v1/articles/{article_id}/history",
                           server.tokens["auditor"])
    assert status == 200, history
    # The workflow's own events: the demo partners' deliveries arrive at their own pace.
    return [h["type"] for h in history if not h["stream"].startswith("delivery:")]


# ---- the seed's story, caught up through the API when a test runs on its own -----------

STAGES = ("edited", "submitted", "sent_back", "resubmitted", "published")


def _stage_done(server: LiveServer, stage: str) -> bool:
    types = history_types(server, SEED)
    doc = get_article(server, SEED)
    if stage == "edited":
        return doc["dateline"] == NEW_DATELINE
    if stage == "submitted":
        return "ArticleSubmitted" in types
    if stage == "sent_back":
        return "ArticleChangesRequested" in types
    if stage == "resubmitted":
        return types.count("ArticleSubmitted") >= 2
    return doc["state"] == "published"


def _do_stage(server: LiveServer, stage: str) -> None:
    url, tokens, path = server.url, server.tokens, f"/api/v1/articles/{SEED}"
    version = get_article(server, SEED)["version"]
    if stage == "edited":
        status, doc = call(url, "PATCH", path, tokens["journalist"], {"dateline": NEW_DATELINE},
                           {"If-Match": f'"{version}"'})
    elif stage in ("submitted", "resubmitted"):
        status, doc = call(url, "POST", f"{path}/submit", tokens["journalist"])
    elif stage == "sent_back":
        status, doc = call(url, "POST", f"{path}/request-changes", tokens["editor"],
                           {"comment": SEND_BACK_COMMENT})
    else:
        status, doc = call(url, "POST", f"{path}/approve", tokens["editor"],
                           {"override_reason": OVERRIDE_REASON})
        assert status == 200, doc
        status, doc = call(url, "POST", f"{path}/publish", tokens["editor"], {})
    assert status == 200, (stage, doc)


def bring_seed_to(server: LiveServer, stage: str) -> None:
    """Runs, through the API, every stage up to ``stage`` that has not happened yet."""
    for step in STAGES[:STAGES.index(stage) + 1]:
        if not _stage_done(server, step):
            _do_stage(server, step)


# ---- browser helpers -------------------------------------------------------------------


class Browsing:
    """Contexts and pages for one test, with every page's script and console errors
    collected."""

    def __init__(self, chromium: Any, server: LiveServer) -> None:
        self.chromium = chromium
        self.server = server
        self.contexts: list[BrowserContext] = []
        self.errors: list[str] = []
        self.error_pages: set[tuple[str, int]] = set()

    def allow_error_page(self, path: str, status: int) -> None:
        """The UI answers some form posts with the form again and a 4xx status (409 for
        a conflict or a refusal); Chromium logs every such document as a console error.
        The test declares those it expects, and asserts the status itself."""
        self.error_pages.add((f"{self.server.url}{path}", status))

    def context(self) -> BrowserContext:
        context = self.chromium.new_context(base_url=self.server.url, locale="en-CA",
                                            viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        context.on("page", self.watch)
        self.contexts.append(context)
        return context

    def watch(self, page: Page) -> None:
        def on_console(message: ConsoleMessage) -> None:
            # The layouts link no icon, so Chromium asks for /favicon.ico, which 404s:
            # the browser's own request, not the page's, and not a CSP matter.
            if message.location.get("url", "").endswith("/favicon.ico"):
                return
            if message.type != "error":
                return
            if any(message.location.get("url") == url and message.text ==
                   f"Failed to load resource: the server responded with a status of {status} "
                   f"({HTTP_REASONS[status]})" for url, status in self.error_pages):
                return
            self.errors.append(f"console on {page.url}: {message.text} "
                               f"({message.location.get('url', '')})")

        def on_page_error(error: Error) -> None:
            self.errors.append(f"page error on {page.url}: {error}")

        page.on("console", on_console)
        page.on("pageerror", on_page_error)

    def page(self, context: BrowserContext | None = None) -> Page:
        return (context or self.context()).new_page()

    def assert_clean(self) -> None:
        assert self.errors == [], "\n".join(self.errors)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def browsing(chromium: Any, live_server: LiveServer) -> Iterator[Browsing]:
    session = Browsing(chromium, live_server)
    try:
        yield session
    finally:
        session.close()


def log_in(page: Page, name: str, shot: str | None = None) -> None:
    page.goto("/login")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    if shot:
        screenshot(page, shot)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("header .who")).to_contain_text(f"{name} ({name})")


def seed_link(page: Page, href: str) -> Locator:
    """The link to the seed (the demo's published house version has the same headline)."""
    return page.get_by_role("link", name=SEED_HEADLINE, exact=True).and_(
        page.locator(f"[href='{href}']"))


def flash(page: Page) -> str:
    return page.locator("p.flash").first.inner_text()


def state_of(page: Page) -> str:
    return page.locator("p.meta .state").first.inner_text()


# ---- 1. the journalist edits and submits the seed, and sees QA marks -------------------


def test_journalist_edits_and_submits_the_seed(browsing: Browsing,
                                               live_server: LiveServer) -> None:
    doc = get_article(live_server, SEED, "journalist")
    if doc["state"] != "draft" or "ArticleSubmitted" in history_types(live_server, SEED):
        pytest.skip("the seed was already submitted on this server")
    page = browsing.page()
    log_in(page, "journalist", "journalist-1-login")

    expect(page).to_have_url(re.compile(r"/desk$"))
    expect(page.get_by_role("heading", name="My articles")).to_be_visible()
    screenshot(page, "journalist-2-desk")
    seed_link(page, f"/articles/{SEED}").click()

    expect(page).to_have_url(re.compile(rf"/articles/{SEED}$"))
    assert state_of(page) == "draft"
    expect(page.locator(".qa-findings")).to_contain_text(
        "A preview of the checks that run when the article is submitted.")
    screenshot(page, "journalist-3-article-draft")
    page.get_by_role("link", name="Edit", exact=True).click()

    expect(page.get_by_role("heading", name="Edit", exact=True)).to_be_visible()
    dateline = page.get_by_label("Dateline")
    expect(dateline).to_have_value("Séoul")
    dateline.fill(NEW_DATELINE)
    screenshot(page, "journalist-4-edit")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page).to_have_url(re.compile(rf"/articles/{SEED}$"))
    assert flash(page) == "Saved."
    expect(page.locator("article.article-text")).to_contain_text(NEW_DATELINE)
    screenshot(page, "journalist-5-saved")
    page.get_by_role("button", name="Submit to the editors").click()

    expect(page.locator("p.flash")).to_contain_text("Submitted to the editors. QA found")
    assert re.search(r"QA found [1-9]\d* blocking finding\(s\): see them marked in the text",
                     flash(page)), flash(page)
    assert state_of(page) == "submitted"
    marks = page.locator("article.article-text mark.qa-blocking")
    expect(marks.first).to_be_visible()
    marked = marks.all_inner_texts()
    assert any("KNCA" in text for text in marked), marked
    assert any(". ." in text for text in marked), marked
    assert all(mark.get_attribute("title") for mark in marks.all())  # the message on hover
    expect(page.locator(".qa-findings")).to_contain_text("Found when version")
    expect(page.locator(".qa-findings tr.finding.blocking").first).to_be_visible()
    screenshot(page, "journalist-6-submitted-qa")

    doc = get_article(live_server, SEED)
    assert doc["state"] == "submitted" and doc["dateline"] == NEW_DATELINE
    browsing.assert_clean()


# ---- 2. the editor sends it back, the journalist resubmits, the editor publishes --------


def test_editor_sends_back_then_approves_over_findings_and_publishes(
        browsing: Browsing, live_server: LiveServer) -> None:
    bring_seed_to(live_server, "submitted")
    if _stage_done(live_server, "sent_back"):
        pytest.skip("the seed was already sent back on this server")
    editor = browsing.page()
    log_in(editor, "editor", "review-1-login-editor")

    expect(editor).to_have_url(re.compile(r"/queue$"))
    expect(editor.get_by_role("heading", name="Submitted articles")).to_be_visible()
    row = editor.locator("table.queue tr", has=seed_link(editor, f"/articles/{SEED}/review"))
    expect(row).to_contain_text("blocking")
    screenshot(editor, "review-2-queue")
    seed_link(editor, f"/articles/{SEED}/review").click()

    expect(editor.get_by_role("heading", name=f"Review: {SEED_HEADLINE}")).to_be_visible()
    # The journalist changed the dateline: the editor sees exactly that change.
    expect(editor.locator("section.changes .diff-dateline ins")).to_contain_text(
        "(Corée du Sud)")
    expect(editor.locator("article.article-text mark.qa-blocking").first).to_be_visible()
    send_back = editor.locator("form[action$='/request-changes']")
    send_back.get_by_label("What must change").fill(SEND_BACK_COMMENT)
    screenshot(editor, "review-3-review")
    send_back.get_by_role("button", name="Send back").click()

    assert flash(editor) == "Sent back to the author with your comment."
    assert state_of(editor) == "draft"
    screenshot(editor, "review-4-sent-back")

    journalist = browsing.page()  # a context of its own: its own session
    log_in(journalist, "journalist")
    row = journalist.locator("table.my-articles tr",
                             has=seed_link(journalist, f"/articles/{SEED}"))
    expect(row).to_contain_text("Changes requested")
    screenshot(journalist, "review-5-desk-changes-requested")
    seed_link(journalist, f"/articles/{SEED}").click()

    requested = journalist.locator("section.changes-requested")
    expect(requested.get_by_role("heading")).to_have_text("Changes requested by the editor")
    expect(requested.locator(".comment")).to_have_text(SEND_BACK_COMMENT)
    screenshot(journalist, "review-6-comment")
    journalist.get_by_role("button", name="Submit to the editors").click()

    expect(journalist.locator("p.flash")).to_contain_text("Submitted to the editors.")
    assert state_of(journalist) == "submitted"
    expect(journalist.locator("section.changes-requested")).to_have_count(0)
    screenshot(journalist, "review-7-resubmitted")

    editor.get_by_role("link", name="Queue").click()
    seed_link(editor, f"/articles/{SEED}/review").click()
    approve = editor.locator("form[action$='/approve']")
    expect(approve).to_contain_text("blocking finding(s) stand")
    # Without a reason the approval is refused, with the message next to the field.
    browsing.allow_error_page(f"/articles/{SEED}/approve", 409)
    with editor.expect_response(lambda r: r.request.method == "POST") as refused:
        approve.get_by_role("button", name="Approve").click()
    assert refused.value.status == 409
    expect(editor.locator("#e-override_reason")).to_contain_text(
        "give a reason to approve over them")
    assert state_of(editor) == "submitted"
    screenshot(editor, "review-8-approve-refused")

    approve = editor.locator("form[action$='/approve']")
    approve.get_by_label("Reason to approve over them").fill(OVERRIDE_REASON)
    approve.get_by_role("button", name="Approve").click()
    assert re.fullmatch(r"Approved over [1-9]\d* blocking finding\(s\); your reason is on "
                        r"record\.", flash(editor)), flash(editor)
    assert state_of(editor) == "approved"
    screenshot(editor, "review-9-approved")

    publish = editor.locator("form[action$='/publish']")
    publish.get_by_role("button", name="Publish now").click()
    assert flash(editor) == "Published."
    assert state_of(editor) == "published"
    expect(editor.locator("p.schedule")).to_contain_text("Published")
    screenshot(editor, "review-10-published")

    doc = get_article(live_server, SEED)
    assert doc["state"] == "published"
    assert history_types(live_server, SEED)[-4:] == [
        "ArticleSubmitted", "ArticleQAOverridden", "ArticleApproved", "ArticlePublished"]
    browsing.assert_clean()


# ---- 3. the auditor reads the trail, compares versions, and views version 1 ------------


def test_auditor_trail_diff_and_version_one(browsing: Browsing,
                                            live_server: LiveServer) -> None:
    bring_seed_to(live_server, "published")
    latest = get_article(live_server, SEED)["version"]
    page = browsing.page()
    log_in(page, "auditor", "audit-1-login")

    expect(page).to_have_url(re.compile(r"/audit$"))
    expect(page.get_by_role("heading", name="Audit: articles")).to_be_visible()
    screenshot(page, "audit-2-index")
    seed_link(page, f"/audit/articles/{SEED}").click()

    expect(page.get_by_role("heading", name=f"Audit trail: {SEED_HEADLINE}")).to_be_visible()
    trail = page.locator("table.audit-trail")
    for event in ("ArticleCreated", "ArticleRevised", "ArticleSubmitted",
                  "ArticleChangesRequested", "ArticleQAOverridden", "ArticleApproved",
                  "ArticlePublished"):
        expect(trail).to_contain_text(event)
    # One row per article version, besides the demo partners' delivery rows.
    article_rows = trail.locator("tbody tr").filter(has_not_text="delivery:")
    expect(article_rows).to_have_count(latest)
    expect(trail).to_contain_text(OVERRIDE_REASON)
    timeline = page.get_by_role("img", name="Timeline of the article's states per language")
    expect(timeline).to_be_visible()
    assert timeline.evaluate("img => img.complete && img.naturalWidth > 0")
    screenshot(page, "audit-3-trail")

    page.locator("nav.audit-nav").get_by_role("link", name="Compare versions").click()
    page.get_by_label("From version").select_option("1")
    page.get_by_label("To version").select_option(str(latest))
    page.get_by_role("button", name="Compare").click()
    expect(page).to_have_url(re.compile(rf"from=1&to={latest}"))
    expect(page.locator("main")).to_contain_text("Version 1 (draft")
    expect(page.locator("main")).to_contain_text(f"→ version {latest} (published")
    dateline_row = page.locator("table.diff-fields tr", has=page.get_by_role(
        "rowheader", name="dateline"))
    expect(dateline_row).to_have_class("changed")
    expect(dateline_row.locator("ins")).to_contain_text("Corée du Sud")
    expect(page.locator("table.diff-fields tr", has=page.get_by_role(
        "rowheader", name="body"))).to_contain_text("unchanged")
    screenshot(page, "audit-4-diff")

    page.locator("nav.audit-nav").get_by_role("link", name="As of…").click()
    page.get_by_label("At version").select_option("1")
    page.get_by_role("button", name="Show version").click()
    expect(page).to_have_url(re.compile(r"/as-of\?version=1$"))
    as_of = page.locator("section.as-of")
    expect(as_of).to_contain_text(f"Version 1 of {latest}, recorded")
    expect(as_of.locator(".state")).to_have_text("draft")
    expect(as_of.locator(".as-of-headline")).to_have_text(SEED_HEADLINE)
    # Version 1's dateline, before the journalist's change.
    expect(as_of.locator("p", has=page.locator(".state"))).to_have_text(
        re.compile(r"^\s*draft · fr\s*· Séoul · Agence\s*$"))
    expect(as_of.locator(".article-body")).to_contain_text("(KNCA)")
    screenshot(page, "audit-5-as-of-v1")
    browsing.assert_clean()


# ---- 4. the public page, localized -----------------------------------------------------


def _published_line(page: Page) -> str:
    return page.locator("article.news header .times time").first.inner_text().strip()


def test_public_page_shows_localized_timestamps(browsing: Browsing,
                                                live_server: LiveServer) -> None:
    bring_seed_to(live_server, "published")
    page = browsing.page()  # no login
    response = page.goto(f"/news/{SEED}?lang=fr")
    assert response is not None and response.status == 200
    assert response.headers["cache-control"] == "public, max-age=60"
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text(SEED_HEADLINE)
    expect(page.locator("p.credit")).to_contain_text(NEW_DATELINE)
    expect(page.locator("header.top")).to_have_count(0)  # nothing of a session
    line = _published_line(page)
    match = FRENCH_PUBLISHED.match(line)
    assert match, line
    assert match.group(2) in FRENCH_MONTHS, line
    iso = page.locator("article.news header .times time").first.get_attribute("datetime")
    assert iso and iso.endswith("Z") and iso[:4] == match.group(3), iso
    screenshot(page, "public-1-fr")

    # Every other published language listed on the page, in its own words.
    others = page.locator("nav.languages a")
    languages = [a.get_attribute("hreflang") or "" for a in others.all()]
    for index, language in enumerate(languages):
        page.goto(f"/news/{SEED}?lang={language}")
        expect(page.locator("html")).to_have_attribute("lang", language)
        prefix = PUBLISHED_PREFIX.get(language.split("-")[0], "Published ")
        assert _published_line(page).startswith(prefix), _published_line(page)
        screenshot(page, f"public-{index + 2}-{language}")

    # A language not published (the demo publishes no translation): the same 404 as
    # an unknown article, in that language's words.
    missing = next(tag for tag in ("es", "ca", "en") if tag not in languages)
    browsing.allow_error_page(f"/news/{SEED}?lang={missing}", 404)
    response = page.goto(f"/news/{SEED}?lang={missing}")
    assert response is not None and response.status == 404
    expect(page.locator("html")).to_have_attribute("lang", missing)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        {"es": "Artículo no encontrado", "ca": "Article no trobat",
         "en": "Article not found"}[missing])
    screenshot(page, f"public-{len(languages) + 2}-{missing}-not-found")
    browsing.assert_clean()


# ---- 5. two tabs, one draft: the conflict page, a merge, and the save ------------------


def test_two_tab_edit_conflict_is_merged(browsing: Browsing, live_server: LiveServer) -> None:
    context = browsing.context()
    tab_a = browsing.page(context)
    log_in(tab_a, "journalist")
    headline = "Conflict drill: two tabs, one draft"
    first = "Premier paragraphe, tel que chargé."
    tab_a.get_by_role("link", name="New article").click()
    tab_a.get_by_label("Headline").fill(headline)
    tab_a.get_by_label("Body").fill(first)
    screenshot(tab_a, "conflict-1-new")
    tab_a.get_by_role("button", name="Create draft").click()
    assert flash(tab_a).startswith("Draft created.")
    article_id = tab_a.url.rstrip("/").rsplit("/", 1)[-1]
    assert get_article(live_server, article_id)["version"] == 1

    tab_b = browsing.page(context)  # the same session, a second tab
    for tab in (tab_a, tab_b):
        tab.goto(f"/articles/{article_id}/edit")
        expect(tab.locator("input[name=expected_version]")).to_have_value("1")
    text_a = f"{first}\n\nAjout de l'onglet A."
    text_b = f"{first}\n\nAjout de l'onglet B."
    tab_a.get_by_label("Body").fill(text_a)
    tab_a.get_by_role("button", name="Save", exact=True).click()
    assert flash(tab_a) == "Saved."
    screenshot(tab_a, "conflict-2-tab-a-saved")

    tab_b.get_by_label("Body").fill(text_b)
    screenshot(tab_b, "conflict-3-tab-b-edit")
    browsing.allow_error_page(f"/articles/{article_id}/edit", 409)
    with tab_b.expect_response(lambda r: r.request.method == "POST") as posted:
        tab_b.get_by_role("button", name="Save", exact=True).click()
    assert posted.value.status == 409
    expect(tab_b.get_by_role("heading", name="Someone saved this article first")).to_be_visible()
    conflict = tab_b.locator("section.conflict")
    expect(conflict).to_contain_text("You started from version 1; the article is now at "
                                     "version 2.")
    expect(conflict).to_contain_text("version 2: ArticleRevised by journalist (journalist)")
    body_diff = conflict.locator(".diff-body")
    expect(body_diff.locator("del")).to_have_text("A")
    expect(body_diff.locator("ins")).to_have_text("B")
    expect(tab_b.locator("input[name=expected_version]")).to_have_value("2")
    expect(tab_b.get_by_label("Body")).to_have_value(text_b)  # their text is kept
    expect(tab_b.get_by_label("Headline")).to_have_value(headline)
    screenshot(tab_b, "conflict-4-conflict-page")

    merged = f"{first}\n\nAjout de l'onglet A.\n\nAjout de l'onglet B."
    tab_b.get_by_label("Body").fill(merged)
    tab_b.get_by_role("button", name="Save my merged version").click()
    expect(tab_b).to_have_url(re.compile(rf"/articles/{article_id}$"))
    assert flash(tab_b) == "Saved."
    body = tab_b.locator("article.article-text .body")
    expect(body).to_contain_text("Ajout de l'onglet A.")
    expect(body).to_contain_text("Ajout de l'onglet B.")
    screenshot(tab_b, "conflict-5-merged")

    doc = get_article(live_server, article_id, "journalist")
    assert doc["body"] == merged and doc["version"] == 3 and doc["state"] == "draft"
    assert doc["headline"] == headline
    browsing.assert_clean()
