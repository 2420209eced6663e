"""A shared collection opened in real headless Chromium on a phone-sized screen (390×844, touch, scale 2).

The page must show every badge with its verification pill (text and icon), open a badge's checks on a tap, fit the
screen without sideways scrolling, log no errors and break no Content-Security-Policy rule, work without JavaScript
and in dark mode, and be usable from the keyboard. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from browser_site import (
    COLLECTION_DESCRIPTION,
    COLLECTION_NAME,
    PLANNED_STEP,
    SHARED_BADGES,
    LiveSite,
    PhoneBrowser,
    contrast,
    horizontal_overflow,
)

from verifier import CHECK_IDS, extract

if TYPE_CHECKING:
    from playwright.sync_api import Page

try:
    from playwright.sync_api import expect
except ImportError:  # scripts/setup --tests installs it
    pytest.skip("the playwright package is not installed", allow_module_level=True)
pytestmark = pytest.mark.slow

IGNORED = ("/favicon.ico",)  # requested once per browser: test_share_page_logs_no_errors_… checks it
# Draws each element's text on a canvas in the element's font, and an unassigned code point (U+0378) likewise: the same
# pixels mean the browser found no glyph and drew its "missing glyph" box. Returns the texts drawn so.
DRAWN_AS_MISSING_GLYPH = """
elements => {
  const draw = (text, font) => {
    const canvas = document.createElement("canvas");
    canvas.width = 96;
    canvas.height = 64;
    const context = canvas.getContext("2d");
    context.font = font;
    context.fillText(text, 8, 44);
    return canvas.toDataURL();
  };
  return elements.filter(el => {
    const style = getComputedStyle(el);
    const font = style.fontWeight + " " + style.fontSize + " " + style.fontFamily;
    return el.textContent.trim() && draw(el.textContent.trim(), font) === draw("\\u0378", font);
  }).map(el => el.textContent.trim());
}
"""


def open_share_page(page: Page, site: LiveSite) -> None:
    response = page.goto(site.share_path, wait_until="load")
    assert response is not None and response.status == 200, response and response.status
    assert response.headers["content-type"].startswith("text/html")


def pill_colours(page: Page) -> list[tuple[str, str, str]]:
    """(pill text, text colour, background colour) of every pill on the page."""
    return page.eval_on_selector_all(
        "[data-pill], .pill",
        "pills => pills.map(p => [p.textContent.trim(), getComputedStyle(p).color,"
        " getComputedStyle(p).backgroundColor])",
    )


def test_share_page_shows_every_badge_with_its_pill(
    page: Page, phone: PhoneBrowser, live_site: LiveSite, screenshot: Callable[..., Path]
) -> None:
    open_share_page(page, live_site)

    assert COLLECTION_NAME in page.title()
    expect(page.locator("h1")).to_have_text(COLLECTION_NAME)
    expect(page.locator(".intro .description")).to_have_text(COLLECTION_DESCRIPTION)
    assert page.locator('meta[property="og:url"]').get_attribute("content") == live_site.share_url

    cards = page.locator("article.badge[data-badge]")
    expect(cards).to_have_count(len(SHARED_BADGES))
    icons: dict[str, set[str]] = {}
    for index, (name, word) in enumerate(SHARED_BADGES.items()):
        card = cards.nth(index)
        assert card.get_attribute("data-badge") == live_site.badge_ids[name]
        card.scroll_into_view_if_needed()
        expect(card).to_be_visible()
        expect(card.locator("h3")).to_have_text(name)
        pill = card.locator("[data-pill]")
        expect(pill).to_be_visible()
        expect(pill.locator("strong")).to_have_text(word)
        icon = pill.locator('[aria-hidden="true"]')  # status by text and icon, not colour alone
        expect(icon).to_have_text(re.compile(r"\S"))
        icons.setdefault(word, set()).add(icon.inner_text().strip())
        expect(pill).to_contain_text("checked just now")
        image = card.locator("img.badge-image")
        expect(image).to_have_attribute("alt", re.compile(re.escape(name)))
        image.evaluate("img => img.complete ? null : new Promise(done => img.addEventListener('load', done))")
        assert image.evaluate("img => img.naturalWidth") > 0, f"the image of {name} did not load"
        box = image.bounding_box()
        assert box is not None and box["width"] >= 48, box
    assert all(len(same) == 1 for same in icons.values()), f"one icon per status: {icons}"
    assert len(set().union(*icons.values())) == len(icons), f"each status has its own icon: {icons}"
    planned = page.locator("article.badge.planned")
    expect(planned).to_have_count(1)
    expect(planned.locator("h3")).to_have_text(PLANNED_STEP)
    expect(planned.locator(".pill")).to_contain_text("Planned")

    qr = page.locator("img.qr")
    qr.scroll_into_view_if_needed()
    expect(qr).to_have_attribute("alt", re.compile(re.escape(live_site.share_url)))
    assert qr.evaluate("img => img.complete && img.naturalWidth") > 0, "the page's QR code did not load"
    # What a phone camera pointed at the screen reads: the page's own public URL.
    assert extract(qr.screenshot()).payload.text == live_site.share_url
    expect(page.get_by_role("link", name=re.compile("Download the signed portfolio"))).to_be_visible()

    for text, foreground, background in pill_colours(page):
        assert contrast(foreground, background) >= 4.5, f"pill {text!r}: {foreground} on {background}"
    assert horizontal_overflow(page) == 0
    page.evaluate("() => window.scrollTo(0, 0)")
    screenshot(page, "share-page-light", full_page=True)
    screenshot(page, "share-page-light-first-screen")
    assert phone.problems(page, ignore=IGNORED) == []


def test_share_page_logs_no_errors_and_breaks_no_csp_rule(page: Page, phone: PhoneBrowser, live_site: LiveSite) -> None:
    open_share_page(page, live_site)
    for summary in page.locator("details.checks summary").all():
        summary.scroll_into_view_if_needed()
        summary.tap()
    page.wait_for_load_state("networkidle")
    assert phone.problems(page, ignore=IGNORED) == []
    # A browser asks once for the site's icon (later pages reuse the answer, so its 404 shows only in the first test
    # of a session): without a <link rel=icon>, /favicon.ico must exist, or every first visit logs an error.
    icons = page.locator("link[rel~=icon]")
    href = icons.first.get_attribute("href") if icons.count() else "/favicon.ico"
    if not (href or "").startswith("data:"):
        response = page.request.get(href or "/favicon.ico")
        assert response.ok, f"the site's icon {href} answers {response.status}: browsers log it as a console error"


def test_status_icons_are_drawn(page: Page, live_site: LiveSite) -> None:
    """Each pill's icon has a glyph in the browser's fonts: not the empty box drawn for a missing one."""
    open_share_page(page, live_site)
    missing = page.eval_on_selector_all("[data-pill] [aria-hidden], .pill [aria-hidden]", DRAWN_AS_MISSING_GLYPH)
    assert missing == [], f"icons drawn as an empty box (no font has them): {missing}"


def test_dates_are_not_broken_across_lines(page: Page, live_site: LiveSite) -> None:
    open_share_page(page, live_site)
    broken = page.eval_on_selector_all(
        "time", "times => times.filter(t => t.getClientRects().length > 1).map(t => t.textContent)"
    )
    assert broken == [], f"dates broken across two lines at 390 px: {broken}"


def test_tapping_show_every_check_opens_the_checks(
    page: Page, phone: PhoneBrowser, live_site: LiveSite, screenshot: Callable[..., Path]
) -> None:
    open_share_page(page, live_site)
    card = page.locator("article.badge[data-badge]").first
    details = card.locator("details.checks")
    summary = details.locator("summary")
    expect(summary).to_have_text("Show every check")
    checks = details.locator("li")
    expect(checks.first).to_be_hidden()

    summary.scroll_into_view_if_needed()
    summary.tap()

    expect(details).to_have_attribute("open", "")
    expect(checks.first).to_be_visible()
    ids = details.locator("code").all_inner_texts()
    assert ids, "no check ids are shown"
    assert set(ids) <= set(CHECK_IDS), set(ids) - set(CHECK_IDS)
    assert "signature" in ids
    signature = details.locator("li", has=page.locator("code", has_text="signature"))
    expect(signature.locator(".outcome")).to_have_text("passed")
    assert horizontal_overflow(page) == 0
    screenshot(card, "share-page-checks-open")

    # The revoked badge says which check failed.
    revoked = page.locator("article.badge[data-badge]").nth(list(SHARED_BADGES).index("Team Leadership"))
    revoked.locator("summary").scroll_into_view_if_needed()
    revoked.locator("summary").tap()
    revocation = revoked.locator("li", has=page.locator("code", has_text="revocation"))
    expect(revocation).to_be_visible()
    expect(revocation.locator(".outcome")).to_have_text("failed")
    assert horizontal_overflow(page) == 0
    screenshot(revoked, "share-page-revoked-checks-open")
    assert phone.problems(page, ignore=IGNORED) == []


def test_share_page_works_without_javascript(
    phone: PhoneBrowser, live_site: LiveSite, screenshot: Callable[..., Path]
) -> None:
    page = phone.new_page(java_script_enabled=False)
    open_share_page(page, live_site)
    cards = page.locator("article.badge[data-badge]")
    expect(cards).to_have_count(len(SHARED_BADGES))
    for index, word in enumerate(SHARED_BADGES.values()):
        expect(cards.nth(index).locator("[data-pill] strong")).to_have_text(word)
    details = cards.first.locator("details.checks")
    details.locator("summary").tap()  # <details> opens without any script
    expect(details).to_have_attribute("open", "")
    expect(details.locator("li").first).to_be_visible()
    assert horizontal_overflow(page) == 0
    screenshot(page, "share-page-no-javascript", full_page=True)


def test_share_page_in_dark_mode(phone: PhoneBrowser, live_site: LiveSite, screenshot: Callable[..., Path]) -> None:
    page = phone.new_page(color_scheme="dark")
    open_share_page(page, live_site)
    body_background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    body_text = page.evaluate("() => getComputedStyle(document.body).color")
    assert contrast(body_text, "rgb(0, 0, 0)") > contrast(body_background, "rgb(0, 0, 0)"), "light text on dark"
    assert contrast(body_text, body_background) >= 7, (body_text, body_background)
    cards = page.locator("article.badge[data-badge]")
    expect(cards).to_have_count(len(SHARED_BADGES))
    card_background = cards.first.evaluate("el => getComputedStyle(el).backgroundColor")
    assert contrast(body_text, card_background) >= 7, (body_text, card_background)
    for text, foreground, background in pill_colours(page):
        assert contrast(foreground, background) >= 4.5, f"pill {text!r}: {foreground} on {background}"
    link = page.locator("main a[href]").first
    link_colour = link.evaluate("el => getComputedStyle(el).color")
    assert contrast(link_colour, card_background) >= 4.5, (link_colour, card_background)
    assert horizontal_overflow(page) == 0
    screenshot(page, "share-page-dark", full_page=True)
    assert phone.problems(page, ignore=IGNORED) == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_keyboard_reaches_show_every_check_with_a_visible_focus(
    scheme: str, phone: PhoneBrowser, live_site: LiveSite, screenshot: Callable[..., Path]
) -> None:
    page = phone.new_page(color_scheme=scheme)  # a phone with a keyboard (or a switch device) attached
    open_share_page(page, live_site)
    card = page.locator("article.badge[data-badge]").first
    summary = card.locator("details.checks summary")
    for _ in range(30):
        page.keyboard.press("Tab")
        if summary.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("30 presses of Tab did not reach the first 'Show every check'")
    style, width, colour = summary.evaluate(
        "el => { const s = getComputedStyle(el); return [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor]; }"
    )
    assert style != "none" and width >= 2, (style, width)
    # WCAG 1.4.11: a focus indicator needs 3:1 against what it sits on (here the card).
    card_background = card.evaluate("el => getComputedStyle(el).backgroundColor")
    assert contrast(colour, card_background) >= 3, f"{scheme}: focus ring {colour} on the card's {card_background}"
    screenshot(card, f"share-page-keyboard-focus-{scheme}")
    page.keyboard.press("Enter")
    expect(card.locator("details.checks")).to_have_attribute("open", "")


def test_share_page_accessibility_smoke(
    page: Page, live_site: LiveSite, accessibility_problems: Callable[[Page], list[str]]
) -> None:
    open_share_page(page, live_site)
    assert accessibility_problems(page) == []
    # The skip link is the first thing the keyboard reaches, and it shows itself when focused.
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    assert skip.evaluate("el => el === document.activeElement")
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, box
