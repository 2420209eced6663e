"""The recruiter verify page ``/verify``: the form, every kind of input, the result markup, and its defences (CSRF,
SSRF guard, rate limit, upload cap, escaping, security headers, nothing stored)."""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from verifier import FetchPolicy, extract
from verifier._did.keys import encode_multikey
from verifier._ob3.integrity import sign_eddsa_rdfc_2022
from wallet import badge_collections as collections
from wallet.bundle import build_bundle
from wallet.demo import seed_demo
from wallet.store import Store

XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>"
KEY = Ed25519PrivateKey.generate()
MULTIKEY = encode_multikey(KEY.public_key())
ISSUER = f"did:key:{MULTIKEY}"
METHOD = f"{ISSUER}#{MULTIKEY}"


def _credential(
    name: str = "Served Locally", issuer_name: str = "Local Academy", description: str = ""
) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:0f0e5c1e-3f0a-4d8e-9a51-2f4c7a9d1e77",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": name,
        "issuer": {"id": ISSUER, "type": ["Profile"], "name": issuer_name, "url": "https://academy.example"},
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:learner",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://academy.example/achievements/1",
                "type": ["Achievement"],
                "name": name,
                "description": description or "A credential signed for the verify page tests.",
                "criteria": {"narrative": "Be verified."},
            },
        },
    }


def _signed(**fields: str) -> dict[str, Any]:
    return sign_eddsa_rdfc_2022(_credential(**fields), KEY, METHOD, created="2025-01-01T00:00:00Z")


# -- fixtures -----------------------------------------------------------------------------------------------------


@pytest.fixture
def verify_home(tmp_path: Path) -> Path:
    """The backpack the app would serve: empty, and it must stay so."""
    return tmp_path / "verify-home"


@pytest.fixture
def make_verify_app(verify_home: Path) -> Callable[..., Flask]:
    def make(**config: Any) -> Flask:
        from webview import create_app

        return create_app({"TESTING": True, "BACKPACK_HOME": str(verify_home), "SECRET_KEY": "test", **config})

    return make


@pytest.fixture
def vclient(make_verify_app: Callable[..., Flask]) -> FlaskClient:
    return make_verify_app().test_client()


def _csrf(client: FlaskClient) -> str:
    page = client.get("/verify")
    assert page.status_code == 200
    match = re.search(r'<input type="hidden" name="csrf_token" value="([^"]+)">', page.text)
    assert match, "the form carries a CSRF token"
    return match.group(1)


