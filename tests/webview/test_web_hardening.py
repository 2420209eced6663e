"""The web view under attack: form limits in every encoding, security headers on every response, rate limits and
token guessing on share pages, revoked shares gone from caches at once on every worker, an XSS corpus in every
issuer-controlled field of share pages and the recruiter page, an SSRF corpus on every fetch the page makes."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient
from hostile_web import SECRET, XSS, XSS_URLS, assert_inert, assert_unreached, ssrf_corpus
from issuer import IssuerServer

from verifier._did.keys import encode_multikey
from verifier._ob3.integrity import sign_eddsa_rdfc_2022
from wallet import badge_collections as collections
from wallet import shares
from wallet.importer import LoadedSource, import_bytes
from wallet.store import Store

KEY = Ed25519PrivateKey.generate()
MULTIKEY = encode_multikey(KEY.public_key())
ISSUER = f"did:key:{MULTIKEY}"


def _csrf(client: FlaskClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/verify").text)
    assert match
    return match.group(1)


# -- limits in every encoding -------------------------------------------------------------------------------------


@pytest.fixture
def vclient(make_app: Callable[..., Flask]) -> FlaskClient:
    return make_app(VERIFY_RATE=1000).test_client()


def _stated_text_limit(client: FlaskClient) -> int:
    page = client.get("/verify").text
    match = re.search(r"pasted text up to (\d+) KB", page) or re.search(r"(\d+) KB", page)
    assert match, "the form states its limit for pasted text"
    return int(match.group(1)) * 1024


def test_the_form_states_the_limit_it_enforces(vclient: FlaskClient) -> None:
    assert _stated_text_limit(vclient) == 489 * 1024  # 500,000 bytes, rounded up by the page


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_pasted_text_over_the_stated_limit_is_refused_in_every_encoding(vclient: FlaskClient, encoding: str) -> None:
    fields = {"csrf_token": _csrf(vclient), "text": "x" * 500_001}
    if encoding == "urlencoded":
        answer = vclient.post("/verify", data=fields)
    else:
        answer = vclient.post("/verify", data=fields, content_type="multipart/form-data")
    assert answer.status_code == 413
    assert "pasted text up to 489 KB" in answer.text
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_multibyte_text_is_measured_in_bytes(vclient: FlaskClient) -> None:
    # 250,001 two-byte characters: under the limit in characters, over it in bytes.
    answer = vclient.post("/verify", data={"csrf_token": _csrf(vclient), "text": "é" * 250_001})
    assert answer.status_code == 413


def test_percent_encoded_text_under_the_limit_is_accepted(vclient: FlaskClient) -> None:
    # 400,000 bytes of text, 1.2 MB on the wire once every byte is percent-encoded: it is the decoded size that counts.
    body = urlencode({"csrf_token": _csrf(vclient)}) + "&text=" + "%7B" * 400_000
    answer = vclient.post("/verify", data=body, content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200 and "No badge found" in answer.text


def test_urlencoded_body_too_large_even_fully_encoded_is_refused_before_parsing(vclient: FlaskClient) -> None:
    token = _csrf(vclient)
    body = f"csrf_token={token}&text=" + "a" * 1_600_000
    answer = vclient.post("/verify", data=body, content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 413


def test_the_limit_holds_for_every_field_not_only_text(vclient: FlaskClient) -> None:
    answer = vclient.post("/verify", data={"csrf_token": _csrf(vclient), "text": "x", "belongs_to": "b" * 500_001})
    assert answer.status_code == 413


def test_link_to_check_is_bounded(vclient: FlaskClient) -> None:
    answer = vclient.get("/verify?" + urlencode({"url": "https://example.org/" + "a" * 3000}))
    assert answer.status_code == 400 and "http(s) address" in answer.text


# -- share pages: headers, rate limits, guessing, caches -----------------------------------------------------------


@pytest.fixture
def shared(web_store: Store, badge_ids: dict[str, str]) -> tuple[str, str]:
    """A shared collection of the demo's Python Foundations (whose picture is a PNG): its token and badge id."""
    badge = badge_ids["Python Foundations"]
    collection = collections.create_collection(web_store, "Hardening")
    collections.add_badges(web_store, collection.id, [badge])
    return shares.create_share(web_store, collection.id).token, badge


_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "Permissions-Policy")


def _paths(token: str, badge: str) -> list[tuple[str, str]]:
    return [
        ("GET", f"/s/{token}"),
        ("GET", f"/s/{token}/embed"),
        ("GET", f"/s/{token}/status.json"),
        ("GET", f"/s/{token}/bundle.jsonld"),
        ("GET", f"/s/{token}/qr.svg"),
        ("GET", f"/s/{token}/image/{badge}"),
        ("GET", f"/s/{token}/image/nothing"),
        ("GET", "/s/no-such-token"),
        ("GET", "/verify"),
        ("GET", "/verify?url=ftp://x"),
        ("POST", "/verify"),  # no CSRF token: 400
        ("DELETE", "/verify"),  # 405
        ("GET", "/healthz"),
        ("GET", "/static/style.css"),
        ("GET", "/nothing-here"),
    ]


