"""The share host under attack: security headers on every response, rate limits on published pages counted in the
database (so every worker counts the same requests), publish-id guessing, withdrawn pages gone from caches at once on
every worker, an XSS corpus in every issuer-controlled field of a published page, an SSRF corpus on every fetch the
host makes (badge pictures, the /verify page), and form limits in every encoding."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from host_helpers import Wallet, import_credential, issue
from hostile_web import SECRET, XSS, XSS_URLS, assert_inert, assert_unreached, ssrf_corpus
from issuer import IssuerServer
from ob3_issuer import OB3Issuer, ed25519_key

from wallet import badge_collections as collections
from wallet.publishing import Publication, publish
from webview.host import create_host_app
from webview.host.storage import SqlHostStore
from webview.store import get_rechecker

PUBLIC = "https://badges.example.org"
_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "Permissions-Policy")


@pytest.fixture
def make_app(host_store: SqlHostStore) -> Iterator[Callable[..., Flask]]:
    apps: list[Flask] = []

    def make(**config: Any) -> Flask:
        app = create_host_app({"STORE": host_store, "PUBLIC_URL": PUBLIC, "TESTING": True, **config})
        apps.append(app)
        return app

    yield make
    for app in apps:
        get_rechecker(app).shutdown(wait=True)


def _publish(app: Flask, wallet: Wallet) -> str:
    publication: Publication = publish(wallet.store, wallet.collection, PUBLIC, transport=httpx.WSGITransport(app=app))
    return publication.url.removeprefix(PUBLIC)


def _image_credential(issuer: OB3Issuer, holder: str, slug: str, image: str) -> dict[str, Any]:
    return issue(issuer, holder, slug, image={"id": image, "type": "Image"})


def _wallet_with(
    make_wallet: Callable[..., Wallet], name: str, credentials: Callable[[str], list[dict[str, Any]]]
) -> Wallet:
    """A wallet named ``name`` whose collection holds ``credentials(its holder's DID)``."""
    empty = make_wallet(name, credentials=[])
    ids = [import_credential(empty.store, credential) for credential in credentials(empty.did)]
    return Wallet(empty.store, empty.did, collections.add_badges(empty.store, empty.collection.id, ids))


@pytest.fixture
def pictured(make_wallet: Callable[..., Wallet], issuer: OB3Issuer) -> Callable[[str], Wallet]:
    """A new wallet whose one badge's picture is ``image`` (a data: URL, or a link the host fetches)."""
    made: list[str] = []

    def make(image: str) -> Wallet:
        made.append(image)
        return _wallet_with(
            make_wallet, f"pictured-{len(made)}", lambda did: [_image_credential(issuer, did, "pictured", image)]
        )

    return make


PNG_DATA_URL = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture
def published(make_app: Callable[..., Flask], pictured: Callable[[str], Wallet]) -> tuple[Flask, str]:
    app = make_app()
    return app, _publish(app, pictured(PNG_DATA_URL))


def test_security_headers_on_every_response(published: tuple[Flask, str]) -> None:
    app, path = published
    client = app.test_client()
    for method, target in [
        ("GET", path),
        ("GET", path + "/embed"),
        ("GET", path + "/status.json"),
        ("GET", path + "/bundle.jsonld"),
        ("GET", path + "/qr.svg"),
        ("GET", path + "/image/0"),
        ("GET", path + "/image/9"),
        ("GET", "/p/nothing-here"),
        ("GET", "/api/v1/portfolios/nothing-here"),
        ("POST", "/api/v1/portfolios"),
        ("POST", "/api/v1/challenges"),
        ("GET", "/verify"),
        ("GET", "/healthz"),
        ("PUT", "/healthz"),
    ]:
        answer = client.open(target, method=method)
        answer.close()
        for header in _HEADERS:
            assert answer.headers.get(header), f"{method} {target} ({answer.status_code}) has no {header}"


def test_published_pages_are_rate_limited_per_address_across_workers(
    make_app: Callable[..., Flask], published: tuple[Flask, str]
) -> None:
    _, path = published
    worker_1 = make_app(RATE_PAGES=4).test_client()
    worker_2 = make_app(RATE_PAGES=4).test_client()  # another worker: the same database, the same counters
    answers = [client.get(path + "/status.json").status_code for client in (worker_1, worker_2) * 3]
    assert answers == [200] * 4 + [429, 429]
    limited = worker_1.get(path)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "60"
    assert worker_2.get(path, environ_base={"REMOTE_ADDR": "192.0.2.9"}).status_code == 200


def test_guessing_publish_ids_locks_the_address_out_on_every_worker(
    make_app: Callable[..., Flask], published: tuple[Flask, str]
) -> None:
    _, path = published
    worker_1, worker_2 = make_app(RATE_PAGE_MISSES=3).test_client(), make_app(RATE_PAGE_MISSES=3).test_client()
    slug = path.removeprefix("/p/")
    guesses = [worker_1.get(f"/p/{slug[:-1]}{c}").status_code for c in "0123456789" if slug[-1] != c][:3]
    assert guesses == [404, 404, 404]
    assert worker_2.get(path).status_code == 429  # even the right page, from this address, on another worker
    assert worker_2.get(path, environ_base={"REMOTE_ADDR": "192.0.2.10"}).status_code == 200
    for near in (slug.upper(), slug + " ", slug[:-1]):
        assert (
            make_app().test_client().get(f"/p/{quote(near)}", environ_base={"REMOTE_ADDR": "192.0.2.11"}).status_code
            == 404
        )


def test_withdrawn_page_and_its_images_are_gone_at_once_on_every_worker(
    make_app: Callable[..., Flask], published: tuple[Flask, str], host_store: SqlHostStore
) -> None:
    _, path = published
    worker_1, worker_2 = make_app().test_client(), make_app().test_client()
    image = worker_1.get(path + "/image/0")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.headers["Cache-Control"] == "no-cache"
    etag = image.headers["ETag"]
    assert worker_2.get(path + "/image/0", headers={"If-None-Match": etag}).status_code == 304
    assert "no-cache" in worker_2.get(path).headers["Cache-Control"]

    record = host_store.get_portfolio(path.removeprefix("/p/"))
    assert record is not None
    from datetime import UTC, datetime

    host_store.withdraw_portfolio(record.slug, holder_did=record.holder_did, now=datetime.now(UTC))

    for client in (worker_1, worker_2):
        assert client.get(path + "/image/0", headers={"If-None-Match": etag}).status_code == 410
        assert client.get(path).status_code == 410
        assert client.get(path + "/bundle.jsonld").status_code == 410


def test_xss_corpus_on_the_published_page(make_app: Callable[..., Flask], make_wallet: Callable[..., Wallet]) -> None:
    app = make_app()
    hostile = OB3Issuer.did_key(ed25519_key("host-tests-issuer"), name=XSS[2])

    def credentials(did: str) -> list[dict[str, Any]]:
        credential = hostile.credential("xss", subject_id=did, description=XSS[1])
        credential["issuer"].update(url=XSS_URLS[1], description=XSS[3])
        credential["credentialSubject"]["achievement"].update(
            name=XSS[5],
            description=XSS[6],
            criteria={"narrative": XSS[7]},
            alignment=[{"type": ["Alignment"], "targetName": XSS[8], "targetUrl": XSS_URLS[4]}],
        )
        return [hostile.sign(credential)]

    path = _publish(app, _wallet_with(make_wallet, "xss", credentials))
    client = app.test_client()
    page = client.get(path)
    assert page.status_code == 200
    assert_inert(page.text, shown=(XSS[5], XSS[2]))
    assert_inert(client.get(path + "/embed").text, shown=(XSS[5],))
    gone_page = client.get("/p/" + quote(XSS[0], safe=""))
    assert_inert(gone_page.text)


@pytest.fixture
def loopback() -> Iterator[IssuerServer]:
    with IssuerServer() as server:
        server.serve("/secret.json", SECRET)
        server.serve("/latest/meta-data/", SECRET)
        yield server


def test_ssrf_corpus_as_a_published_badge_picture(
    make_app: Callable[..., Flask], pictured: Callable[[str], Wallet], loopback: IssuerServer
) -> None:
    app = make_app(RATE_PER_ADDRESS=1000)  # the SSRF guard on, as in production
    client = app.test_client()
    for url in ssrf_corpus(loopback.port):
        if not url.startswith("http"):
            continue  # not an image link a page would show
        path = _publish(app, pictured(url))
        answer = client.get(path + "/image/0")
        assert answer.status_code == 404, url
    assert_unreached(loopback)


def _csrf(client: FlaskClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/verify").text)
    assert match
    return match.group(1)


def test_ssrf_corpus_on_the_hosts_verify_page(make_app: Callable[..., Flask], loopback: IssuerServer) -> None:
    client = make_app(VERIFY_RATE=1000).test_client()
    for url in ssrf_corpus(loopback.port):
        answer = client.get("/verify?url=" + quote(url, safe=""))
        assert answer.status_code in (200, 400), url
        assert "only for loopback" not in answer.text
    assert_unreached(loopback)


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_the_hosts_verify_form_holds_its_limit_in_every_encoding(make_app: Callable[..., Flask], encoding: str) -> None:
    client = make_app(VERIFY_RATE=1000).test_client()
    fields = {"csrf_token": _csrf(client), "text": "x" * 500_001}
    content_type = "multipart/form-data" if encoding == "multipart" else None
    answer = client.post("/verify", data=fields, content_type=content_type)
    assert answer.status_code == 413


def test_the_hosts_verify_page_counts_in_the_database(make_app: Callable[..., Flask]) -> None:
    worker_1, worker_2 = make_app(VERIFY_RATE=2).test_client(), make_app(VERIFY_RATE=2).test_client()
    answers = [c.get("/verify?url=https://badges.invalid/a").status_code for c in (worker_1, worker_2, worker_1)]
    assert answers == [200, 200, 429]
