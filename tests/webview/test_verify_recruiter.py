"""The recruiter's reading of /verify (issue 14): the "Belongs to" field, a verdict that never contradicts the list,
a neutral "no badge" outcome without Python reprs, plain words before details (the same words as the CLI and TUI),
the badge picture without the browser fetching anything, names as stated in the file, self-named issuers, the
serving backpack's saved issuer documents (never the badge itself), and a footer that does not link to itself."""

from __future__ import annotations

import base64
import html
import io
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from verifier import CheckResult, bake, classify_payload
from verifier.http import CachedResponse
from verifier.signing import encode_multikey, sign_eddsa_rdfc_2022
from wallet.cache import StoreResponseCache
from wallet.check_words import plain_words
from wallet.store import Store
from webview.verify_page import BackpackIssuerCache

# -- helpers --------------------------------------------------------------------------------------------------------

KEY = Ed25519PrivateKey.generate()
ISSUER = f"did:key:{encode_multikey(KEY.public_key())}"
METHOD = f"{ISSUER}#{ISSUER.removeprefix('did:key:')}"


def _credential(name: str = "Recruiter Test Badge", issuer_name: str = "Local Academy") -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:5d1e5c1e-3f0a-4d8e-9a51-2f4c7a9d1e55",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": name,
        "issuer": {"id": ISSUER, "type": ["Profile"], "name": issuer_name, "url": "https://academy.example"},
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:learner",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://academy.example/achievements/7",
                "type": ["Achievement"],
                "name": name,
                "description": "A credential signed for the recruiter page tests.",
                "criteria": {"narrative": "Be verified."},
            },
        },
    }


def _sign(credential: dict[str, Any]) -> dict[str, Any]:
    return sign_eddsa_rdfc_2022(credential, KEY, METHOD, created="2025-01-01T00:00:00Z")


def _signed(**fields: str) -> dict[str, Any]:
    return _sign(_credential(**fields))


