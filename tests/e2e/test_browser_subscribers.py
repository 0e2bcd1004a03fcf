"""The admin's subscriber screens in a real browser (headless Debian Chromium) against
`newsroom run`: the SSRF guard's refusal next to the URL, a file-drop partner added,
suspended with a reason and resumed; every page free of script and CSP errors."""

from __future__ import annotations

from typing import Any

from e2e.test_browser_flows import Browsing, browsing, log_in  # noqa: F401 (fixture)
from livesupport import screenshot
from playwright.sync_api import expect


def test_admin_adds_suspends_and_resumes_a_partner(browsing: Browsing) -> None:  # noqa: F811
    page = browsing.page()
    log_in(page, "admin")
    page.get_by_role("link", name="Subscribers").click()
    expect(page.get_by_role("heading", name="Subscribers", exact=True)).to_be_visible()

    page.get_by_label("Name", exact=True).fill("Browser partner")
    page.get_by_label("Webhook URL").fill("https://127.0.0.1/hook")
    page.get_by_role("button", name="Add subscriber").click()
    refusal = page.locator("#e-url")
    expect(refusal).to_contain_text("Refused by the SSRF guard")
    expect(refusal).to_contain_text("loopback")
    expect(page.get_by_label("Webhook URL")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "subscribers-ssrf-refused")

    page.get_by_label("file drop (a directory)").check()
    page.get_by_label("File-drop directory").fill("browser-drop")
    page.get_by_label("Format").select_option("newsml-g2")
    page.get_by_label("Contract allows early delivery").check()
    page.get_by_role("button", name="Add subscriber").click()
    expect(page.locator("p.flash")).to_contain_text("Subscriber Browser partner added.")
    expect(page.locator("p.meta")).to_contain_text("early delivery: yes")
    expect(page.locator("p.meta")).to_contain_text("newsml-g2")

    page.get_by_label("Reason to suspend").fill("Their archive server moves this week.")
    page.get_by_role("button", name="Suspend").click()
    expect(page.locator("p.suspension")).to_contain_text("Their archive server moves")
    screenshot(page, "subscriber-suspended")
    page.get_by_role("button", name="Resume").click()
    expect(page.locator("p.flash")).to_contain_text("Browser partner resumed.")
    history = page.locator("table.subscriber-history")
    for kind in ("SubscriberCreated", "SubscriberSuspended", "SubscriberResumed"):
        expect(history).to_contain_text(kind)

    # The refused form came back with 422, which Chromium logs; nothing else may appear.
    unexpected: list[Any] = [e for e in browsing.errors if "status of 422" not in e]
    assert unexpected == []
