"""End to end: wallets publish to a host served on loopback (real HTTP), on SQLite and on PostgreSQL; the public page
shows each badge's verdict; only the holder can update or withdraw; challenges are single-use and short-lived; the
host refuses forged, tampered and someone else's credentials and publishes expired ones as expired."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from host_helpers import HostServer, Wallet, import_credential, issue
from ob3_issuer import OB3Issuer

from verifier import FetchPolicy, VerifierPolicy, verify
from verifier.portfolio import LINK_WITHDRAWN
from wallet import badge_collections as collections
from wallet.bundle import VC2_CONTEXT, build_bundle
from wallet.holder import holder
from wallet.publishing import PublishError, publish, published, sign_for_host, unpublish
from webview.host.storage import nonces


def _page(url: str) -> httpx.Response:
    return httpx.get(url, timeout=30)


def _signed_bundle(wallet: Wallet, challenge: str, domain: str) -> dict[str, Any]:
    document, _ = build_bundle(wallet.store, wallet.collection, fetch_policy=FetchPolicy(), refresh=False)
    return sign_for_host(
        {**document, "id": f"urn:uuid:{uuid.uuid4()}"}, holder(wallet.store), challenge=challenge, domain=domain
    )


def _challenge(host: HostServer) -> dict[str, Any]:
    response = httpx.post(f"{host.url}/api/v1/challenges")
    assert response.status_code == 201
    return response.json()  # type: ignore[no-any-return]


def _post(host: HostServer, body: dict[str, Any], path: str = "/api/v1/portfolios") -> httpx.Response:
    return httpx.post(host.url + path, json=body, timeout=60)


def test_publish_view_withdraw(host_server: HostServer, make_wallet: Callable[..., Wallet]) -> None:
    wallet = make_wallet("ada")
    publication = publish(wallet.store, "Job applications", host_server.url)
    assert publication.url.startswith(f"{host_server.url}/p/")
    assert [p.url for p in published(wallet.store)] == [publication.url]

    page = _page(publication.url)
    assert page.status_code == 200
    html = page.text
    assert html.count('class="badge"') == 2 and "Robotics Badge" in html
    assert html.count("pill-valid") == 2 and "checked just now" in html
    assert "Badges for my next job" in html
    assert f'<meta property="og:url" content="{publication.url}">' in html
    assert "earner@example.org" not in html and wallet.did not in html.split("<main", 1)[1].split("Show every")[0]

    bundle = _page(publication.url + "/bundle.jsonld")
    assert bundle.status_code == 200 and bundle.headers["content-type"].startswith("application/ld+json")
    report = verify(bundle.text)  # what anyone downloads verifies offline: the holder's proof and each badge
    assert report.check("holder").outcome == "passed" and [i.status for i in report.items] == ["valid", "valid"]
    qr = _page(publication.url + "/qr.svg")
    assert qr.status_code == 200 and qr.text.lstrip().startswith("<?xml")

    # Re-publishing the same collection updates the same page.
    again = publish(wallet.store, "Job applications", host_server.url, expires=timedelta(days=30))
    assert again.url == publication.url and again.expires_at is not None
    assert len(published(wallet.store)) == 1

    [withdrawn] = unpublish(wallet.store, publication.url)
    assert withdrawn.withdrawn_at and published(wallet.store)[0].state() == "withdrawn"
    gone = _page(publication.url)
    assert gone.status_code == 410
    assert "withdrawn by its holder" in gone.text and "revoked" not in gone.text.lower()
    assert _page(publication.url + "/bundle.jsonld").status_code == 410
    # A machine gets the problem document that says whose act it was; a verifier following the link repeats it.
    for accept in ("application/ld+json", "application/json", "application/problem+json"):
        problem = httpx.get(publication.url, headers={"Accept": accept}, timeout=30)
        assert problem.status_code == 410 and problem.headers["content-type"] == "application/problem+json"
        assert problem.json()["type"] == LINK_WITHDRAWN
    report = verify(publication.url, policy=VerifierPolicy(fetch=FetchPolicy(allow_private_network=True)))
    assert report.status == "unverifiable" and report.check("revocation") is None
    message = report.check("fetched").message  # type: ignore[union-attr]
    assert "withdrawn by its holder" in message and "revoked" not in message
    stored = host_server.store.get_portfolio(publication.slug)
    assert stored is not None and stored.presentation is None  # the host keeps no copy after a withdrawal


def test_a_published_page_names_its_holder_as_they_signed_it(
    host_server: HostServer, make_wallet: Callable[..., Wallet]
) -> None:
    wallet = make_wallet("ada")
    wallet.store.set_setting("display_name", "Ada Lovelace")
    publication = publish(wallet.store, "Job applications", host_server.url)
    html = _page(publication.url).text
    assert '<p class="owner">A portfolio of Ada Lovelace</p>' in html
    # Each badge was issued to the key that signed the page: the page says so, in plain words.
    assert html.count("Belongs to:</strong> issued to the holder of this page&#39;s key") == 2
    # No owner-only action on the public page.
    assert "linkedin.com" not in html and "<textarea" not in html
    bundle = _page(publication.url + "/bundle.jsonld").json()
    assert bundle["holder"] == {"id": wallet.did, "name": "Ada Lovelace"}


def test_another_holder_can_neither_overwrite_nor_withdraw(
    host_server: HostServer, make_wallet: Callable[..., Wallet]
) -> None:
    ada, eve = make_wallet("ada"), make_wallet("eve")
    publication = publish(ada.store, ada.collection, host_server.url, slug="ada-portfolio")
    assert publication.url == f"{host_server.url}/p/ada-portfolio"

    with pytest.raises(PublishError, match="not_owner"):
        publish(eve.store, eve.collection, host_server.url, slug="ada-portfolio")

    # Eve signs a withdrawal with her own key and a fresh challenge: refused, and the page stays up.
    challenge = _challenge(host_server)
    me = holder(eve.store)
    withdrawal = sign_for_host(
        {"@context": [VC2_CONTEXT], "type": ["VerifiablePresentation"], "holder": me.did},
        me,
        challenge=challenge["challenge"],
        domain=challenge["domain"],
    )
    response = _post(host_server, {"presentation": withdrawal}, "/api/v1/portfolios/ada-portfolio/withdraw")
    assert response.status_code == 403 and response.json()["error"]["code"] == "not_owner"
    # Pretending to be Ada (her DID as holder, Eve's signature) fails the holder proof.
    challenge = _challenge(host_server)
    forged = sign_for_host(
        {"@context": [VC2_CONTEXT], "type": ["VerifiablePresentation"], "holder": ada.did},
        me,
        challenge=challenge["challenge"],
        domain=challenge["domain"],
    )
    response = _post(host_server, {"presentation": forged}, "/api/v1/portfolios/ada-portfolio/withdraw")
    assert response.status_code == 401 and response.json()["error"]["code"] == "holder_proof_failed"
    assert _page(publication.url).status_code == 200


def test_replayed_and_expired_challenges_are_refused(
    host_server: HostServer, make_wallet: Callable[..., Wallet]
) -> None:
    wallet = make_wallet("ada")
    challenge = _challenge(host_server)
    body = {"presentation": _signed_bundle(wallet, challenge["challenge"], challenge["domain"])}
    first = _post(host_server, body)
    assert first.status_code == 201, first.text
    replay = _post(host_server, body)
    assert replay.status_code == 401 and replay.json()["error"]["code"] == "challenge_used"

    challenge = _challenge(host_server)
    with host_server.store.engine.begin() as connection:  # the challenge's five minutes are over
        connection.execute(
            nonces.update()
            .where(nonces.c.challenge == challenge["challenge"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    stale = _post(host_server, {"presentation": _signed_bundle(wallet, challenge["challenge"], challenge["domain"])})
    assert stale.status_code == 401 and stale.json()["error"]["code"] == "challenge_expired"

    unknown = _post(host_server, {"presentation": _signed_bundle(wallet, "made-up-challenge", challenge["domain"])})
    assert unknown.status_code == 401 and unknown.json()["error"]["code"] == "challenge_unknown"

    challenge = _challenge(host_server)
    elsewhere = _post(host_server, {"presentation": _signed_bundle(wallet, challenge["challenge"], "evil.example")})
    assert elsewhere.status_code == 401 and elsewhere.json()["error"]["code"] == "wrong_domain"


def test_tampered_presentation_and_tampered_credential_are_refused(
    host_server: HostServer, make_wallet: Callable[..., Wallet], issuer: OB3Issuer
) -> None:
    wallet = make_wallet("ada")
    challenge = _challenge(host_server)
    signed = _signed_bundle(wallet, challenge["challenge"], challenge["domain"])
    changed = copy.deepcopy(signed)
    changed["name"] = "Something else"
    response = _post(host_server, {"presentation": changed})
    assert response.status_code == 401 and response.json()["error"]["code"] == "holder_proof_failed"

    # A credential changed after its issuer signed it, in a presentation the holder signed honestly.
    credential = issue(issuer, wallet.did, "tampered")
    credential["credentialSubject"]["achievement"]["name"] = "Nobel Prize"
    badge_id = import_credential(wallet.store, credential)
    wallet.collection = collections.add_badges(wallet.store, wallet.collection.id, [badge_id])
    challenge = _challenge(host_server)
    response = _post(host_server, {"presentation": _signed_bundle(wallet, challenge["challenge"], challenge["domain"])})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "credential_invalid" and "Nobel Prize" in response.text
    assert host_server.store.portfolios_of(wallet.did) == []


def test_someone_elses_credential_is_refused(
    host_server: HostServer, make_wallet: Callable[..., Wallet], issuer: OB3Issuer
) -> None:
    wallet = make_wallet(
        "eve", credentials=[issue(issuer, "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", "x")]
    )
    with pytest.raises(PublishError, match="not_issued_to_holder"):
        publish(wallet.store, wallet.collection, host_server.url)


def test_expired_badge_is_published_as_expired(
    host_server: HostServer, make_wallet: Callable[..., Wallet], issuer: OB3Issuer
) -> None:
    store_probe = make_wallet("probe", credentials=[])
    did = store_probe.did
    wallet = Wallet(
        store_probe.store,
        did,
        collections.add_badges(
            store_probe.store,
            store_probe.collection.id,
            [
                import_credential(store_probe.store, issue(issuer, did, "current")),
                import_credential(
                    store_probe.store, issue(issuer, did, "old-cert", valid_until="2026-02-01T00:00:00Z")
                ),
            ],
        ),
    )
    publication = publish(wallet.store, wallet.collection, host_server.url)
    html = _page(publication.url).text
    assert html.count("pill-valid") == 1 and html.count("pill-expired") == 1


def test_api_errors_are_json(host_server: HostServer) -> None:
    not_json = httpx.post(host_server.url + "/api/v1/portfolios", content=b"{nope", timeout=30)
    assert not_json.status_code == 400 and not_json.json()["error"]["code"] == "invalid_request"
    too_big = httpx.post(host_server.url + "/api/v1/portfolios", content=b"x" * (3 * 1024 * 1024), timeout=30)
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "too_large"
    missing = httpx.post(host_server.url + "/api/v1/portfolios/nothing-here/withdraw", json={"presentation": {}})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert httpx.get(host_server.url + "/p/nothing-here").status_code == 404
    assert json.loads(httpx.get(host_server.url + "/healthz").text) == {"status": "ok"}