def _post(client: FlaskClient, **fields: Any) -> TestResponse:
    page = client.get("/verify")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text
    data: dict[str, Any] = {"csrf_token": token.group(1)}
    for name, value in fields.items():
        data[name] = FileStorage(io.BytesIO(value[1]), filename=value[0]) if isinstance(value, tuple) else value
    boundary, body = encode_multipart(data)
    return client.post("/verify", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _heading(response: TestResponse) -> str:
    match = re.search(r'<h1 id="result-heading"[^>]*><span[^>]*>[^<]*</span> ([^<]*)</h1>', response.text)
    assert match, response.text
    return html.unescape(match.group(1))


def _status(response: TestResponse) -> str:
    match = re.search(r'id="result"[^>]*data-status="([a-z]+)"', response.text)
    assert match, response.text
    return match.group(1)


def _sentence(response: TestResponse) -> str:
    match = re.search(r'<p class="verify-sentence">([^<]*)</p>', response.text)
    assert match, response.text
    return html.unescape(match.group(1))


def _checks(response: TestResponse) -> dict[str, tuple[str, str, str]]:
    """check id -> (outcome, plain words, details) for the first block listing it."""
    found: dict[str, tuple[str, str, str]] = {}
    for outcome, check_id, plain, details in re.findall(
        r'<li class="check check-([a-z]+)" data-check="([a-z_]+)">.*?<span class="plain">([^<]*)</span>\s*'
        r'<details class="check-details"><summary>Details</summary><p><code>[a-z_]+</code> ([^<]*)</p></details>',
        response.text,
        re.S,
    ):
        found.setdefault(check_id, (outcome, html.unescape(plain), html.unescape(details)))
    return found


def _footer(response: TestResponse) -> str:
    match = re.search(r"<footer[^>]*>(.*?)</footer>", response.text, re.S)
    assert match
    return match.group(1)


@pytest.fixture
def verify_home(tmp_path: Path) -> Path:
    """The backpack the app serves: none at first."""
    return tmp_path / "verify-home"


@pytest.fixture
def make_verify_app(verify_home: Path) -> Callable[..., Flask]:
    def make(**config: Any) -> Flask:
        from webview import create_app

        settings = {"TESTING": True, "BACKPACK_HOME": str(verify_home), "SECRET_KEY": "t", "VERIFY_RATE": 1000}
        return create_app({**settings, **config})

    return make


@pytest.fixture
def vclient(make_verify_app: Callable[..., Flask]) -> FlaskClient:
    return make_verify_app().test_client()


@pytest.fixture
def demo_client(make_app: Callable[..., Flask]) -> FlaskClient:
    """The app serving the demo backpack (its issuers exist only in its cache, as after ./scripts/start)."""
    return make_app(VERIFY_RATE=1000).test_client()


@pytest.fixture
def demo_files(web_home: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in (web_home / "demo-files").iterdir()}


class _Site:
    def __init__(self) -> None:
        self.served: dict[str, tuple[int, bytes, str]] = {}
        self.requests: list[str] = []
        self.base = ""

    def serve(self, path: str, body: bytes, content_type: str, status: int = 200) -> str:
        self.served[path] = (status, body, content_type)
        return self.base + path


@pytest.fixture
def site() -> Iterator[_Site]:
    """A loopback web server: an issuer, an image host."""
    state = _Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            state.requests.append(self.path)
            status, body, content_type = state.served.get(self.path, (404, b"not found", "text/plain"))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the http.server API
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(5)


def _png(size: int = 8, colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(out, "PNG")
    return out.getvalue()


# -- belongs to ----------------------------------------------------------------------------------------------------


def test_the_form_asks_who_the_badge_belongs_to(vclient: FlaskClient) -> None:
    page = vclient.get("/verify").text
    assert '<label for="belongs_to">Belongs to (optional)</label>' in page
    assert re.search(r'<input type="text" id="belongs_to" name="belongs_to"', page)
    assert "e-mail address, web\n        address or DID" in page


def test_belongs_to_the_candidate_runs_the_recipient_check(
    demo_client: FlaskClient, demo_files: dict[str, bytes]
) -> None:
    badge = ("git-essentials.svg", demo_files["git-essentials.svg"])
    response = _post(demo_client, file=badge, belongs_to="ada.lovelace@example.com")
    assert _status(response) == "valid"
    assert _heading(response) == "Valid"  # nothing left unchecked
    assert _checks(response)["recipient"][0] == "passed"
    assert "It was issued to ada.lovelace@example.com." in _sentence(response)
    assert "Checked for: <strong>ada.lovelace@example.com</strong>" in response.text


def test_belongs_to_someone_else_is_not_valid_and_says_so(
    demo_client: FlaskClient, demo_files: dict[str, bytes]
) -> None:
    badge = ("git-essentials.svg", demo_files["git-essentials.svg"])
    response = _post(demo_client, file=badge, belongs_to="mallory@example.org")
    assert _status(response) == "invalid"
    assert _heading(response) == "Not valid"
    assert _checks(response)["recipient"][0] == "failed"
    assert "It was issued to someone else, not to mallory@example.org." in _sentence(response)
    assert _checks(response)["signature"][0] == "passed"  # authentic: it is just not this candidate's


@pytest.mark.parametrize("identity", ["did:example:learner", "mailto:nobody@example.org", "https://learner.example"])
def test_belongs_to_takes_a_did_an_email_or_a_url(vclient: FlaskClient, identity: str) -> None:
    response = _post(vclient, text=json.dumps(_signed()), belongs_to=identity)
    outcome = _checks(response)["recipient"][0]
    assert outcome == ("passed" if identity == "did:example:learner" else "failed"), response.text


def test_without_belongs_to_the_verdict_counts_the_unchecked_recipient_as_a_warning(
    demo_client: FlaskClient, demo_files: dict[str, bytes]
) -> None:
    response = _post(demo_client, file=("git.svg", demo_files["git-essentials.svg"]))
    assert _heading(response) == "Valid, with 1 warning"
    assert _checks(response)["recipient"][0] == "warning"
    assert "Every check passed" not in response.text
    assert "enter the candidate's e-mail, web address or DID under “Belongs to”" in _sentence(response)


@pytest.mark.parametrize("typed", ["ada", "ada@", "javascript:alert(1)", "x" * 400 + "@example.org"])
def test_belongs_to_that_is_no_identity_is_sent_back_with_the_form(vclient: FlaskClient, typed: str) -> None:
    response = _post(vclient, text=json.dumps(_signed()), belongs_to=typed)
    assert response.status_code == 400
    assert 'role="alert"' in response.text
    assert "“Belongs to” takes the candidate's e-mail address" in html.unescape(response.text)
    assert 'id="result"' not in response.text
    if len(typed) < 100:
        assert f'value="{html.escape(typed)}"' in response.text  # kept, to be corrected


# -- the verdict never contradicts the list ----------------------------------------------------------------------


def _verdict_agrees_with_the_list(response: TestResponse) -> None:
    heading = _heading(response)
    outcomes = re.findall(r'<li class="check check-([a-z]+)"', response.text)
    concerns = sum(outcome in ("warning", "failed") for outcome in outcomes)
    if heading == "Valid":
        assert concerns == 0, outcomes
    elif heading.startswith("Valid, with "):
        count = int(heading.split()[2])
        assert count == concerns > 0 and heading.endswith("warning" if count == 1 else "warnings")
    else:
        assert heading in ("Expired", "Revoked", "Not valid", "Could not verify") or heading.startswith("No badge")
    assert "Every check passed" not in response.text or concerns == 0


def test_the_verdict_never_contradicts_the_list(
    demo_client: FlaskClient, demo_files: dict[str, bytes], vclient: FlaskClient
) -> None:
    for name, data in demo_files.items():
        for belongs_to in ("", "ada.lovelace@example.com", "someone@example.org"):
            field = "photo" if name.endswith(".jpg") else "file"
            for client in (demo_client, vclient):
                _verdict_agrees_with_the_list(_post(client, **{field: (name, data)}, belongs_to=belongs_to))


# -- no badge -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("notes.txt", b"hello\x00\x01\x02 this is not a badge"),
        ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0d\xff\xfe\x00\x01" + b"\x00" * 40),
        ("empty.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="4" height="4"/></svg>'),
        ("photo.png", _png(64, "white")),
    ],
)
def test_a_file_without_a_badge_is_a_neutral_outcome_without_reprs(
    vclient: FlaskClient, name: str, data: bytes
) -> None:
    response = _post(vclient, file=(name, data))
    assert response.status_code == 200
    assert _status(response) == "none"
    assert _heading(response) == "No badge found in this file"
    page = html.unescape(response.text)
    assert "Not valid" not in page and "✘" not in page and "check-failed" not in page
    assert not re.search(r"\bb'|\bb\"|\\x[0-9a-f]{2}|\\u[0-9a-f]{4}", page), "a Python repr reached the page"
    assert "<details" in response.text  # the technical reason, behind a disclosure


def test_a_photo_without_a_qr_code_says_to_take_it_again(vclient: FlaskClient) -> None:
    response = _post(vclient, photo=("IMG_1.png", _png(200, "white")))
    assert _heading(response) == "No badge found in this file"
    assert "take it again closer and sharper" in _sentence(response)


# -- plain words first, details behind -----------------------------------------------------------------------------


def test_each_check_is_in_plain_words_with_the_technical_text_behind_details(vclient: FlaskClient) -> None:
    url = "http://badges.unreachable.invalid/assertions/1.json"
    response = _post(vclient, text=url)
    assert _heading(response) == "Could not verify"
    outcome, plain, details = _checks(response)["fetched"]
    assert outcome == "error"
    assert plain == "The issuer's website could not be reached, so the badge could not be checked: try again later."
    assert "could not fetch the hosted assertion" in details and "badges.unreachable.invalid" in details
    assert plain in _sentence(response)
    assert "could not fetch the hosted assertion" not in _sentence(response)  # developer text stays in the details


def test_the_page_uses_the_same_words_as_the_cli_and_the_tui(
    demo_client: FlaskClient, demo_files: dict[str, bytes]
) -> None:
    response = _post(demo_client, file=("a.png", demo_files["accessible-web-design.png"]), belongs_to="x@example.org")
    checks = _checks(response)
    assert len(checks) > 5
    for check_id, (outcome, plain, details) in checks.items():
        assert plain == plain_words(CheckResult(check_id, outcome, details))  # type: ignore[arg-type]


# -- the badge picture ---------------------------------------------------------------------------------------------


def _images(response: TestResponse) -> list[str]:
    return re.findall(r'<img class="badge-image" src="([^"]*)"', response.text)


def test_the_uploaded_badge_image_is_the_picture(vclient: FlaskClient, demo_file_bytes: dict[str, bytes]) -> None:
    data = demo_file_bytes["cloud-fundamentals.png"]
    [src] = _images(_post(vclient, file=("cloud.png", data)))
    assert src == "data:image/png;base64," + base64.b64encode(data).decode()


def test_a_data_url_image_in_the_badge_is_shown_re_encoded(vclient: FlaskClient) -> None:
    credential = _credential()
    picture = _png(12, "blue")
    credential["credentialSubject"]["achievement"]["image"] = {
        "id": "data:image/png;base64," + base64.b64encode(picture).decode(),
        "type": "Image",
    }
    signed = _sign(credential)
    response = _post(vclient, text=json.dumps(signed))
    assert _status(response) == "valid", response.text
    assert _images(response) == ["data:image/png;base64," + base64.b64encode(picture).decode()]


def _credential_with_image(image_url: str) -> dict[str, Any]:
    credential = _credential()
    credential["credentialSubject"]["achievement"]["image"] = {"id": image_url, "type": "Image"}
    return _sign(credential)


def test_an_image_url_is_fetched_by_the_server_and_inlined(make_verify_app: Callable[..., Flask], site: _Site) -> None:
    client = make_verify_app(ALLOW_PRIVATE_NETWORK=True).test_client()
    picture = _png(16, "green")
    url = site.serve("/images/badge.png", picture, "image/png")
    response = _post(client, text=json.dumps(_credential_with_image(url)))
    assert _images(response) == ["data:image/png;base64," + base64.b64encode(picture).decode()]
    assert f'src="{url}"' not in response.text and site.requests == ["/images/badge.png"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<html><script>alert(1)</script></html>", "text/html"),  # not an image
        (b"GIF89a not really a png", "image/png"),  # says PNG, is not
        (_png(8) + b"\0" * (600 * 1024), "image/png"),  # over the size cap
    ],
)
def test_an_image_that_is_not_one_or_too_large_is_not_shown(
    make_verify_app: Callable[..., Flask], site: _Site, body: bytes, content_type: str
) -> None:
    client = make_verify_app(ALLOW_PRIVATE_NETWORK=True).test_client()
    url = site.serve("/images/x", body, content_type)
    response = _post(client, text=json.dumps(_credential_with_image(url)))
    assert _status(response) == "valid"
    assert _images(response) == []


