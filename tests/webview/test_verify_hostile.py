"""The recruiter page ``/verify`` on the parser defects of issue 16: deeply nested JSON (pasted, uploaded, served by
a link) and a VC-JWT whose ``alg`` is an object or an array answer a page with a verdict, never HTTP 500."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from issuer import IssuerServer
from ob3_issuer import OB3Issuer, b64url, ed25519_key
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

NESTED = '{"a":' + "[" * 599 + "]" * 599 + "}"


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., Flask]:
    def make(**config: Any) -> Flask:
        from webview import create_app

        home = str(tmp_path / "verify-home")
        return create_app({"TESTING": True, "BACKPACK_HOME": home, "SECRET_KEY": "test", **config})

    return make


@pytest.fixture
def client(make_app: Callable[..., Flask]) -> FlaskClient:
    return make_app().test_client()


@pytest.fixture
def server() -> Iterator[IssuerServer]:
    with IssuerServer() as running:
        yield running


def _post(client: FlaskClient, **fields: Any) -> TestResponse:
    page = client.get("/verify")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match
    data: dict[str, Any] = {"csrf_token": match.group(1)}
    for name, value in fields.items():
        data[name] = FileStorage(io.BytesIO(value[1]), filename=value[0]) if isinstance(value, tuple) else value
    boundary, body = encode_multipart(data)
    return client.post("/verify", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _result(response: TestResponse) -> str:
    assert response.status_code == 200, response.status_code
    match = re.search(r'id="result"[^>]*data-status="([a-z]+)"', response.text)
    assert match, response.text
    return match.group(1)


@pytest.mark.parametrize("field", ["text", "file"])
def test_nested_json_is_no_badge_with_its_reason(client: FlaskClient, field: str) -> None:
    value: Any = NESTED if field == "text" else ("nested.json", NESTED.encode())
    response = _post(client, **{field: value})
    assert _result(response) == "none"
    assert "It is nested too deeply to be checked here." in response.text


def test_a_credential_nested_800_levels_deep_is_no_badge(client: FlaskClient) -> None:
    issuer = OB3Issuer.did_key(ed25519_key("web-deep"))
    credential = issuer.credential()
    value: Any = "leaf"
    for _ in range(800):
        value = {"deeper": value}
    credential["credentialSubject"]["deeper"] = value
    assert _result(_post(client, text=json.dumps(credential))) == "none"


@pytest.mark.parametrize("alg", [{"name": "EdDSA"}, ["EdDSA"]])
def test_a_vc_jwt_whose_alg_is_not_a_name_is_invalid(client: FlaskClient, alg: Any) -> None:
    issuer = OB3Issuer.did_key(ed25519_key("web-alg"))
    header = {"alg": alg, "typ": "vc+jwt", "kid": issuer.vm}
    token = ".".join(
        [b64url(json.dumps(header).encode()), b64url(json.dumps(issuer.credential()).encode()), b64url(b"sig")]
    )
    assert _result(_post(client, text=token)) == "invalid"


@pytest.mark.parametrize("how", ["pasted", "linked"])
def test_a_link_serving_nested_json_is_unverifiable(
    make_app: Callable[..., Flask], server: IssuerServer, how: str
) -> None:
    client = make_app(ALLOW_PRIVATE_NETWORK=True).test_client()
    url = server.serve("/assertions/deep.json", NESTED)
    response = _post(client, text=url) if how == "pasted" else client.get(f"/verify?url={url}")
    assert _result(response) == "unverifiable"
    assert "nested too deeply" in response.text
