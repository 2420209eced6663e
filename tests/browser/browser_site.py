"""What the browser tests share: the phone's settings, the shared collection they open, the live site, page logs.

Imported by the conftest and the test modules of tests/browser (``from browser_site import ...``).
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
VIEWPORT = {"width": 390, "height": 844}
CHROMIUM_ARGS = [  # what works on a machine with a closed network and no GPU; Playwright adds --headless itself
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The shared collection, in page order, and the word on each badge's pill (the demo backpack's verdicts).
SHARED_BADGES = {
    "Accessible Web Design": "Verified",
    "Python Foundations": "Verified",
    "Spreadsheet Basics": "Expired",
    "Team Leadership": "Revoked",
}
COLLECTION_NAME = "Web developer portfolio"
COLLECTION_DESCRIPTION = "What I can do on the web, checked with every issuer."
PLANNED_STEP = "Cloud Fundamentals"

# Runs in every page before its own scripts: Content-Security-Policy violations are recorded for the tests to read.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push({
    directive: event.violatedDirective, blocked: event.blockedURI, source: event.sourceFile, line: event.lineNumber
  });
});
"""


def chromium_path() -> str | None:
    """Debian's Chromium (``BACKPACK_TEST_CHROMIUM`` overrides the path), or None when there is none."""
    wanted = os.environ.get("BACKPACK_TEST_CHROMIUM", "").strip()
    for candidate in (wanted, "/usr/bin/chromium", shutil.which("chromium") or ""):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@dataclass(frozen=True)
class LiveSite:
    """The web view running on loopback, serving a demo backpack with one shared collection."""

    base_url: str
    home: Path
    token: str
    share_url: str
    """The page's public URL as the app prints it (``public_url`` points at this server)."""
    badge_ids: dict[str, str]
    """Badge name -> id, for the shared badges, in page order."""

    @property
    def share_path(self) -> str:
        return f"/s/{self.token}"

    def url(self, path: str) -> str:
        return self.base_url + path


@dataclass
class PageLog:
    """What went wrong in a page: console errors, uncaught exceptions."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("console", lambda message: self._console(message))
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            location = message.location or {}
            self.console_errors.append(f"{message.text} ({location.get('url', '?')}:{location.get('lineNumber', '?')})")


@dataclass
class PhoneBrowser:
    """Opens phone-sized browser contexts and pages; closes them all at the end of the test."""

    browser: Browser
    base_url: str
    contexts: list[BrowserContext] = field(default_factory=list)
    logs: dict[int, PageLog] = field(default_factory=dict)

    def new_page(self, **options: Any) -> Page:
        settings: dict[str, Any] = {
            "viewport": VIEWPORT,
            "screen": VIEWPORT,
            "device_scale_factor": 2,
            "is_mobile": True,
            "has_touch": True,
            "base_url": self.base_url,
            "locale": "en-GB",
            "color_scheme": "light",
            "reduced_motion": "reduce",
        }
        settings.update(options)
        context = self.browser.new_context(**settings)
        context.set_default_timeout(5_000)
        context.add_init_script(RECORD_CSP_VIOLATIONS)
        self.contexts.append(context)
        page = context.new_page()
        log = self.logs[id(page)] = PageLog()
        log.watch(page)
        return page

    def problems(self, page: Page, *, ignore: tuple[str, ...] = ()) -> list[str]:
        """Console errors, uncaught exceptions and Content-Security-Policy violations seen in the page so far
        (without those that mention one of ``ignore``)."""
        log = self.logs[id(page)]
        found = [f"console error: {text}" for text in log.console_errors]
        found += [f"uncaught exception: {text}" for text in log.page_errors]
        violations = page.evaluate("() => window.__cspViolations || []")
        found += [
            f"CSP violation: {v['directive']} blocked {v['blocked']} ({v['source']}:{v['line']})" for v in violations
        ]
        return [problem for problem in found if not any(text in problem for text in ignore)]

    def close(self) -> None:
        for context in self.contexts:
            context.close()


# An accessibility smoke check, not an audit: language, title, one h1, headings in order, alt text, labelled fields,
# named links and buttons, unique ids, a main landmark. Returns what is wrong, in words.
ACCESSIBILITY_SMOKE = """
() => {
  const problems = [];
  const named = (el) => Boolean(
    el.textContent.trim() || (el.getAttribute("aria-label") || "").trim() || el.getAttribute("aria-labelledby") ||
    Array.from(el.querySelectorAll("img[alt]")).some((img) => img.alt.trim()));
  if (!document.documentElement.lang) problems.push("<html> has no lang");
  if (!document.title.trim()) problems.push("the page has no title");
  if (!document.querySelector("main")) problems.push("no <main> landmark");
  const headings = Array.from(document.querySelectorAll("h1, h2, h3, h4, h5, h6"));
  if (document.querySelectorAll("h1").length !== 1) problems.push("not exactly one h1");
  if (headings.length && headings[0].tagName !== "H1") problems.push("the first heading is " + headings[0].tagName);
  let previous = 0;
  for (const h of headings) {
    const level = Number(h.tagName[1]);
    if (previous && level > previous + 1) {
      problems.push(h.tagName + " '" + h.textContent.trim() + "' after h" + previous);
    }
    if (!h.textContent.trim()) problems.push("an empty " + h.tagName);
    previous = level;
  }
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) problems.push("an image without alt: " + img.getAttribute("src"));
  }
  for (const el of document.querySelectorAll("[role=img]")) {
    if (!el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby")) {
      problems.push("a role=img without a name");
    }
  }
  for (const field of document.querySelectorAll("input, select, textarea")) {
    if (["hidden", "submit", "button", "reset"].includes(field.type)) continue;
    if (!field.labels.length && !field.getAttribute("aria-label") && !field.getAttribute("aria-labelledby")) {
      problems.push("a form field without a label: " + (field.name || field.id || field.type));
    }
  }
  for (const el of document.querySelectorAll("a[href], button, summary, input[type=submit]")) {
    if (!named(el) && !(el.value || "").trim()) problems.push("a " + el.tagName.toLowerCase() + " without a name");
  }
  const seen = new Set();
  for (const el of document.querySelectorAll("[id]")) {
    if (seen.has(el.id)) problems.push("duplicate id " + el.id);
    seen.add(el.id);
  }
  return problems;
}
"""


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the screen (0 when nothing scrolls sideways)."""
    width = page.evaluate("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
    return max(0, int(width) - VIEWPORT["width"])


def _rgb(css: str) -> tuple[float, float, float]:
    channels = re.findall(r"[\d.]+", css)
    assert len(channels) >= 3, css
    return float(channels[0]), float(channels[1]), float(channels[2])


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two computed CSS colours (``rgb()``/``rgba()``, taken as opaque)."""

    def luminance(css: str) -> float:
        def linear(value: float) -> float:
            value /= 255
            return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

        r, g, b = (linear(v) for v in _rgb(css))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