def test_an_image_on_a_private_address_is_not_fetched_by_the_public_page(vclient: FlaskClient, site: _Site) -> None:
    url = site.serve("/images/badge.png", _png(), "image/png")
    response = _post(vclient, text=json.dumps(_credential_with_image(url)))
    assert _images(response) == [] and site.requests == []


# -- as stated in the file; self-named issuers --------------------------------------------------------------------


def test_an_unverifiable_badge_shows_its_name_and_issuer_as_stated_in_the_file(vclient: FlaskClient) -> None:
    assertion = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "https://badges.unreachable.invalid/assertions/7.json",
        "recipient": {"type": "email", "identity": "ada@example.org", "hashed": False},
        "badge": {
            "type": "BadgeClass",
            "id": "https://badges.unreachable.invalid/badges/robotics.json",
            "name": "Robotics Level 2",
            "issuer": {"type": "Profile", "id": "https://badges.unreachable.invalid/issuer", "name": "Robot Club"},
        },
        "verification": {"type": "hosted"},
        "issuedOn": "2025-05-01T00:00:00Z",
    }
    baked = bake(_png(32), classify_payload(json.dumps(assertion)))
    response = _post(vclient, file=("badge.png", baked))
    assert _heading(response) == "Could not verify"
    assert '<h2 class="badge-name">Robotics Level 2</h2>' in response.text
    assert "Robot Club" in response.text
    assert "as stated in the file, not confirmed" in response.text
    assert "Open Badge</h2>" not in response.text