def test_security_headers_on_every_response(make_app: Callable[..., Flask], shared: tuple[str, str]) -> None:
    token, badge = shared
    client = make_app(SHARE_RATE=1000, VERIFY_RATE=1000).test_client()
    statuses = set()
    for method, path in _paths(token, badge):
        answer = client.open(path, method=method)
        answer.close()  # a static file's response holds the file open
        statuses.add(answer.status_code)
        for header in _HEADERS:
            assert answer.headers.get(header), f"{method} {path} ({answer.status_code}) has no {header}"
        framing = answer.headers.get("X-Frame-Options") or answer.headers["Content-Security-Policy"]
        assert "DENY" in framing or "frame-ancestors" in framing
    assert {200, 400, 404, 405} <= statuses
    shares.revoke_share(Store(client.application.config["BACKPACK_HOME"]), token)
    gone = client.get(f"/s/{token}")
    assert gone.status_code == 410 and all(gone.headers.get(h) for h in _HEADERS)


def test_security_headers_on_an_internal_error(make_app: Callable[..., Flask]) -> None:
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    answer = app.test_client().get("/boom")
    assert answer.status_code == 500
    assert all(answer.headers.get(h) for h in _HEADERS)


def test_share_pages_are_rate_limited_per_address(make_app: Callable[..., Flask], shared: tuple[str, str]) -> None:
    token, badge = shared
    client = make_app(SHARE_RATE=5).test_client()
    answers = [client.get(f"/s/{token}/image/{badge}").status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]
    limited = client.get(f"/s/{token}")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert "wait a minute" in limited.text
    other = client.get(f"/s/{token}", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200  # another address has its own count


def test_guessing_tokens_locks_the_address_out_whatever_it_asks(
    make_app: Callable[..., Flask], shared: tuple[str, str]
) -> None:
    token, _ = shared
    client = make_app(SHARE_MISS_RATE=3).test_client()
    guesses = [client.get(f"/s/{token[:-1]}{c}").status_code for c in "!#$"]
    assert guesses == [404, 404, 404]
    # Now even the right token answers 429 from this address: a guess that hits cannot be told from one that misses.
    assert client.get(f"/s/{token}").status_code == 429
    assert client.get(f"/s/{token}", environ_base={"REMOTE_ADDR": "192.0.2.8"}).status_code == 200


def test_tokens_match_in_full_only(web_store: Store, shared: tuple[str, str]) -> None:
    token, _ = shared
    assert shares.find_share(web_store, token) is not None
    for near in (token[:-1], token + "x", token.upper(), token.swapcase(), " " + token, token[:8], "", "x" * 101):
        assert shares.find_share(web_store, near) is None


def test_revoked_share_is_gone_from_caches_at_once_on_every_worker(
    make_app: Callable[..., Flask], web_store: Store, shared: tuple[str, str]
) -> None:
    token, badge = shared
    worker_1, worker_2 = make_app().test_client(), make_app().test_client()  # two apps on one backpack
    image = worker_1.get(f"/s/{token}/image/{badge}")
    assert image.status_code == 200
    assert image.headers["Cache-Control"] == "no-cache"  # a cache must ask again before reusing it
    etag = image.headers["ETag"]
    assert worker_2.get(f"/s/{token}/image/{badge}", headers={"If-None-Match": etag}).status_code == 304
    page = worker_2.get(f"/s/{token}")
    assert "no-cache" in page.headers["Cache-Control"] or "no-store" in page.headers["Cache-Control"]

    shares.revoke_share(web_store, token)

    for client in (worker_1, worker_2):
        assert client.get(f"/s/{token}/image/{badge}", headers={"If-None-Match": etag}).status_code == 410
        assert client.get(f"/s/{token}").status_code == 410
        assert client.get(f"/s/{token}/bundle.jsonld").status_code == 410


# -- XSS in every issuer-controlled field ---------------------------------------------------------------------------


def xss_credential(holder: str = "did:example:learner") -> dict[str, Any]:
    """An OB 3.0 credential, validly signed, whose every field an issuer writes holds an XSS string or URL."""
    document = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:7d2b6c54-9d0f-4a51-8e0e-1c0a4b9f00aa",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": XSS[0],
        "description": XSS[1],
        "image": {"id": XSS_URLS[0], "type": "Image"},
        "issuer": {
            "id": ISSUER,
            "type": ["Profile"],
            "name": XSS[2],
            "url": XSS_URLS[1],
            "description": XSS[3],
            "email": XSS[4],
        },
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": holder,
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://academy.example/achievements/xss",
                "type": ["Achievement"],
                "name": XSS[5],
                "description": XSS[6],
                "criteria": {"narrative": XSS[7], "id": XSS_URLS[2]},
                "image": {"id": XSS_URLS[3], "type": "Image"},
                "alignment": [
                    {"type": ["Alignment"], "targetName": XSS[8], "targetUrl": XSS_URLS[4], "targetCode": XSS[0]}
                ],
            },
        },
        "evidence": [{"type": ["Evidence"], "narrative": XSS[1], "id": XSS_URLS[0]}],
    }
    return sign_eddsa_rdfc_2022(document, KEY, f"{ISSUER}#{MULTIKEY}", created="2025-01-01T00:00:00Z")


