"""The public share pages (``/s/<token>`` and what hangs off it), with the Flask test client against a demo backpack.

The demo backpack holds 8 badges verified offline from its own cache: 4 valid (Python Foundations, Data Literacy,
Accessible Web Design, Git Essentials), 2 expired (Spreadsheet Basics, Cloud Fundamentals) and 2 revoked (Community
Mentor, a photo of a printed card whose QR code points at a revoked OB 2.0 assertion; Team Leadership, revoked
through its issuer's status list). Its earner identity is ``ada.lovelace@example.com``, which must never be shown.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from werkzeug.test import TestResponse

import verifier
import wallet.verification
from verifier import FetchPolicy, VerifierPolicy, bake, classify_payload
from verifier._did.keys import encode_multikey
from verifier._ob3.integrity import sign_eddsa_rdfc_2022
from wallet import badge_collections as collections
from wallet import shares
from wallet.cache import StoreResponseCache
from wallet.demo import DEMO_IDENTITY
from wallet.importer import LoadedSource, import_bytes
from wallet.store import Store
from wallet.verification import verify_records
from webview.store import Rechecker, get_rechecker

VALID = ["Python Foundations", "Data Literacy", "Accessible Web Design", "Git Essentials"]
EXPIRED = ["Spreadsheet Basics", "Cloud Fundamentals"]
REVOKED = ["Community Mentor", "Team Leadership"]
WORDS = {**dict.fromkeys(VALID, "Verified"), **dict.fromkeys(EXPIRED, "Expired"), **dict.fromkeys(REVOKED, "Revoked")}
ORDER = ["Team Leadership", "Python Foundations", "Cloud Fundamentals", "Community Mentor", "Git Essentials",
         "Spreadsheet Basics", "Accessible Web Design", "Data Literacy"]  # fmt: skip
STATUS = {"Verified": "pill-valid", "Expired": "pill-expired", "Revoked": "pill-revoked"}
PUBLIC = "http://127.0.0.1:8000"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


# -- a small DOM, enough to ask questions of a page ---------------------------------------------------------------

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None = None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def text(self) -> str:
        parts = [child if isinstance(child, str) else child.text() for child in self.children]
        return re.sub(r"\s+", " ", "".join(parts)).strip()

    def iter(self) -> Iterator[Node]:
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Node]:
        return [
            node
            for node in self.iter()
            if (tag is None or node.tag == tag)
            and (cls is None or cls in (node.attrs.get("class") or "").split())
            and all(node.attrs.get(name.rstrip("_").replace("_", "-")) == value for name, value in attrs.items())
        ]

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Node:
        found = self.find_all(tag, cls, **attrs)
        assert found, f"no <{tag} class={cls} {attrs}>"
        return found[0]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {})

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in _VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None and node.parent is not None, f"stray </{tag}>"
        self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def dom(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    assert builder.current is builder.root, f"unclosed <{builder.current.tag}>"
    return builder.root


# -- helpers ------------------------------------------------------------------------------------------------------


def share_collection(store: Store, ids: dict[str, str], names: list[str], **options: Any) -> str:
    name = options.pop("name", "Job profile")
    collections.create_collection(store, name, **options)
    collections.add_badges(store, name, [ids[n] for n in names])
    return shares.create_share(store, name).token


def get_ok(client: FlaskClient, path: str, **kwargs: Any) -> TestResponse:
    response = client.get(path, **kwargs)
    assert response.status_code == 200, (path, response.status_code, response.get_data(as_text=True)[:500])
    return response


def html_of(client: FlaskClient, path: str) -> tuple[str, Node]:
    response = get_ok(client, path)
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    return html, dom(html)


def csp(response: TestResponse) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in response.headers["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def pill_of(article: Node) -> str:
    return article.find("p", cls="pill").text()


def backdate_share(store: Store, token: str, **fields: str) -> None:
    with store.transaction(write=True) as db:
        db.update("shares", fields, token=token)


@pytest.fixture
def job_profile(web_store: Store, badge_ids: dict[str, str]) -> str:
    """The token of a shared collection of all eight demo badges, in ``ORDER``, with one planned step."""
    return share_collection(
        web_store, badge_ids, ORDER, description="Skills for a junior developer role", planned=["Kubernetes Admin"]
    )


# -- the collection page ------------------------------------------------------------------------------------------


def test_a_collection_page_lists_its_badges_in_order_with_their_verification(
    client: FlaskClient, job_profile: str, badge_ids: dict[str, str], age_reports: Callable[[float], None]
) -> None:
    age_reports(5 * 60)  # fresh enough not to be re-checked (the TTL is 10 minutes), old enough to say how old
    html, page = html_of(client, f"/s/{job_profile}")
    assert page.find("h1").text() == "Job profile"
    assert page.find("p", cls="description").text() == "Skills for a junior developer role"
    assert page.find("p", cls="progress").text() == "4 of 9 earned · 2 expired · 2 revoked"  # only valid ones
    assert "Checking these badges again" not in html

    articles = [a for a in page.find_all("article", cls="badge") if "planned" not in a.attrs["class"].split()]
    assert [a.attrs["data-badge"] for a in articles] == [badge_ids[name] for name in ORDER]
    assert [a.find("h3").text() for a in articles] == ORDER
    icons: dict[str, set[str]] = {word: set() for word in STATUS}
    for name, article in zip(ORDER, articles, strict=True):
        pill = pill_of(article)
        # Status is told by an icon and a word, never by colour alone.
        assert pill.split(" · ")[0].split()[-1] == WORDS[name], (name, pill)
        icons[WORDS[name]].add(article.find("p", cls="pill").find("span", aria_hidden="true").text())
        assert pill.endswith("· checked 5 minutes ago"), pill
        assert STATUS[WORDS[name]] in article.find("p", cls="pill").attrs["class"].split()

    assert all(len(found) == 1 and "" not in found for found in icons.values()), icons  # one icon per status
    assert len(set.union(*icons.values())) == 3

    planned = page.find("article", cls="planned")
    assert planned.find("h3").text() == "Kubernetes Admin"
    assert "Planned" in planned.text()

    python = page.find("article", data_badge=badge_ids["Python Foundations"])
    assert python.find("p", cls="issuer").text() == "Issued by Open Learning Lab"
    assert python.find("time").attrs["datetime"] == "2026-03-14"
    alignment = python.find("ul", cls="alignments").find("a")
    assert (alignment.attrs["href"], alignment.text()) == ("http://data.europa.eu/esco/skill/S5", "Digital competence")
    assert "ESCO S5" in python.find("ul", cls="alignments").text()
    spreadsheet = page.find("article", data_badge=badge_ids["Spreadsheet Basics"])
    assert "Expires 2025-12-31" in spreadsheet.find("p", cls="dates").text()


def test_every_badge_expands_to_every_check(
    client: FlaskClient, job_profile: str, web_store: Store, badge_ids: dict[str, str]
) -> None:
    _html, page = html_of(client, f"/s/{job_profile}")
    reports = {record.id: record.verification for record in web_store.list_badges()}
    for article in page.find_all("article", cls="badge"):
        if "planned" in article.attrs["class"]:
            continue
        details = article.find("details", cls="checks")
        assert details.find("summary").text()
        stored = reports[article.attrs["data-badge"]]
        assert stored is not None
        assert [code.text() for code in details.find_all("code")] == [c["id"] for c in stored["checks"]]
        assert [li.find("span", cls="outcome").text() for li in details.find_all("li")] == [
            c["outcome"] for c in stored["checks"]
        ]
    mentor = page.find("article", data_badge=badge_ids["Community Mentor"]).find("details", cls="checks")
    assert "Reason given by the issuer: Issued in error" in mentor.text()
    revocation = [li for li in mentor.find_all("li") if li.find("code").text() == "revocation"]
    assert revocation and revocation[0].attrs["class"] == "check check-failed"


def test_a_single_badge_share_shows_that_badge_only(
    client: FlaskClient, web_store: Store, badge_ids: dict[str, str]
) -> None:
    token = shares.create_share(web_store, badge_ids["Data Literacy"][:6]).token  # a badge by (a prefix of) its id
    html, page = html_of(client, f"/s/{token}")
    assert page.find("h1").text() == "Data Literacy"
    (article,) = page.find_all("article", cls="badge")
    assert article.attrs["data-badge"] == badge_ids["Data Literacy"]
    assert pill_of(article).startswith("✔ Verified")
    assert page.find_all("p", cls="progress") == []
    assert get_ok(client, f"/s/{token}/image/{badge_ids['Data Literacy']}").mimetype == "image/svg+xml"
    for other in set(badge_ids) - {"Data Literacy"}:
        assert other not in html
        assert client.get(f"/s/{token}/image/{badge_ids[other]}").status_code == 404
    status = get_ok(client, f"/s/{token}/status.json").get_json()
    assert [(s["id"], s["status"], s["word"]) for s in status] == [(badge_ids["Data Literacy"], "valid", "Verified")]


# -- links that lead nowhere ----------------------------------------------------------------------------------------

_SUBPATHS = ["", "/embed", "/status.json", "/bundle.jsonld", "/qr.svg", "/image/0123456789"]


def _assert_friendly(response: TestResponse, code: int, *phrases: str) -> None:
    assert response.status_code == code
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    page = dom(html)
    assert page.find("html").attrs.get("lang") == "en"
    assert len(page.find_all("h1")) == 1
    for phrase in phrases:
        assert phrase in page.text(), page.text()
    assert "Traceback" not in html and "werkzeug" not in html.lower()
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "'unsafe-inline'" not in csp(response).get("script-src", [])


@pytest.mark.parametrize(
    "token",
    ["nope", "A" * 43, "x" * 101, "%3Cscript%3E"],
    ids=["short", "well-formed", "too-long", "markup"],
)
def test_an_unknown_token_is_a_friendly_404(client: FlaskClient, job_profile: str, token: str) -> None:
    for sub in _SUBPATHS:
        response = client.get(f"/s/{token}{sub}")
        _assert_friendly(response, 404, "Nothing here", "There is no shared portfolio at this address.")
    assert "<script>" not in client.get("/s/%3Cscript%3E").get_data(as_text=True)
    # Tokens are compared in full: a prefix of a real token is unknown.
    assert client.get(f"/s/{job_profile[:20]}").status_code == 404


def test_a_revoked_link_is_gone_at_once(client: FlaskClient, job_profile: str, web_store: Store) -> None:
    assert get_ok(client, f"/s/{job_profile}")
    shares.revoke_share(web_store, f"{PUBLIC}/s/{job_profile}")
    for sub in _SUBPATHS:
        _assert_friendly(client.get(f"/s/{job_profile}{sub}"), 410, "This link has been switched off", "revoked")
    response = client.get(f"/s/{job_profile}", headers={"Accept": "application/ld+json"})
    assert response.status_code == 410


def test_an_expired_link_is_gone(client: FlaskClient, job_profile: str, web_store: Store) -> None:
    backdate_share(web_store, job_profile, expires_at="2020-01-01T00:00:00Z")
    for sub in _SUBPATHS:
        _assert_friendly(client.get(f"/s/{job_profile}{sub}"), 410, "This link has been switched off", "a while")


def test_a_share_of_a_deleted_collection_or_removed_badge_is_gone(
    client: FlaskClient, job_profile: str, web_store: Store, badge_ids: dict[str, str]
) -> None:
    badge_token = shares.create_share(web_store, badge_ids["Git Essentials"]).token
    collections.delete_collection(web_store, "Job profile")  # revokes its link too
    _assert_friendly(client.get(f"/s/{job_profile}"), 410, "revoked by its owner")
    collections.remove_badge(web_store, badge_ids["Git Essentials"])
    _assert_friendly(client.get(f"/s/{badge_token}"), 410, "no longer in its owner's backpack")


# -- what is public, and what is not -------------------------------------------------------------------------------


def test_the_whole_backpack_is_never_public(
    app: Flask, client: FlaskClient, web_store: Store, badge_ids: dict[str, str]
) -> None:
    shown = ["Python Foundations", "Cloud Fundamentals", "Team Leadership"]
    hidden = sorted(set(badge_ids) - set(shown))
    token = share_collection(web_store, badge_ids, shown, name="Some")
    texts = [client.get(f"/s/{token}{sub}").get_data(as_text=True) for sub in ("", "/embed", "/status.json")]
    texts.append(json.dumps(get_ok(client, f"/s/{token}/bundle.jsonld").get_json()))
    for name in hidden:
        assert all(name not in text and badge_ids[name] not in text for text in texts), name
        assert client.get(f"/s/{token}/image/{badge_ids[name]}").status_code == 404
    assert [s["id"] for s in get_ok(client, f"/s/{token}/status.json").get_json()] == [badge_ids[n] for n in shown]
    # Nothing answers without a share's token, and no public route lists badges: the owner's view (``owner.*``) is
    # behind the owner's key (tests/webview/test_owner_view.py).
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "healthz") or rule.rule.startswith("/verify"):
            continue
        if rule.endpoint.startswith("vcapi."):  # the VC-API verifies what it is sent; it reads nothing stored
            continue
        if rule.endpoint.startswith("owner."):
            assert app.view_functions[rule.endpoint].__module__ == "webview.owner", rule.rule
            continue
        assert "<token>" in rule.rule, rule.rule
    for path in ("/", "/s", "/s/", "/badges", "/api/badges", "/s/badges", "/static/", f"/s/{token}/image/"):
        text = client.get(path).get_data(as_text=True)
        assert not any(name in text for name in badge_ids), path


def test_the_earner_s_email_never_appears(
    make_app: Callable[..., Flask], job_profile: str, web_store: Store, badge_ids: dict[str, str]
) -> None:
    client = make_app().test_client()
    badge_token = shares.create_share(web_store, badge_ids["Accessible Web Design"]).token
    paths = [
        f"/s/{t}{sub}" for t in (job_profile, badge_token) for sub in ("", "/embed", "/status.json", "/bundle.jsonld")
    ]
    for path in paths:
        text = get_ok(client, path).get_data(as_text=True)
        assert DEMO_IDENTITY not in text, path
        assert "lovelace" not in text.lower(), path
        if not path.endswith(".jsonld"):
            assert not EMAIL.search(text), (path, EMAIL.search(text))
    # The recipient check says what binds the badge to the page's holder, in plain words, without who that is.
    _html, page = html_of(client, f"/s/{badge_token}")
    recipient = [li for li in page.find_all("li", cls="check") if li.find("code").text() == "recipient"]
    binding = "issued to a hashed e-mail address: ask the candidate for it, then check it on the verify page"
    assert recipient and "passed" in recipient[0].text() and binding in recipient[0].text()
    assert page.find("p", cls="binding").text() == f"Belongs to: {binding}"
    assert page.find_all("p", cls="owner") == []

    # With a display name chosen by the earner, that name (and only it) is shown.
    web_store.set_setting("display_name", "Ada L.")
    html, page = html_of(client, f"/s/{job_profile}")
    assert page.find("p", cls="owner").text() == "A portfolio of Ada L."
    assert page.find("title").text() == "Job profile · Ada L. · Open Badges"
    assert DEMO_IDENTITY not in html and not EMAIL.search(html)


def test_open_graph_and_twitter_cards(
    client: FlaskClient,
    job_profile: str,
    monkeypatch: pytest.MonkeyPatch,
    web_store: Store,
    badge_ids: dict[str, str],
) -> None:
    def meta(page: Node) -> dict[str, str]:
        found = {}
        for node in page.find_all("meta"):
            key = node.attrs.get("property") or node.attrs.get("name")
            if key and node.attrs.get("content") is not None:
                found[key] = str(node.attrs["content"])
        return found

    _html, page = html_of(client, f"/s/{job_profile}")
    tags = meta(page)
    page_url = f"{PUBLIC}/s/{job_profile}"
    assert tags["og:title"] == tags["twitter:title"] == "Job profile"
    assert tags["og:description"] == tags["twitter:description"] == tags["description"]
    assert tags["og:description"] == "Skills for a junior developer role"
    assert tags["og:url"] == page_url
    # A preview picture of the size link previews use (1200×630), said on the page, and absolute URLs only.
    assert tags["twitter:card"] == "summary_large_image"
    image = tags["og:image"]
    assert image == tags["twitter:image"] == f"{page_url}/preview.png"
    assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")
    response = get_ok(client, urlsplit(image).path)
    assert response.mimetype == "image/png"  # link previews do not render SVG
    with Image.open(io.BytesIO(response.get_data())) as picture:
        assert picture.size == (1200, 630)
    links = {str(node.attrs["rel"]): str(node.attrs["href"]) for node in page.find_all("link") if "rel" in node.attrs}
    assert links["canonical"] == page_url and links["alternate"] == f"{page_url}/bundle.jsonld"

    # Behind a real domain every absolute URL uses it.
    monkeypatch.setenv("BACKPACK_PUBLIC_URL", "https://badges.example.org/")
    html, page = html_of(client, f"/s/{job_profile}")
    tags = meta(page)
    assert tags["og:url"] == f"https://badges.example.org/s/{job_profile}"
    assert tags["og:image"] == f"https://badges.example.org/s/{job_profile}/preview.png"
    assert PUBLIC not in html

    # A single badge's page describes that badge, and never calls an expired or revoked badge verified.
    for name, description in (
        ("Cloud Fundamentals", "Expired Open Badge from European Skills Academy"),
        ("Community Mentor", "Revoked Open Badge from Open Learning Lab"),
        ("Python Foundations", "Verified Open Badge from Open Learning Lab"),
    ):
        token = shares.create_share(web_store, badge_ids[name]).token
        tags = meta(html_of(client, f"/s/{token}")[1])
        assert (tags["og:title"], tags["twitter:title"]) == (name, name)
        assert tags["og:description"] == tags["twitter:description"] == tags["description"] == description
        assert tags["og:image"] == f"https://badges.example.org/s/{token}/preview.png"
        assert get_ok(client, f"/s/{token}/preview.png").mimetype == "image/png"
    # A collection without a description is summed up by its progress.
    collections.create_collection(web_store, "Undescribed")
    collections.add_badges(web_store, "Undescribed", [badge_ids["Team Leadership"], badge_ids["Git Essentials"]])
    token = shares.create_share(web_store, "Undescribed").token
    tags = meta(html_of(client, f"/s/{token}")[1])
    assert tags["og:description"] == "Open Badges: 1 of 2 earned · 1 revoked"


# -- the signed bundle ----------------------------------------------------------------------------------------------


def test_json_ld_is_served_on_content_negotiation(client: FlaskClient, job_profile: str) -> None:
    response = get_ok(client, f"/s/{job_profile}", headers={"Accept": "application/ld+json"})
    assert response.mimetype == "application/ld+json"
    assert "Accept" in response.headers["Vary"]
    document = response.get_json(force=True)
    assert "VerifiablePresentation" in document["type"] and document["proof"]["type"] == "DataIntegrityProof"
    assert document["name"] == "Job profile"

    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
    for accept in (browser, "*/*", None):
        headers = {"Accept": accept} if accept else {}
        response = get_ok(client, f"/s/{job_profile}", headers=headers)
        assert response.mimetype == "text/html", accept
        assert "Accept" in response.headers.get("Vary", ""), "a cache must not serve the HTML for the JSON-LD"
    _html, page = html_of(client, f"/s/{job_profile}")
    alternate = page.find("link", rel="alternate")
    assert (alternate.attrs["type"], alternate.attrs["href"]) == (
        "application/ld+json",
        f"{PUBLIC}/s/{job_profile}/bundle.jsonld",  # absolute: crawlers and link previews follow it as given
    )


def test_the_bundle_download_verifies(
    client: FlaskClient, web_store: Store, badge_ids: dict[str, str], web_home: Path
) -> None:
    names = ["Accessible Web Design", "Python Foundations", "Git Essentials", "Data Literacy"]
    token = share_collection(web_store, badge_ids, names, name="Four forms")
    response = get_ok(client, f"/s/{token}/bundle.jsonld")
    assert response.mimetype == "application/ld+json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    _html, page = html_of(client, f"/s/{token}")
    assert "download" in page.find("a", href=f"/s/{token}/bundle.jsonld").attrs

    policy = VerifierPolicy(fetch=FetchPolicy(offline=True))
    report = verifier.verify(response.get_data(), policy=policy, cache=StoreResponseCache(Store(web_home)))
    checks = {c.id: c.outcome for c in report.checks}
    assert (report.format, report.status, checks["holder"]) == ("bundle", "valid", "passed"), report.checks
    assert sorted(item.badge.name or "" for item in report.items) == sorted(names)
    assert all(item.status == "valid" for item in report.items)


# -- headers and what the pages may contain ------------------------------------------------------------------------


def test_only_the_embed_view_may_be_framed(client: FlaskClient, job_profile: str) -> None:
    page = get_ok(client, f"/s/{job_profile}")
    assert csp(page)["frame-ancestors"] == ["'none'"]
    assert page.headers["X-Frame-Options"] == "DENY"

    embed = get_ok(client, f"/s/{job_profile}/embed")
    assert csp(embed)["frame-ancestors"] == ["*"]
    assert "X-Frame-Options" not in embed.headers
    view = dom(embed.get_data(as_text=True))
    assert len(view.find_all("article", cls="badge")) == 8
    assert "Add to LinkedIn profile" not in view.text()
    link = view.find("h1").find("a")
    assert link.attrs["href"] == f"{PUBLIC}/s/{job_profile}" and "noopener" in str(link.attrs["rel"])
    # The embed snippet is the owner's to copy (in their own view), never offered to the page's visitors.
    assert dom(page.get_data(as_text=True)).find_all("textarea") == []

    for path in (f"/s/{job_profile}/status.json", f"/s/{job_profile}/bundle.jsonld", "/s/nope", "/s/nope/embed"):
        response = client.get(path)
        assert csp(response)["frame-ancestors"] == ["'none'"], path
        assert response.headers["X-Frame-Options"] == "DENY", path


@pytest.mark.parametrize("sub", ["", "/embed"])
def test_security_headers_and_no_inline_script_or_style(client: FlaskClient, job_profile: str, sub: str) -> None:
    response = get_ok(client, f"/s/{job_profile}{sub}")
    policy = csp(response)
    script_src = policy.get("script-src", policy.get("default-src"))
    assert script_src == ["'self'"]
    assert not {"'unsafe-inline'", "'unsafe-eval'"} & set(policy.get("style-src", []) + script_src)
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in (
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    )

    html = response.get_data(as_text=True)
    page = dom(html)
    scripts = page.find_all("script")
    assert scripts and all(s.attrs.get("src") and not s.text() for s in scripts)  # CSP would block inline script
    assert page.find_all("style") == []
    for node in page.iter():
        assert "style" not in node.attrs, node.tag  # CSP would block inline style
        assert not [a for a in node.attrs if a.startswith("on")], (node.tag, node.attrs)
    # Everything is served from here: no CDN, no third-party script, style or image.
    for node in page.iter():
        for attr in ("src", "href") if node.tag in ("script", "link", "img") else ():
            if attr in node.attrs:
                # Relative, or this backpack's own public address (the page's absolute links for crawlers).
                assert str(node.attrs[attr]).startswith(("/", f"{PUBLIC}/")), (node.tag, node.attrs)
    for path, types in (
        ("/static/app.js", ("text/javascript", "application/javascript")),
        ("/static/style.css", ("text/css",)),
    ):
        with client.get(path) as static:  # a file response: closed here, or it leaks its file
            assert (static.status_code, static.mimetype in types) == (200, True), path


def test_badge_images_are_served_as_images_only(
    client: FlaskClient, job_profile: str, badge_ids: dict[str, str]
) -> None:
    html, page = html_of(client, f"/s/{job_profile}")
    assert "<svg" not in html.lower()  # never inlined: SVG badges are issuer-controlled markup
    for name in ("Git Essentials", "Data Literacy", "Team Leadership"):  # baked SVG badges
        response = get_ok(client, f"/s/{job_profile}/image/{badge_ids[name]}")
        assert response.mimetype == "image/svg+xml"
        policy = csp(response)
        assert "sandbox" in policy and policy["default-src"] == ["'none'"]
        assert "script-src" not in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.get_data().lstrip().startswith(b"<?xml") or b"<svg" in response.get_data()[:500]
        image = page.find("img", src=f"/s/{job_profile}/image/{badge_ids[name]}")
        assert image.attrs["alt"] == f"Badge image: {name}"
    assert get_ok(client, f"/s/{job_profile}/image/{badge_ids['Python Foundations']}").mimetype == "image/png"
    # The Community Mentor badge was imported from a phone photo of its printed card: not the badge's picture.
    mentor = page.find("article", data_badge=badge_ids["Community Mentor"])
    assert mentor.find_all("img") == [] and mentor.find("div", cls="placeholder").attrs["role"] == "img"
    assert client.get(f"/s/{job_profile}/image/{badge_ids['Community Mentor']}").status_code == 404
    assert client.get(f"/s/{job_profile}/image/..%2F..%2Fstore.json").status_code == 404

    # The page's QR code is an image too, and encodes the page's URL.
    qr = page.find("img", cls="qr")
    assert qr.attrs["src"] == f"/s/{job_profile}/qr.svg" and qr.attrs["alt"]
    response = get_ok(client, f"/s/{job_profile}/qr.svg")
    assert response.mimetype == "image/svg+xml" and csp(response)["default-src"] == ["'none'"]
    # A standalone SVG document: without its namespace a browser shows a broken image.
    root = ElementTree.fromstring(response.get_data())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    expected = io.BytesIO()
    segno.make_qr(f"{PUBLIC}/s/{job_profile}", error="m").save(expected, kind="svg", scale=6, border=2)
    assert response.get_data() == expected.getvalue()


# -- hostile badges ------------------------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
HOSTILE_EARNER = "hostile.earner@example.org"


def _hostile_badge() -> bytes:
    """A validly signed OB 3.0 credential whose every displayed text is markup, baked into an SVG with a script."""
    key = Ed25519PrivateKey.generate()
    multikey = encode_multikey(key.public_key())
    did = f"did:key:{multikey}"
    credential = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:0b6f1d2e-8a47-4c1e-9d55-3a0f6f7e2b10",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"Badge {SCRIPT}",
        "issuer": {"id": did, "type": ["Profile"], "name": f"Issuer {BREAKOUT}", "url": "https://issuer.example"},
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": "sha256$" + hashlib.sha256(f"{HOSTILE_EARNER}salt".encode()).hexdigest(),
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": "salt",
                }
            ],
            "achievement": {
                "id": "https://issuer.example/achievements/1",
                "type": ["Achievement"],
                "name": f"Badge {SCRIPT}",
                "description": f"Description {BREAKOUT} {SCRIPT}",
                "criteria": {"narrative": f"Criteria {SCRIPT}"},
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": f"Target {SCRIPT}",
                        "targetUrl": "javascript:alert(1)",
                        "targetFramework": f"Framework {BREAKOUT}",
                        "targetCode": BREAKOUT,
                    },
                    {"type": ["Alignment"], "targetName": "Scripted", "targetUrl": " JavaScript:alert(2)"},
                ],
            },
        },
    }
    signed = sign_eddsa_rdfc_2022(credential, key, f"{did}#{multikey}", created="2025-01-01T00:00:00Z")
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><script>alert(document.domain)</script>'
        b'<rect width="64" height="64" fill="red"/></svg>'
    )
    return bake(svg, classify_payload(json.dumps(signed)))


def test_hostile_badge_text_is_escaped_everywhere(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    home = tmp_path / "hostile-home"
    store = Store(home)
    store.add_identity("email", HOSTILE_EARNER)
    records = [r for r, _ in import_bytes(store, LoadedSource("file", str(tmp_path / "hostile.svg"), _hostile_badge()))]
    ((record, report),) = verify_records(store, records, fetch_policy=FetchPolicy(offline=True))
    assert report.status == "valid", report.checks
    collections.create_collection(store, f"Mine {BREAKOUT}", description=f"About {SCRIPT}", planned=[SCRIPT])
    collections.add_badges(store, f"Mine {BREAKOUT}", [record.id])
    collection_token = shares.create_share(store, f"Mine {BREAKOUT}").token
    badge_token = shares.create_share(store, record.id).token
    client = make_app(BACKPACK_HOME=str(home)).test_client()

    for path in (f"/s/{collection_token}", f"/s/{collection_token}/embed", f"/s/{badge_token}"):
        html, page = html_of(client, path)
        assert SCRIPT not in html and BREAKOUT not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "onerror=alert(1)" in page.text()  # shown as text
        assert f"Badge {SCRIPT}" in [h.text() for h in page.find_all("h3")]
        assert f"Issued by Issuer {BREAKOUT}" in page.text()
        assert f"Description {BREAKOUT} {SCRIPT}" in page.text()
        assert f"Target {SCRIPT}" in page.find("ul", cls="alignments").text()
        scripts = page.find_all("script")
        assert [s.attrs.get("src") for s in scripts] == ["/static/app.js"] and not any(s.text() for s in scripts)
        assert [i.attrs["src"] for i in page.find_all("img") if not i.attrs["src"].startswith("/s/")] == []
        for node in page.iter():
            assert not [a for a in node.attrs if a.startswith("on")], (path, node.tag, node.attrs)
            for attr in ("href", "src", "action", "formaction"):
                value = str(node.attrs.get(attr) or "").strip().lower()
                assert not value.startswith(("javascript:", "data:", "vbscript:")), (path, node.tag, node.attrs)
        # The javascript: alignment is shown as text, not a link.
        assert not [a for a in page.find("ul", cls="alignments").find_all("a")]
        assert HOSTILE_EARNER not in html
        assert "<svg" not in html.lower()

    _html, page = html_of(client, f"/s/{badge_token}")
    assert page.find("h1").text() == f"Badge {SCRIPT}" and page.find("title").text().startswith(f"Badge {SCRIPT}")
    assert [m.attrs["content"] for m in page.find_all("meta", property="og:title")] == [f"Badge {SCRIPT}"]
    # The hostile SVG is only ever an image, sandboxed even when opened directly.
    response = get_ok(client, f"/s/{badge_token}/image/{record.id}")
    assert response.mimetype == "image/svg+xml" and "sandbox" in csp(response)
    assert "script-src" not in csp(response) and csp(response)["default-src"] == ["'none'"]
    assert b"<script>" in response.get_data()  # served as it is, inert


# -- live verification ----------------------------------------------------------------------------------------------


def _pills(page: Node) -> list[str]:
    return [pill_of(a) for a in page.find_all("article", cls="badge") if "planned" not in a.attrs["class"]]


def test_stale_results_are_rechecked_in_the_background_without_blocking_the_page(
    make_app: Callable[..., Flask],
    job_profile: str,
    age_reports: Callable[[float], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = wallet.verification.verify_records
    calls: list[int] = []

    def slow_verify(*args: Any, **kwargs: Any) -> Any:
        calls.append(len(args[1]))
        time.sleep(2)
        return real(*args, **kwargs)

    monkeypatch.setattr(wallet.verification, "verify_records", slow_verify)
    age_reports(3 * 3600)
    client = make_app(VERIFY_TTL_SECONDS=0, VERIFY_WAIT_SECONDS=0.2).test_client()

    started = time.monotonic()
    html, page = html_of(client, f"/s/{job_profile}")
    assert time.monotonic() - started < 1.0
    assert "Checking these badges again" in page.find("p", cls="notice").text()
    assert page.find("section", cls="intro").attrs["data-checking"] == "true"
    assert all(p.endswith("checked 3 hours ago") for p in _pills(page)), _pills(page)  # the last results meanwhile

    # A second view while the check runs does not start another one.
    started = time.monotonic()
    assert "Checking these badges again" in html_of(client, f"/s/{job_profile}")[0]
    assert time.monotonic() - started < 1.0
    assert calls == [8]

    deadline = time.monotonic() + 10
    while True:
        status = get_ok(client, f"/s/{job_profile}/status.json").get_json()
        if all(s["checked"] == "checked just now" for s in status) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert [s["checked"] for s in status] == ["checked just now"] * 8
    assert sorted(s["status"] for s in status) == ["expired"] * 2 + ["revoked"] * 2 + ["valid"] * 4
    assert calls == [8]


def test_a_quick_recheck_shows_at_once(
    make_app: Callable[..., Flask], job_profile: str, age_reports: Callable[[float], None]
) -> None:
    age_reports(3 * 3600)
    client = make_app(VERIFY_TTL_SECONDS=60, VERIFY_WAIT_SECONDS=10).test_client()
    html, page = html_of(client, f"/s/{job_profile}")
    assert "Checking these badges again" not in html
    assert all(p.endswith("checked just now") for p in _pills(page)), _pills(page)
    assert [w.split(" · ")[0].split()[-1] for w in _pills(page)] == [WORDS[n] for n in ORDER]


@pytest.mark.parametrize(("age", "rechecked"), [(None, False), (5 * 60, False), (11 * 60, True)])
def test_fresh_results_are_not_rechecked(
    client: FlaskClient,
    job_profile: str,
    age_reports: Callable[[float], None],
    monkeypatch: pytest.MonkeyPatch,
    background_checks: Callable[[], None],
    age: float | None,
    rechecked: bool,
) -> None:
    real = wallet.verification.verify_records
    calls: list[int] = []

    def counting_verify(*args: Any, **kwargs: Any) -> Any:
        calls.append(len(args[1]))
        return real(*args, **kwargs)

    monkeypatch.setattr(wallet.verification, "verify_records", counting_verify)
    if age is not None:
        age_reports(age)
    get_ok(client, f"/s/{job_profile}")
    get_ok(client, f"/s/{job_profile}/embed")
    get_ok(client, f"/s/{job_profile}/status.json")
    background_checks()
    assert calls == ([8] if rechecked else [])


def test_each_app_has_its_own_rechecker(
    make_app: Callable[..., Flask],
    job_profile: str,
    age_reports: Callable[[float], None],
    background_checks: Callable[[], None],
) -> None:
    first, second = make_app(), make_app()
    assert get_rechecker(first) is not get_rechecker(second)
    age_reports(3 * 3600)
    get_ok(first.test_client(), f"/s/{job_profile}")
    background_checks()
    assert get_rechecker(first).pending() == [] and get_rechecker(second).pending() == []
    # The first app's check refreshed the shared backpack: the second app finds nothing stale and starts nothing.
    assert all(p.endswith("checked just now") for p in _pills(html_of(second.test_client(), f"/s/{job_profile}")[1]))
    assert get_rechecker(second).pending() == []


def test_a_shut_down_rechecker_refuses_new_work_and_lets_running_work_finish() -> None:
    rechecker = Rechecker()
    started, release = threading.Event(), threading.Event()

    def job() -> str:
        started.set()
        release.wait(5)
        return "done"

    running = rechecker.submit(("home", "a"), job)
    assert rechecker.submit(("home", "a"), job) is running  # the same badges are not checked twice at once
    assert started.wait(5)
    threading.Timer(0.2, release.set).start()
    rechecker.shutdown()
    assert rechecker.closed and running.result(timeout=0) == "done"
    with pytest.raises(RuntimeError):
        rechecker.submit(("home", "b"), job)
    rechecker.shutdown()  # twice is fine


@pytest.fixture
def closed_after_teardown(made_apps: list[Flask]) -> Iterator[list[Flask]]:
    """Set up before ``make_app``, so torn down after it: checks that ``make_app`` shut its apps' recheckers down."""
    yield made_apps
    assert made_apps and all(get_rechecker(app).closed for app in made_apps)