def test_a_badge_without_any_name_stands_in_its_file_name_marked_so(vclient: FlaskClient) -> None:
    assertion_url = "https://badges.unreachable.invalid/assertions/8.json"
    baked = bake(_png(32), classify_payload(assertion_url))
    response = _post(vclient, file=("python-foundations.png", baked))
    assert '<h2 class="badge-name">Python foundations</h2>' in response.text
    assert "this is its file's name, as stated in the file, not confirmed" in response.text


def test_a_tampered_badge_name_is_not_confirmed(vclient: FlaskClient) -> None:
    credential = _signed(name="Honest Badge")
    credential["name"] = "Forged Badge"
    credential["credentialSubject"]["achievement"]["name"] = "Forged Badge"
    response = _post(vclient, text=json.dumps(credential))
    assert _heading(response) == "Not valid"
    assert "Name and issuer as stated in the file, not confirmed." in response.text


def test_a_valid_badge_is_not_marked_as_stated(vclient: FlaskClient) -> None:
    response = _post(vclient, text=json.dumps(_signed()))
    assert "as stated in the file" not in response.text


def test_a_did_key_issuer_naming_itself_is_marked_self_named(vclient: FlaskClient) -> None:
    response = _post(vclient, text=json.dumps(_signed(issuer_name="Harvard University")))
    assert ISSUER.startswith("did:key:")
    issuer = re.search(r'<p class="issuer">(.*?)</p>', response.text, re.S)
    assert issuer and "Harvard University" in issuer.group(1)
    assert "data-self-asserted" in issuer.group(1) and "a name the issuer gives itself" in issuer.group(1)
    assert "<a " not in issuer.group(1)  # its web address is its own claim too: not a link