def test_xss_corpus_on_the_share_page_embed_and_feed(make_app: Callable[..., Flask], web_store: Store) -> None:
    loaded = LoadedSource(kind="text", ref="xss", data=json.dumps(xss_credential()).encode())
    [(record, _)] = import_bytes(web_store, loaded)
    collection = collections.create_collection(web_store, XSS[3], description=XSS[4])
    collections.add_badges(web_store, collection.id, [record.id])
    token = shares.create_share(web_store, collection.id).token
    client = make_app(VERIFY_TTL_SECONDS=10**9).test_client()

    page = client.get(f"/s/{token}")
    assert page.status_code == 200
    assert_inert(page.text, shown=(XSS[5], XSS[2], XSS[3], XSS[4], XSS[8]))
    embed = client.get(f"/s/{token}/embed")
    assert_inert(embed.text, shown=(XSS[5],))
    single = shares.create_share(web_store, record.id).token
    assert_inert(client.get(f"/s/{single}").text, shown=(XSS[5], XSS[2]))
    feed = client.get(f"/s/{token}/status.json")
    assert feed.mimetype == "application/json"


def test_xss_corpus_on_the_recruiter_page(vclient: FlaskClient) -> None:
    answer = vclient.post("/verify", data={"csrf_token": _csrf(vclient), "text": json.dumps(xss_credential())})
    assert answer.status_code == 200
    assert_inert(answer.text, shown=(XSS[5], XSS[2]))
    # Signed, but invalid: a script URL as an IRI is malformed JSON-LD. The page says so, in words that run nothing.
    assert 'data-status="invalid"' in answer.text and "malformed IRI" in answer.text


@pytest.mark.parametrize("field", ["text", "belongs_to"])
def test_xss_corpus_typed_into_the_form_is_inert(vclient: FlaskClient, field: str) -> None:
    for value in (*XSS, *XSS_URLS):
        answer = vclient.post("/verify", data={"csrf_token": _csrf(vclient), field: value, "text": value})
        assert answer.status_code in (200, 400)
        assert_inert(answer.text)


# -- SSRF on every fetch the web view makes -----------------------------------------------------------------------


@pytest.fixture
def loopback() -> Iterator[IssuerServer]:
    with IssuerServer() as server:
        server.serve("/secret.json", SECRET)
        server.serve("/latest/meta-data/", SECRET)
        yield server


def test_ssrf_corpus_by_link_pasted_and_given_in_the_query(
    make_app: Callable[..., Flask], loopback: IssuerServer
) -> None:
    client = make_app(VERIFY_RATE=1000).test_client()
    started = time.monotonic()
    for url in ssrf_corpus(loopback.port):
        for answer in (
            client.get("/verify?url=" + quote(url, safe="")),
            client.post("/verify", data={"csrf_token": _csrf(client), "text": url}),
        ):
            assert answer.status_code in (200, 400), url
            assert "only for loopback" not in answer.text and "root:" not in answer.text, url
            assert 'data-status="valid"' not in answer.text, url
    assert_unreached(loopback)
    assert time.monotonic() - started < 60


def test_ssrf_corpus_as_the_picture_of_an_uploaded_badge(
    make_app: Callable[..., Flask], loopback: IssuerServer
) -> None:
    # The recruiter page fetches the picture a badge names, server-side: never from a private address.
    client = make_app(VERIFY_RATE=1000).test_client()
    for url in ssrf_corpus(loopback.port)[:12]:
        credential = xss_credential()
        credential.pop("proof")
        credential["image"] = {"id": url, "type": "Image"}
        signed = sign_eddsa_rdfc_2022(credential, KEY, f"{ISSUER}#{MULTIKEY}", created="2025-01-01T00:00:00Z")
        answer = client.post("/verify", data={"csrf_token": _csrf(client), "text": json.dumps(signed)})
        assert answer.status_code == 200
    assert_unreached(loopback)