def test_an_apps_rechecker_is_shut_down_when_its_test_ends(
    closed_after_teardown: list[Flask], make_app: Callable[..., Flask], job_profile: str
) -> None:
    app = make_app(VERIFY_TTL_SECONDS=0, VERIFY_WAIT_SECONDS=0)
    get_ok(app.test_client(), f"/s/{job_profile}")  # starts a background check that teardown waits for
    assert not get_rechecker(app).closed


# -- sharing on -----------------------------------------------------------------------------------------------------


def test_owner_only_actions_are_not_on_the_public_page(client: FlaskClient, job_profile: str) -> None:
    """Add to LinkedIn, the embed code and unsharing are the owner's acts: they live in the owner's view (``/``)."""
    html, page = html_of(client, f"/s/{job_profile}")
    assert "linkedin.com" not in html and "LinkedIn" not in page.text()
    assert page.find_all("textarea") == [] and "iframe" not in html
    assert page.find_all("form") == [] and "unshare" not in html.lower()


# -- accessibility smoke check --------------------------------------------------------------------------------------


def _assert_accessible(html: str, where: str) -> None:
    page = dom(html)
    assert page.find("html").attrs.get("lang"), where
    assert page.find("title").text(), where
    levels = [int(node.tag[1]) for node in page.iter() if re.fullmatch(r"h[1-6]", node.tag)]
    assert levels.count(1) == 1 and levels[0] == 1, (where, levels)
    for previous, level in zip(levels, levels[1:], strict=False):
        assert level <= previous + 1, (where, levels)
    for image in page.find_all("img"):
        assert str(image.attrs.get("alt") or "").strip(), (where, image.attrs)
    for node in page.iter():
        if node.attrs.get("role") == "img":
            assert str(node.attrs.get("aria-label") or "").strip(), (where, node.attrs)
    labels = {str(label.attrs.get("for")) for label in page.find_all("label")}
    for control in [n for n in page.iter() if n.tag in ("input", "textarea", "select")]:
        if control.attrs.get("type") in ("hidden", "submit", "button"):
            continue
        assert control.attrs.get("id") in labels, (where, control.attrs)
    for link in page.find_all("a"):
        assert link.text() or link.find_all("img"), (where, link.attrs)
        if link.attrs.get("target") == "_blank":
            assert "noopener" in str(link.attrs.get("rel")), (where, link.attrs)


def test_accessibility_smoke(
    client: FlaskClient, job_profile: str, web_store: Store, badge_ids: dict[str, str]
) -> None:
    badge_token = shares.create_share(web_store, badge_ids["Team Leadership"]).token
    gone = shares.create_share(web_store, badge_ids["Git Essentials"]).token
    shares.revoke_share(web_store, gone)
    for path in (f"/s/{job_profile}", f"/s/{job_profile}/embed", f"/s/{badge_token}", "/s/nope"):
        response = client.get(path)
        _assert_accessible(response.get_data(as_text=True), path)
    _assert_accessible(client.get(f"/s/{gone}").get_data(as_text=True), "410")


def test_token_expiry_is_checked_on_every_request(client: FlaskClient, job_profile: str, web_store: Store) -> None:
    soon = (datetime.now(UTC) + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    backdate_share(web_store, job_profile, expires_at=soon)
    assert get_ok(client, f"/s/{job_profile}")
    backdate_share(web_store, job_profile, expires_at=(datetime.now(UTC) - timedelta(seconds=1)).isoformat())
    assert client.get(f"/s/{job_profile}").status_code == 410
