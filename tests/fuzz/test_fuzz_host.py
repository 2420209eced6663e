"""Fuzzing the share host's publish API (``webview/host``) through Flask's test client: raw bodies, JSON of any shape,
and presentations signed by a real holder for a real challenge of the host, mutated before or after signing.

Property: every request is answered 2xx or 4xx with a JSON error naming its code; never 5xx, never an exception
(the test app propagates them), and nothing is published that the holder did not sign."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from fuzz_strategies import examples, hostile_text, json_values, mutated
from hypothesis import given, settings
from hypothesis import strategies as st
from ob3_issuer import OB3Issuer, ed25519_key
from werkzeug.test import TestResponse

from verifier.signing import sign_eddsa_rdfc_2022
from webview.host import SqlHostStore, create_host_app
from webview.store import get_rechecker

PUBLIC = "https://host.example"
VC2 = "https://www.w3.org/ns/credentials/v2"
HOLDER_KEY = ed25519_key("fuzz-host-holder")
HOLDER = OB3Issuer.did_key(HOLDER_KEY)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    folder: Path = tmp_path_factory.mktemp("fuzz-host")
    store = SqlHostStore(f"sqlite:///{folder / 'host.sqlite3'}")
    config = {
        "STORE": store,
        "PUBLIC_URL": PUBLIC,
        "TESTING": True,
        "RATE_PER_ADDRESS": 10**6,
        "RATE_PER_HOLDER": 10**6,
    }
    host = create_host_app(config)
    yield host
    get_rechecker(host).shutdown(wait=True)
    store.close()


@pytest.fixture(scope="module")
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def unsigned_presentation() -> dict[str, Any]:
    issuer = OB3Issuer.did_key(ed25519_key("fuzz-host-issuer"))
    credential = issuer.sign(issuer.credential("hosted", subject_id=HOLDER.id))
    return {
        "@context": [VC2],
        "type": ["VerifiablePresentation"],
        "holder": HOLDER.id,
        "name": "Job applications",
        "verifiableCredential": [credential],
    }


def _challenge(client: FlaskClient) -> tuple[str, str]:
    answer = client.post("/api/v1/challenges")
    assert answer.status_code == 201
    body = answer.get_json()
    return body["challenge"], body["domain"]


def _sign(document: Any, challenge: str, domain: str) -> Any:
    """The holder's proof for this challenge; a document the signer cannot canonicalize is sent unsigned."""
    if not isinstance(document, dict):
        return document
    try:
        return sign_eddsa_rdfc_2022(
            copy.deepcopy(document),
            HOLDER_KEY,
            HOLDER.vm,
            created=datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            proof_purpose="authentication",
            challenge=challenge,
            domain=domain,
        )
    except Exception:  # noqa: BLE001 - the wallet's signer refuses some mutations: the host gets them unsigned
        return document


def _answered(response: TestResponse) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:500])
    if response.status_code >= 400 and response.status_code != 405:
        error = (response.get_json(silent=True) or {}).get("error", {})
        assert isinstance(error.get("code"), str) and isinstance(error.get("message"), str), response.text[:300]


_bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.builds(lambda p: json.dumps({"presentation": p}).encode(), json_values),
    st.just(b"[" * 5_000 + b"]" * 5_000),
    st.just(b'{"presentation": ' + b'{"a":' * 3_000 + b"1" + b"}" * 3_001),
)


@settings(max_examples=examples(150))
@given(
    body=_bodies, content_type=st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded"])
)
def test_publish_with_any_body(client: FlaskClient, body: bytes, content_type: str) -> None:
    _answered(client.post("/api/v1/portfolios", data=body, content_type=content_type))


@settings(max_examples=examples(30))
@given(data=st.data(), sign_after=st.booleans(), slug=st.none() | hostile_text, expires=st.none() | json_values)
def test_publish_mutated_presentations_signed_for_a_real_challenge(
    client: FlaskClient, unsigned_presentation: dict[str, Any], data: Any, sign_after: bool, slug: Any, expires: Any
) -> None:
    challenge, domain = _challenge(client)
    if sign_after:  # a hostile document with a valid holder signature: everything behind the proof is exercised
        presentation = _sign(data.draw(mutated(unsigned_presentation)), challenge, domain)
    else:
        presentation = data.draw(mutated(_sign(unsigned_presentation, challenge, domain)))
    body: dict[str, Any] = {"presentation": presentation}
    if slug is not None:
        body["slug"] = slug
    if expires is not None:
        body["expires"] = expires
    response = client.post("/api/v1/portfolios", data=json.dumps(body), content_type="application/json")
    _answered(response)
    if response.status_code in (200, 201):
        published = client.get(f"/api/v1/portfolios/{response.get_json()['slug']}")
        assert published.status_code == 200 and published.get_json()["holder"] == HOLDER.id


@settings(max_examples=examples(60))
@given(slug=hostile_text, body=_bodies, method=st.sampled_from(["GET", "DELETE", "POST"]))
def test_portfolio_addresses_with_any_slug(client: FlaskClient, slug: str, body: bytes, method: str) -> None:
    path = f"/api/v1/portfolios/{quote(slug.encode('utf-8', 'surrogatepass'), safe='')}"
    if method == "POST":
        path += "/withdraw"
    _answered(client.open(path, method=method, data=body, content_type="application/json"))


def test_the_unmutated_presentation_is_published(client: FlaskClient, unsigned_presentation: dict[str, Any]) -> None:
    challenge, domain = _challenge(client)
    body = {"presentation": _sign(unsigned_presentation, challenge, domain)}
    response = client.post("/api/v1/portfolios", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.text
