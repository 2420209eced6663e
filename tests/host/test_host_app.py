"""The host app through Flask's test client (and the wallet client through an in-process WSGI transport): rechecks
of stale results, expired pages, rate limits, the recruiter verify page, negotiation of the signed bundle."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask
from host_helpers import Wallet, import_credential, issue
from ob3_issuer import OB3Issuer

from verifier.portfolio import LINK_EXPIRED
from wallet import badge_collections as collections
from wallet.publishing import Publication, publish
from webview.host import create_host_app
from webview.host.storage import SqlHostStore, item_checks, portfolios
from webview.store import get_rechecker

PUBLIC = "https://badges.example.org"


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


def _publish(app: Flask, wallet: Wallet, **options: Any) -> Publication:
    return publish(wallet.store, wallet.collection, PUBLIC, transport=httpx.WSGITransport(app=app), **options)


def _path(publication: Publication) -> str:
    return publication.url.removeprefix(PUBLIC)


def test_stale_results_are_rechecked_when_the_page_is_viewed(
    make_app: Callable[..., Flask], make_wallet: Callable[..., Wallet], issuer: OB3Issuer, host_store: SqlHostStore
) -> None:
    app = make_app(WAIT_SECONDS=30)
    probe = make_wallet("ada", credentials=[])
    soon = (datetime.now(UTC) + timedelta(seconds=4)).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    badge = import_credential(probe.store, issue(issuer, probe.did, "short-lived", valid_until=soon))
    wallet = Wallet(probe.store, probe.did, collections.add_badges(probe.store, probe.collection.id, [badge]))
    publication = _publish(app, wallet)
    client = app.test_client()
    page = client.get(_path(publication))
    assert page.status_code == 200 and "pill-valid" in page.text and "checked just now" in page.text

    time.sleep(max(0.0, (datetime.fromisoformat(soon) - datetime.now(UTC)).total_seconds()) + 0.5)
    with host_store.engine.begin() as connection:  # the results are older than the recheck interval
        connection.execute(item_checks.update().values(checked_at=datetime.now(UTC) - timedelta(hours=3)))
    assert "checked 3 hours ago" in client.get(_path(publication) + "/status.json").text
    page = client.get(_path(publication))
    assert "pill-expired" in page.text and "checked just now" in page.text
    status = client.get(_path(publication) + "/status.json").get_json()
    assert [(s["status"], s["checked"]) for s in status] == [("expired", "checked just now")]


def test_an_expired_portfolio_answers_410_saying_so(
    make_app: Callable[..., Flask], make_wallet: Callable[..., Wallet], host_store: SqlHostStore
) -> None:
    app = make_app()
    publication = _publish(app, make_wallet("ada"), expires=timedelta(days=1))
    with host_store.engine.begin() as connection:
        connection.execute(portfolios.update().values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    client = app.test_client()
    page = client.get(_path(publication))
    assert page.status_code == 410
    assert "has expired" in page.text and "revoked" not in page.text.lower()
    for path in (_path(publication), _path(publication) + "/bundle.jsonld"):
        problem = client.get(path, headers={"Accept": "application/json"})
        assert problem.status_code == 410 and problem.mimetype == "application/problem+json"
        assert problem.get_json()["type"] == LINK_EXPIRED and "revoked" not in problem.text.lower()


def test_page_tags_bundle_negotiation_and_verify_page(
    make_app: Callable[..., Flask], make_wallet: Callable[..., Wallet]
) -> None:
    app = make_app()
    publication = _publish(app, make_wallet("ada"))
    client = app.test_client()
    html = client.get(_path(publication)).text
    assert f'content="{publication.url}"' in html  # og:url, absolute
    assert f'href="{_path(publication)}/bundle.jsonld"' in html and f"{PUBLIC}/p/" in html
    as_json_ld = client.get(_path(publication), headers={"Accept": "application/ld+json"})
    assert as_json_ld.mimetype == "application/ld+json" and as_json_ld.get_json()["holder"].startswith("did:key:")
    assert client.get(_path(publication) + "/embed").status_code == 200
    assert client.get("/verify").status_code == 200  # the recruiter's page, with its CSRF-protected form
    assert client.post("/verify", data={"text": "{}"}).status_code == 400


def test_requests_are_rate_limited_per_address(make_app: Callable[..., Flask]) -> None:
    client = make_app(RATE_PER_ADDRESS=3).test_client()
    assert [client.post("/api/v1/challenges").status_code for _ in range(3)] == [201] * 3
    refused = client.post("/api/v1/challenges")
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    other = client.post("/api/v1/challenges", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 201


def test_quota_per_holder(make_app: Callable[..., Flask], make_wallet: Callable[..., Wallet]) -> None:
    app = make_app(MAX_ITEMS=1)
    from wallet.publishing import PublishError

    with pytest.raises(PublishError, match="quota_exceeded"):
        _publish(app, make_wallet("ada"))


def test_challenge_names_the_public_domain(make_app: Callable[..., Flask]) -> None:
    answer = make_app().test_client().post("/api/v1/challenges").get_json()
    assert answer["domain"] == "badges.example.org" and len(answer["challenge"]) >= 40
    expires = datetime.fromisoformat(answer["expires"].replace("Z", "+00:00"))
    assert timedelta(minutes=4) < expires - datetime.now(UTC) <= timedelta(minutes=5)


def test_each_host_app_has_its_own_rechecker(make_app: Callable[..., Flask]) -> None:
    first, second = make_app(), make_app()
    assert get_rechecker(first) is not get_rechecker(second)  # no thread pool shared across apps in a process


def test_health_fails_when_the_database_cannot_be_read(tmp_path: Path) -> None:
    database = tmp_path / "host.sqlite3"
    store = SqlHostStore(f"sqlite:///{database}")
    try:
        client = create_host_app({"STORE": store, "PUBLIC_URL": "http://host.test", "TESTING": True}).test_client()
        assert client.get("/healthz").get_json() == {"status": "ok"}
        with sqlite3.connect(database) as damage:  # the database loses its portfolios table under the app
            damage.execute("DROP TABLE portfolios")
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.get_json()["problem"] == "the database cannot be read"
    finally:
        store.close()