def _post(client: FlaskClient, **fields: Any) -> TestResponse:
    """POST the form with a fresh CSRF token; a ``(filename, bytes)`` value is a file upload."""
    data: dict[str, Any] = {"csrf_token": _csrf(client)}
    for name, value in fields.items():
        data[name] = FileStorage(io.BytesIO(value[1]), filename=value[0]) if isinstance(value, tuple) else value
    # Encoded here, in memory: the test client would spool a large body to a temporary file it never closes.
    boundary, body = encode_multipart(data)
    return client.post("/verify", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _result(response: TestResponse) -> str:
    match = re.search(r'id="result"[^>]*data-status="([a-z]+)"', response.text)
    assert match, response.text
    return match.group(1)


def _heading(response: TestResponse) -> str:
    """The verdict: the page's one h1, without its symbol."""
    match = re.search(r'<h1 id="result-heading"[^>]*><span[^>]*>[^<]*</span> ([^<]*)</h1>', response.text)
    assert match, response.text
    return match.group(1)


def _check(response: TestResponse, check_id: str) -> str:
    """The outcome of one check as shown on the page (the first block that lists it)."""
    match = re.search(rf'<li class="check check-([a-z]+)" data-check="{check_id}">', response.text)
    assert match, f"{check_id} is not listed"
    return match.group(1)


@pytest.fixture
def local_server() -> Iterator[Callable[[bytes, str], str]]:
    """A loopback HTTP server: ``serve(body, content_type)`` returns the URL it serves ``body`` at."""
    served: dict[str, tuple[bytes, str]] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            body, content_type = served.get(self.path, (b"not found", "text/plain"))
            self.send_response(200 if self.path in served else 404)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the http.server API
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def serve(body: bytes, content_type: str) -> str:
        path = f"/credentials/{len(served) + 1}"
        served[path] = (body, content_type)
        return f"http://127.0.0.1:{server.server_address[1]}{path}"

    yield serve
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture(scope="module")
def portfolio_bundle(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A signed portfolio bundle of the demo's Git Essentials (VC-JWT) and Accessible Web Design (Data Integrity)."""
    store = Store(tmp_path_factory.mktemp("bundle-demo") / "home")
    seed_demo(store)
    ids = {str(r.summary["name"]): r.id for r in store.list_badges()}
    collection = collections.create_collection(store, "Web skills", description="Two OB 3.0 badges")
    collection = collections.add_badges(store, collection.id, [ids["Git Essentials"], ids["Accessible Web Design"]])
    document, problems = build_bundle(store, collection, fetch_policy=FetchPolicy(offline=True), refresh=False)
    assert problems == []
    return json.dumps(document).encode()


# -- the form -----------------------------------------------------------------------------------------------------


def test_form_has_the_three_inputs_labelled_and_a_csrf_token(vclient: FlaskClient) -> None:
    page = vclient.get("/verify")
    assert page.status_code == 200
    html = page.text
    assert 'enctype="multipart/form-data"' in html and 'method="post"' in html
    assert re.search(r'<input type="file" id="photo" name="photo" accept="image/\*" capture="environment"', html)
    assert '<label for="photo">Take a photo of a badge\'s QR code</label>' in html
    assert 'name="file"' in html and (
        'accept="image/png,image/svg+xml,image/*,.json,.jsonld,.jwt,.jws,application/json,application/ld+json"' in html
    )
    assert '<label for="file">Or upload a badge image, a portfolio bundle or a credential</label>' in html
    assert re.search(r'<textarea id="text" name="text"', html)
    assert '<label for="text">Or paste a link, JSON or a JWT</label>' in html
    assert '<button type="submit">Verify</button>' in html
    assert _csrf(vclient)
    assert "<script>" not in html  # the only script is the external app.js
    assert page.headers["Cache-Control"] == "no-store"


def test_security_headers(vclient: FlaskClient) -> None:
    for response in (vclient.get("/verify"), _post(vclient, text="not a badge")):
        csp = response.headers["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]*)", csp)
        assert script_src and "'unsafe-inline'" not in script_src.group(1)
        assert "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"]


def test_post_without_or_with_a_wrong_csrf_token_is_refused(vclient: FlaskClient) -> None:
    missing = vclient.post("/verify", data={"text": "eyJhbGciOi"}, content_type="multipart/form-data")
    assert missing.status_code == 400
    assert "did not come from this site" in missing.text
    _csrf(vclient)  # a session exists, but the token sent is wrong
    wrong = vclient.post("/verify", data={"csrf_token": "forged", "text": "x"}, content_type="multipart/form-data")
    assert wrong.status_code == 400
    assert 'href="/verify"' in wrong.text


def test_an_empty_form_asks_for_an_input(vclient: FlaskClient) -> None:
    response = _post(vclient, text="   ")
    assert response.status_code == 400
    assert 'role="alert"' in response.text and 'name="photo"' in response.text


# -- inputs -------------------------------------------------------------------------------------------------------


def test_baked_vc_jwt_svg_is_valid_with_every_check(vclient: FlaskClient, demo_file_bytes: dict[str, bytes]) -> None:
    response = _post(vclient, file=("git-essentials.svg", demo_file_bytes["git-essentials.svg"]))
    assert response.status_code == 200
    assert _result(response) == "valid"
    assert _heading(response) == "Valid, with 1 warning"  # who it belongs to was not asked
    assert '<h2 class="badge-name">Git Essentials</h2>' in response.text
    assert "European Skills Academy" in response.text
    assert '<time datetime="2026-02-10T00:00:00Z">2026-02-10</time>' in response.text
    assert '<details class="checks" open>' in response.text
    for check in ("extracted", "signature", "key_owner", "jwt_claims", "expiry"):
        assert _check(response, check) == "passed"
    assert 'href="/verify"' in response.text
    # The uploaded badge image itself is the picture, inlined: the browser fetches nothing a badge names.
    assert re.search(r'<img class="badge-image" src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"', response.text)


def test_baked_data_integrity_png_without_its_status_list_is_unverifiable(
    vclient: FlaskClient, demo_file_bytes: dict[str, bytes]
) -> None:
    response = _post(vclient, file=("a11y.png", demo_file_bytes["accessible-web-design.png"]))
    assert response.status_code == 200
    assert _result(response) == "unverifiable"
    assert "Accessible Web Design" in response.text
    assert _check(response, "signature") == "passed"
    assert _check(response, "revocation") == "error"
    assert "status list" in response.text


def test_expired_credential_is_shown_as_expired(vclient: FlaskClient, demo_file_bytes: dict[str, bytes]) -> None:
    response = _post(vclient, file=("cloud.png", demo_file_bytes["cloud-fundamentals.png"]))
    assert response.status_code == 200
    assert _result(response) == "expired"
    assert _heading(response) == "Expired"
    assert "This badge expired on 2025-06-30." in response.text
    assert _check(response, "expiry") == "failed"
    assert _check(response, "signature") == "passed"
    assert '<time datetime="2025-06-30T23:59:59Z">2025-06-30</time>' in response.text


def test_qr_photo_of_an_unreachable_issuer_is_unverifiable(
    vclient: FlaskClient, demo_file_bytes: dict[str, bytes]
) -> None:
    response = _post(vclient, photo=("IMG_0001.jpg", demo_file_bytes["community-mentor-card.jpg"]))
    assert response.status_code == 200
    assert _result(response) == "unverifiable"
    assert "Could not verify" in response.text
    assert _check(response, "extracted") == "passed"
    assert _check(response, "fetched") == "error"
    assert "badges.open-learning-lab.example" in response.text


def test_the_photo_comes_first_then_the_file_then_the_text(
    vclient: FlaskClient, demo_file_bytes: dict[str, bytes]
) -> None:
    response = _post(
        vclient,
        photo=("empty.jpg", b""),
        file=("git.svg", demo_file_bytes["git-essentials.svg"]),
        text="not a badge",
    )
    assert _result(response) == "valid"


def test_pasted_jwt_is_valid(vclient: FlaskClient, demo_file_bytes: dict[str, bytes]) -> None:
    token = extract(demo_file_bytes["git-essentials.svg"]).payload.text
    assert token.startswith("eyJ")
    response = _post(vclient, text=f"\n  {token}  \n")
    assert response.status_code == 200
    assert _result(response) == "valid"
    assert _check(response, "signature") == "passed"


def test_pasted_tampered_credential_is_invalid(vclient: FlaskClient) -> None:
    credential = _signed(name="Honest Badge")
    credential["name"] = "Forged Badge"
    response = _post(vclient, text=json.dumps(credential))
    assert response.status_code == 200
    assert _result(response) == "invalid"
    assert "Not valid" in response.text
    assert _check(response, "signature") == "failed"


def test_uploaded_credential_json_is_valid(vclient: FlaskClient) -> None:
    response = _post(vclient, file=("badge.json", json.dumps(_signed(name="JSON upload")).encode()))
    assert _result(response) == "valid"
    assert "JSON upload" in response.text


@pytest.mark.parametrize("field", ["file", "text"])
def test_unreadable_input_is_a_neutral_outcome_with_one_sentence(vclient: FlaskClient, field: str) -> None:
    junk = bytes(range(256)) * 8
    value: Any = ("junk.bin", junk) if field == "file" else "hello, is this a badge?"
    response = _post(vclient, **{field: value})
    assert response.status_code == 200
    assert _result(response) == "none"
    assert _heading(response) == f"No badge found in this {field}"
    assert "Not valid" not in response.text and "check-failed" not in response.text
    sentences = re.findall(r'<p class="verify-sentence">([^<]*)</p>', response.text)
    assert len(sentences) == 1 and "\n" not in sentences[0]
    assert 'href="/verify"' in response.text


# -- the SSRF guard -----------------------------------------------------------------------------------------------


def test_pasted_loopback_url_is_refused_by_the_ssrf_guard(
    vclient: FlaskClient, local_server: Callable[[bytes, str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKPACK_ALLOW_PRIVATE_NETWORK", "1")  # the CLI's switch does not lift the public page's guard
    url = local_server(json.dumps(_signed()).encode(), "application/ld+json")
    response = _post(vclient, text=url)
    assert response.status_code == 200
    assert _result(response) == "unverifiable"
    assert _check(response, "fetched") == "error"
    assert "private or local address" in response.text
    assert "--allow-private-network" not in response.text  # a command-line hint means nothing here


def test_loopback_url_is_fetched_when_the_config_allows_private_networks(
    make_verify_app: Callable[..., Flask], local_server: Callable[[bytes, str], str]
) -> None:
    client = make_verify_app(ALLOW_PRIVATE_NETWORK=True).test_client()
    url = local_server(json.dumps(_signed(name="Served Locally")).encode(), "application/ld+json")
    response = _post(client, text=url)
    assert response.status_code == 200
    assert _result(response) == "valid", response.text
    assert "Served Locally" in response.text
    assert _check(response, "signature") == "passed"


# -- hostile text -------------------------------------------------------------------------------------------------


def test_script_in_badge_name_issuer_and_description_is_escaped(vclient: FlaskClient) -> None:
    credential = _signed(name=XSS, issuer_name=XSS, description=XSS)
    response = _post(vclient, text=json.dumps(credential))
    assert response.status_code == 200
    assert _result(response) == "valid"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in response.text
    assert "<script>alert" not in response.text
    assert "<img src=x" not in response.text
    assert "onerror=alert(2)>" not in response.text


# -- limits and storage -------------------------------------------------------------------------------------------


def test_rate_limit_answers_429_with_retry_after(make_verify_app: Callable[..., Flask]) -> None:
    client = make_verify_app(VERIFY_RATE=3).test_client()
    for _ in range(3):
        assert _post(client, text="not a badge").status_code == 200
    limited = _post(client, text="not a badge")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert "Too many checks" in limited.text and 'href="/verify"' in limited.text
    assert client.get("/verify").status_code == 200  # the form itself stays available


def test_upload_over_the_cap_is_413_with_a_friendly_page(make_verify_app: Callable[..., Flask]) -> None:
    client = make_verify_app(MAX_CONTENT_LENGTH=20_000).test_client()
    response = _post(client, file=("huge.png", b"\x89PNG" + b"\0" * 40_000))
    assert response.status_code == 413
    assert "That upload is too large" in response.text
    assert "20 KB" in response.text
    assert 'href="/verify"' in response.text
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_nothing_uploaded_is_stored(
    vclient: FlaskClient,
    verify_home: Path,
    demo_file_bytes: dict[str, bytes],
    portfolio_bundle: bytes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import werkzeug.wrappers.request

    def no_temp_files(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("an upload was spooled to a temporary file")

    monkeypatch.setattr(werkzeug.wrappers.request, "default_stream_factory", no_temp_files)
    big = demo_file_bytes["community-mentor-card.jpg"] + b"\0" * 600_000  # past Werkzeug's 500 KB spooling limit
    assert _post(vclient, photo=("big.jpg", big)).status_code == 200
    assert _post(vclient, file=("git.svg", demo_file_bytes["git-essentials.svg"])).status_code == 200
    assert _post(vclient, file=("portfolio.jsonld", portfolio_bundle)).status_code == 200
    assert _post(vclient, text=json.dumps(_signed())).status_code == 200
    assert not (verify_home / "backpack.json").exists()
    assert not (verify_home / "blobs").exists()
    assert not verify_home.exists() or not any(verify_home.iterdir())


# -- portfolio bundles --------------------------------------------------------------------------------------------


def test_portfolio_bundle_lists_each_badge_with_its_own_status(vclient: FlaskClient, portfolio_bundle: bytes) -> None:
    response = _post(vclient, file=("portfolio.jsonld", portfolio_bundle))
    assert response.status_code == 200
    html = response.text
    assert _result(response) == "unverifiable"  # as good as its worst badge
    assert _heading(response) == "Could not verify"
    assert '<h2 class="badge-name">Web skills</h2>' in html
    assert _check(response, "holder") == "passed"
    assert "2 badges in this portfolio" in html
    items = re.findall(r'<article class="badge verify-item" data-status="([a-z]+)">.*?<h3>([^<]*)</h3>', html, re.S)
    assert sorted(items) == [("unverifiable", "Accessible Web Design"), ("valid", "Git Essentials")]
    assert html.count('<details class="checks" open>') == 3  # the bundle's own checks, then each badge's
    # Each badge of the portfolio shows its picture (data: URLs only) and its issuer, marked as self-named.
    assert html.count("data-self-asserted") == 2


def test_tampered_portfolio_bundle_is_invalid(vclient: FlaskClient, portfolio_bundle: bytes) -> None:
    document = json.loads(portfolio_bundle)
    document["name"] = "Someone else's skills"
    response = _post(vclient, text=json.dumps(document))
    assert _result(response) == "invalid"
    assert _check(response, "holder") == "failed"


# -- a link to check (GET /verify?url=…, the "check it now" links of static portfolios) ---------------------------


def test_a_link_to_a_portfolio_bundle_is_fetched_and_verified_live(
    make_verify_app: Callable[..., Flask], local_server: Callable[[bytes, str], str], portfolio_bundle: bytes
) -> None:
    client = make_verify_app(ALLOW_PRIVATE_NETWORK=True).test_client()
    url = local_server(portfolio_bundle, "application/ld+json")
    response = client.get("/verify", query_string={"url": url})
    assert response.status_code == 200, response.text
    assert 'data-status="valid"' in response.text and "Web skills" in response.text
    assert _check(response, "holder") == "passed"
    assert "2 badges in this portfolio" in response.text
    assert response.headers["Cache-Control"] == "no-store"


def test_a_link_keeps_the_ssrf_guard_and_refuses_what_is_not_http(
    vclient: FlaskClient, local_server: Callable[[bytes, str], str], portfolio_bundle: bytes
) -> None:
    response = vclient.get("/verify", query_string={"url": local_server(portfolio_bundle, "application/ld+json")})
    assert response.status_code == 200  # a verdict page: it could not be verified, and says why
    assert 'data-status="unverifiable"' in response.text
    assert "private or local address" in response.text
    assert "--allow-private-network" not in response.text
    refused = vclient.get("/verify", query_string={"url": "file:///etc/passwd"})
    assert refused.status_code == 400 and "must be an http(s) address" in refused.text


def test_a_link_that_serves_no_badge_says_so(
    make_verify_app: Callable[..., Flask], local_server: Callable[[bytes, str], str]
) -> None:
    client = make_verify_app(ALLOW_PRIVATE_NETWORK=True).test_client()
    response = client.get("/verify", query_string={"url": local_server(b"hello", "text/plain")})
    assert 'data-status="valid"' not in response.text
    assert "serves neither JSON nor a baked badge" in response.text or "No badge" in response.text


def test_links_count_against_the_rate_limit(make_verify_app: Callable[..., Flask]) -> None:
    client = make_verify_app(VERIFY_RATE=1).test_client()
    assert client.get("/verify", query_string={"url": "ftp://x"}).status_code == 400
    limited = client.get("/verify", query_string={"url": "ftp://x"})
    assert limited.status_code == 429 and limited.headers["Retry-After"]
    assert client.get("/verify").status_code == 200  # the form itself is never limited