def test_a_web_issuer_is_named_with_the_domain_that_vouches_for_it(
    demo_client: FlaskClient, demo_files: dict[str, bytes]
) -> None:
    response = _post(demo_client, photo=("card.jpg", demo_files["community-mentor-card.jpg"]))
    issuer = re.search(r'<p class="issuer">(.*?)</p>', response.text, re.S)
    assert issuer and "Open Learning Lab" in issuer.group(1)
    assert "(badges.open-learning-lab.example)" in issuer.group(1)
    assert "data-self-asserted" not in response.text


# -- the serving backpack's issuer documents ----------------------------------------------------------------------


def test_the_demo_cards_qr_photo_gives_the_tuis_verdict(
    demo_client: FlaskClient, demo_files: dict[str, bytes], web_store: Store, web_home: Path
) -> None:
    stored = {str(r.summary.get("name")): r.status for r in web_store.list_badges()}
    assert stored["Community Mentor"] == "revoked"  # what the TUI and `backpack list` show
    before = (web_home / "backpack.json").read_bytes()
    response = _post(demo_client, photo=("IMG_0001.jpg", demo_files["community-mentor-card.jpg"]))
    assert _status(response) == "revoked" and _heading(response) == "Revoked"
    assert '<h2 class="badge-name">Community Mentor</h2>' in response.text
    assert "Reason given by the issuer: Issued in error" in _sentence(response)
    assert (web_home / "backpack.json").read_bytes() == before  # read, never written


def test_every_demo_file_gives_on_the_web_the_status_the_backpack_shows(
    demo_client: FlaskClient, demo_files: dict[str, bytes], web_store: Store
) -> None:
    for record in web_store.list_badges():
        name = Path(record.source.ref).name
        field = "photo" if name.endswith(".jpg") else "file"
        response = _post(demo_client, **{field: (name, demo_files[name])}, belongs_to="ada.lovelace@example.com")
        assert _status(response) == record.status, (name, _checks(response))


