"""Hostile corpora for the web tests (web view, share host, static site): XSS strings for every issuer-controlled
field, SSRF destinations for every fetch, and a checker that a rendered page runs nothing it was given.

Used by tests/webview/test_web_hardening.py, tests/host/test_host_hardening.py and tests/wallet/test_static_site.py.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

# Each string tries another way out of HTML text, an attribute, a URL, a <title>, a JSON block or a template.
XSS = (
    "<script>alert('xss-1')</script>",
    '"><img src=x onerror=alert("xss-2")>',
    "'><svg onload=alert('xss-3')>",
    "</title><script>alert('xss-4')</script>",
    "</script><script>alert('xss-5')</script>",
    "{{ 7 * 7 }}{% raw %}xss-6",
    "<a href=\"javascript:alert('xss-7')\">x</a>",
    "<iframe srcdoc='<script>alert(8)</script>'></iframe>",
    "\u2028\u2029<style>@import 'https://evil.example/xss-9.css'</style>",
)
XSS_URLS = (
    "javascript:alert('xss-url-1')",
    "JaVaScRiPt:alert('xss-url-2')",
    "data:text/html,<script>alert('xss-url-3')</script>",
    "vbscript:msgbox('xss-url-4')",
    " javascript:alert('xss-url-5')",
)
_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcset", "content", "poster", "xlink:href", "data"}
_BAD_SCHEMES = ("javascript:", "vbscript:", "data:text")


def xss_text(index: int) -> str:
    """One XSS string, for a field of its own (a name, a description…)."""
    return XSS[index % len(XSS)]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False
        self._script_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("iframe", "object", "embed", "base", "frame"):
            self.problems.append(f"<{tag}> element")
        if tag == "script":
            named = dict(attrs)
            if not named.get("src") and named.get("type") not in ("application/ld+json", "application/json"):
                self.problems.append("inline <script>")
            self._in_script = True
        if tag == "style":
            self.problems.append("<style> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler attribute {name}={value!r} on <{tag}>")
            if name in _URL_ATTRIBUTES and value and value.strip().lower().startswith(_BAD_SCHEMES):
                if not (tag == "img" and value.startswith("data:image/")):
                    self.problems.append(f"{name}={value!r} on <{tag}>")
            if name == "style" and value and "url(" in value.lower():
                self.problems.append(f"style with url() on <{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "alert(" in data:
            self.problems.append("a corpus string inside a <script> block")


def script_problems(html: str) -> list[str]:
    """Everything in ``html`` that would run or load something an issuer wrote: inline scripts (JSON-LD blocks
    excepted, but not with a corpus string breaking out of them), event handler attributes, script URLs, frames.
    (A template expression of the corpus, ``{{ 7 * 7 }}``, is caught by ``assert_inert``'s ``shown``: it must
    appear as written.)"""
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return list(collector.problems)


def assert_inert(html: str, *, shown: tuple[str, ...] = ()) -> None:
    """``html`` runs nothing it was given; each string of ``shown`` appears in it as text (escaped, not dropped)."""
    problems = script_problems(html)
    assert not problems, problems
    for text in shown:
        assert _escaped(text) in html or text in _visible_text(html), f"{text!r} is not shown as text"


def _escaped(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def _visible_text(html: str) -> str:
    parts: list[str] = []

    class Text(HTMLParser):
        def handle_data(self, data: str) -> None:
            parts.append(data)

    Text(convert_charrefs=True).feed(html)
    return "".join(parts)


def ssrf_corpus(port: int) -> list[str]:
    """Destinations no public fetch may reach: ``port`` is a loopback server's, which must see no request."""
    return [
        f"http://127.0.0.1:{port}/secret.json",
        f"http://localhost:{port}/secret.json",  # a name resolving to loopback
        f"http://localhost.:{port}/secret.json",
        f"http://127.1:{port}/secret.json",
        f"http://2130706433:{port}/secret.json",  # decimal 127.0.0.1
        f"http://0177.0.0.1:{port}/secret.json",  # octal
        f"http://0x7f.0.0.1:{port}/secret.json",  # hexadecimal
        f"http://0.0.0.0:{port}/secret.json",
        f"http://[::1]:{port}/secret.json",
        f"http://[::ffff:127.0.0.1]:{port}/secret.json",  # IPv4-mapped IPv6
        f"http://[::ffff:7f00:1]:{port}/secret.json",
        f"http://[2002:7f00:1::]:{port}/secret.json",  # 6to4 around loopback
        "http://10.0.0.1/secret.json",
        "http://172.16.0.1/secret.json",
        "http://192.168.0.1/secret.json",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://[::ffff:169.254.169.254]/latest/meta-data/",
        "http://100.100.100.200/latest/meta-data/",  # shared address space (a cloud's metadata)
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://[fe80::1]/secret.json",
        "http://[fec0::1]/secret.json",
        f"http://user@127.0.0.1:{port}/secret.json",
        "file:///etc/passwd",
        f"gopher://127.0.0.1:{port}/_GET%20/secret.json",
        f"ftp://127.0.0.1:{port}/secret.json",
        f"dict://127.0.0.1:{port}/",
    ]


SECRET = {"secret": "only for loopback"}


def assert_unreached(server: Any) -> None:
    """The loopback server of the corpus saw no request."""
    assert server.paths == [], server.paths