def test_without_the_backpacks_documents_the_same_files_cannot_be_checked(
    vclient: FlaskClient, demo_files: dict[str, bytes]
) -> None:
    response = _post(vclient, photo=("IMG_0001.jpg", demo_files["community-mentor-card.jpg"]))
    assert _status(response) == "unverifiable"


def test_the_badge_itself_is_fetched_afresh_never_from_the_backpack(
    make_verify_app: Callable[..., Flask], verify_home: Path, site: _Site
) -> None:
    store = Store(verify_home)
    store.add_identity("email", "owner@example.org")  # the backpack exists
    url = site.serve("/credentials/1", json.dumps(_signed(name="Fresh From The Issuer")).encode(), "application/json")
    saved = StoreResponseCache(store)
    stale = json.dumps(_signed(name="Saved Long Ago")).encode()
    saved.put(CachedResponse(url, 200, "application/ld+json", stale, fetched_at=time.time(), max_age=1e9))
    saved.flush()
    client = make_verify_app(ALLOW_PRIVATE_NETWORK=True).test_client()
    response = _post(client, text=url)
    assert "Fresh From The Issuer" in response.text and "Saved Long Ago" not in response.text
    assert site.requests == ["/credentials/1"]


def test_the_issuer_cache_serves_issuer_documents_and_refuses_badges(tmp_path: Path) -> None:
    store = Store(tmp_path / "home")
    saved = StoreResponseCache(store)
    now = time.time()
    documents = {
        "https://issuer.org/profile": {"type": "Issuer", "id": "https://issuer.org/profile", "name": "Issuer"},
        "https://issuer.org/status": {"type": ["VerifiableCredential", "BitstringStatusListCredential"]},
        "https://issuer.org/assertion": {"type": "Assertion", "badge": "https://issuer.org/class"},
        "https://issuer.org/revoked": {"id": "https://issuer.org/revoked", "badge": "x", "revoked": True},
        "https://issuer.org/credential": {"type": ["VerifiableCredential", "OpenBadgeCredential"]},
        "https://demo.example/assertion": {"type": "Assertion", "badge": "https://demo.example/class"},
    }
    for url, document in documents.items():
        saved.put(CachedResponse(url, 200, "application/json", json.dumps(document).encode(), fetched_at=now))
    saved.put(CachedResponse("https://issuer.org/jwt", 200, "text/plain", b"eyJhbGciOi.x.y", fetched_at=now))
    saved.put(CachedResponse("https://issuer.org/gone", 410, "text/plain", b"gone", fetched_at=now))
    saved.flush()

    cache = BackpackIssuerCache(StoreResponseCache(store))
    served = {url for url in [*documents, "https://issuer.org/jwt", "https://issuer.org/gone"] if cache.get(url)}
    assert served == {"https://issuer.org/profile", "https://issuer.org/status", "https://demo.example/assertion"}
    profile = cache.get("https://issuer.org/profile")
    assert profile is not None and not profile.fresh(time.time())  # its own freshness: stale ones are asked again
    reserved = cache.get("https://demo.example/assertion")
    assert reserved is not None and reserved.fresh(time.time())  # no one can ask .example for a newer copy

    cache.put(CachedResponse("https://issuer.org/new", 200, "application/json", b"{}", fetched_at=now))
    assert cache.get("https://issuer.org/new") is not None
    assert StoreResponseCache(store).get("https://issuer.org/new") is None  # kept for the request only


# -- the footer ----------------------------------------------------------------------------------------------------


def test_the_verify_pages_footer_links_nowhere(vclient: FlaskClient) -> None:
    for response in (vclient.get("/verify"), _post(vclient, text=json.dumps(_signed())), _post(vclient, text="x")):
        assert "<a " not in _footer(response)
        assert "Nothing you upload or paste is kept." in _footer(response)


def test_other_pages_still_link_to_the_verify_page(client: FlaskClient) -> None:
    missing = client.get("/s/no-such-share")
    assert 'href="/verify"' in _footer(missing)
