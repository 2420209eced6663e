"""The owner's view at ``/``: who may open it (loopback, the key, a public deployment), what it shows, and each of the
owner's acts (import by upload, check again, share, unshare), every form behind a CSRF token."""

from __future__ import annotations

import io
import re
import stat
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from test_share_pages import ORDER, Node, dom, get_ok, html_of
from werkzeug.test import TestResponse

from wallet import badge_collections as collections
from wallet import exporting, shares
from wallet.store import Store

KEY = "the-owners-test-key"
PUBLIC = "http://127.0.0.1:8000"


@pytest.fixture
def owner_app(make_app: Callable[..., Flask]) -> Flask:
    """What `backpack serve` on 127.0.0.1 runs: open to this machine."""
    return make_app(OWNER_OPEN_ON_LOOPBACK=True, OWNER_TOKEN=KEY)


@pytest.fixture
def owner(owner_app: Flask) -> FlaskClient:
    return owner_app.test_client()


@pytest.fixture
def job_profile(web_store: Store, badge_ids: dict[str, str]) -> str:
    collections.create_collection(web_store, "Job profile", description="For recruiters", planned=["Kubernetes"])
    collections.add_badges(web_store, "Job profile", [badge_ids[n] for n in ORDER[:3]])
    return shares.create_share(web_store, "Job profile").token


def csrf_of(page: Node) -> str:
    return str(page.find("input", name="csrf_token").attrs["value"])


def is_locked(response: TestResponse) -> bool:
    text = response.get_data(as_text=True)
    return response.status_code == 403 and "This backpack is private" in text


def private_paths(store: Store, badge_ids: dict[str, str], token: str) -> list[str]:
    collection = collections.get_collection(store, "Job profile")
    return ["/", f"/badges/{badge_ids['Python Foundations']}", f"/collections/{collection.id}", f"/shares/{token}"]


# -- who may open it ------------------------------------------------------------------------------------------------


def test_on_loopback_the_owner_sees_the_backpack_without_a_key(
    owner: FlaskClient, web_store: Store, job_profile: str, badge_ids: dict[str, str]
) -> None:
    response = get_ok(owner, "/")
    assert response.headers["Cache-Control"] == "no-store" and response.headers["Referrer-Policy"] == "no-referrer"
    page = dom(response.get_data(as_text=True))
    assert page.find("h1").text() == "Your backpack"
    # Every badge, with its status and when it was last checked, as the TUI lists them.
    rows = {row.find("span", cls="owner-badge-name").text(): row for row in page.find_all("li", cls="owner-badge")}
    assert set(rows) == set(ORDER)
    assert rows["Python Foundations"].find("p", cls="pill").text().startswith("✔ Verified · checked")
    assert "pill-revoked" in str(rows["Team Leadership"].find("p", cls="pill").attrs["class"])
    # Collections with their progress, shares with their state.
    (collection,) = page.find_all("li", cls="owner-collection")
    assert collection.find("a").text() == "Job profile"
    assert (
        collection.find("p", cls="progress").text()
        == collections.progress(
            collections.get_collection(web_store, "Job profile"), {r.id: r for r in web_store.list_badges()}
        ).text
    )
    (share,) = page.find_all("li", cls="owner-share")
    assert share.find("a").attrs["href"] == f"/shares/{job_profile}"
    assert share.find("p", cls="pill").text() == "Active · works until you unshare it"
    # No public URL: the owner is told, once, that links work only here and how to publish.
    assert "backpack publish NAME" in page.find("p", cls="notice").text()
    for path in private_paths(web_store, badge_ids, job_profile):
        get_ok(owner, path)


@pytest.mark.parametrize(
    ("remote", "host", "why"),
    [
        ("192.168.1.20", "127.0.0.1:8000", "a browser on another machine"),
        ("127.0.0.1", "attacker.example:8000", "a page that rebound its own name to 127.0.0.1"),
        ("10.0.0.7", "192.168.1.2:8000", "the LAN address"),
    ],
)
def test_anything_but_a_loopback_browser_needs_the_key(
    owner: FlaskClient,
    web_store: Store,
    job_profile: str,
    badge_ids: dict[str, str],
    remote: str,
    host: str,
    why: str,
) -> None:
    environ = {"REMOTE_ADDR": remote}
    base_url = f"http://{host}"
    for path in private_paths(web_store, badge_ids, job_profile):
        response = owner.get(path, environ_base=environ, base_url=base_url)
        assert is_locked(response), (why, path)
        text = response.get_data(as_text=True)
        assert "Python Foundations" not in text and "Job profile" not in text and job_profile not in text
    # The public pages stay public.
    assert owner.get(f"/s/{job_profile}", environ_base=environ, base_url=base_url).status_code == 200
    assert owner.get("/verify", environ_base=environ, base_url=base_url).status_code == 200
    assert owner.get("/", base_url="http://localhost:8000").status_code == 200  # this machine, by name


def test_served_elsewhere_the_key_opens_a_session_and_leaves_the_address_bar(
    make_app: Callable[..., Flask], web_home: Path, job_profile: str
) -> None:
    app = make_app()  # as gunicorn runs it: never open without the key
    client = app.test_client()
    assert is_locked(client.get("/"))
    key_file = web_home / "owner-token"
    key = key_file.read_text("ascii").strip()
    assert len(key) >= 32 and stat.S_IMODE(key_file.stat().st_mode) == 0o600

    wrong = client.get("/?token=not-the-key")
    assert is_locked(wrong) and "This key does not open this backpack" in wrong.get_data(as_text=True)
    assert is_locked(client.get("/"))

    opened = client.get(f"/shares/{job_profile}?token={key}&tab=1")
    assert opened.status_code == 303 and opened.headers["Location"] == f"/shares/{job_profile}?tab=1"
    cookie = opened.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and key not in cookie
    get_ok(client, f"/shares/{job_profile}")
    get_ok(client, "/")
    # Another browser (no cookie) is still locked out; the same key made again keeps working.
    assert is_locked(app.test_client().get("/"))
    assert make_app().test_client().get(f"/?token={key}").status_code == 303


def test_a_public_deployment_hides_everything_private_without_the_key(
    owner: FlaskClient,
    web_store: Store,
    job_profile: str,
    badge_ids: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BACKPACK_PUBLIC_URL", "https://badges.example.org")
    for path in private_paths(web_store, badge_ids, job_profile):
        assert is_locked(owner.get(path)), path  # even from loopback: behind a proxy every visitor is 127.0.0.1
    csrf = csrf_of(dom(owner.get("/verify").get_data(as_text=True)))  # a valid token of this session
    assert is_locked(owner.post(f"/shares/{job_profile}/unshare", data={"csrf_token": csrf}))
    assert shares.find_share(web_store, job_profile).state() == "active"  # type: ignore[union-attr]
    assert owner.get(f"/s/{job_profile}").status_code == 200
    # A public URL saved in the backpack (a tunnel to this machine) counts the same.
    monkeypatch.delenv("BACKPACK_PUBLIC_URL")
    web_store.set_setting("public_url", "https://me.tunnel.example")
    assert is_locked(owner.get("/"))
    assert owner.get(f"/?token={KEY}").status_code == 303 and owner.get("/").status_code == 200


# -- what the owner sees --------------------------------------------------------------------------------------------


def test_a_badges_page_shows_every_check_in_plain_words_with_its_details(
    owner: FlaskClient, web_store: Store, badge_ids: dict[str, str]
) -> None:
    record = web_store.get_badge(badge_ids["Team Leadership"])
    assert record.report is not None
    _html, page = html_of(owner, f"/badges/{record.id}")
    assert page.find("h1").text() == "Team Leadership"
    assert page.find("p", cls="pill").text().startswith("⊘ Revoked")
    rows = page.find_all("li", cls="check")
    assert [row.attrs["data-check"] for row in rows] == [c.id for c in record.report.checks]
    revocation = next(row for row in rows if row.attrs["data-check"] == "revocation")
    assert revocation.find("span", cls="plain").text() == "Its issuer has revoked it."
    technical = next(c for c in record.report.checks if c.id == "revocation").message
    assert technical in revocation.find("details").text()
    assert owner.get("/badges/nonexistent").status_code == 404


def test_a_shares_page_holds_the_owner_only_actions(
    owner: FlaskClient, job_profile: str, badge_ids: dict[str, str]
) -> None:
    _html, page = html_of(owner, f"/shares/{job_profile}")
    url = f"{PUBLIC}/s/{job_profile}"
    assert page.find("input", id="share-url").attrs["value"] == url
    adds = [a for a in page.find_all("a") if a.text().startswith("Add “")]
    assert [a.text() for a in adds] == [f"Add “{name}” to your LinkedIn profile" for name in ORDER[:3]]
    query = parse_qs(urlsplit(str(adds[1].attrs["href"])).query)
    assert query["certUrl"] == [url] and query["name"] == [ORDER[1]] and query["startTask"] == ["CERTIFICATION_NAME"]
    snippet = page.find("textarea", id="embed-code").text()
    assert snippet.startswith(f'<iframe src="{url}/embed"') and 'title="Job profile"' in snippet
    assert page.find("form", action=f"/shares/{job_profile}/unshare")


# -- what the owner does --------------------------------------------------------------------------------------------


def test_every_form_needs_its_csrf_token(owner: FlaskClient, web_store: Store, job_profile: str) -> None:
    collection = collections.get_collection(web_store, "Job profile")
    for path, data in (
        ("/share", {"ref": collection.id, "expires": ""}),
        (f"/shares/{job_profile}/unshare", {}),
        ("/import", {}),
        (f"/badges/{collection.badge_ids[0]}/check", {}),
    ):
        for token in (None, "forged"):
            form = data if token is None else {**data, "csrf_token": token}
            response = owner.post(path, data=form)
            assert response.status_code == 400, path
            assert "did not come from this site" in response.get_data(as_text=True)
    assert [s.token for s in shares.list_shares(web_store)] == [job_profile]
    assert shares.find_share(web_store, job_profile).state() == "active"  # type: ignore[union-attr]
    # Every form on the owner's pages carries the token.
    for path in ("/", f"/collections/{collection.id}", f"/badges/{collection.badge_ids[0]}", f"/shares/{job_profile}"):
        for form in dom(owner.get(path).get_data(as_text=True)).find_all("form"):
            if form.attrs.get("method") == "post":
                assert csrf_of(form), (path, form.attrs)


def test_share_and_unshare_a_collection(owner: FlaskClient, web_store: Store, job_profile: str) -> None:
    collection = collections.get_collection(web_store, "Job profile")
    csrf = csrf_of(html_of(owner, f"/collections/{collection.id}")[1])
    made = owner.post("/share", data={"csrf_token": csrf, "ref": collection.id, "expires": "30d"})
    assert made.status_code == 302
    token = re.fullmatch(r"/shares/([\w-]+)", made.headers["Location"]).group(1)  # type: ignore[union-attr]
    created = shares.find_share(web_store, token)
    assert created is not None and (created.kind, created.target, created.label) == (
        "collection",
        collection.id,
        "Job profile",
    )
    assert created.expires_at is not None
    page = dom(owner.get(made.headers["Location"]).get_data(as_text=True))
    assert "Shared 'Job profile'" in page.find("p", cls="flash").text()
    assert page.find("p", cls="pill").text().startswith("Active · works until 20")
    assert owner.get(f"/s/{token}").status_code == 200

    gone = owner.post(f"/shares/{token}/unshare", data={"csrf_token": csrf})
    assert gone.status_code == 302 and gone.headers["Location"] == f"/shares/{token}"
    assert shares.find_share(web_store, token).state() == "revoked"  # type: ignore[union-attr]
    assert owner.get(f"/s/{token}").status_code == 410
    page = dom(owner.get(f"/shares/{token}").get_data(as_text=True))
    assert page.find("p", cls="pill").text().startswith("Unshared · switched off")
    assert page.find_all("textarea") == [] and page.find_all("form", action=f"/shares/{token}/unshare") == []
    assert shares.find_share(web_store, job_profile).state() == "active"  # type: ignore[union-attr]  # the other stays

    refused = owner.post("/share", data={"csrf_token": csrf, "ref": "no such thing", "expires": ""})
    assert refused.status_code == 400 and "Nothing was shared" in refused.get_data(as_text=True)
    assert owner.post("/share", data={"csrf_token": csrf, "ref": collection.id, "expires": "5y"}).status_code == 400


def test_share_a_single_badge_from_its_page(owner: FlaskClient, web_store: Store, badge_ids: dict[str, str]) -> None:
    badge_id = badge_ids["Data Literacy"]
    page = html_of(owner, f"/badges/{badge_id}")[1]
    form = page.find("form", action="/share")
    assert form.find("input", name="ref").attrs["value"] == badge_id
    made = owner.post("/share", data={"csrf_token": csrf_of(form), "ref": badge_id, "expires": ""})
    (created,) = shares.list_shares(web_store)
    assert made.headers["Location"] == f"/shares/{created.token}" and created.kind == "badge"
    assert html_of(owner, f"/badges/{badge_id}")[1].find("li", cls="owner-share").find("a").text() == "Data Literacy"


def test_import_by_upload_checks_the_badges(owner: FlaskClient, web_store: Store, badge_ids: dict[str, str]) -> None:
    record = web_store.get_badge(badge_ids["Git Essentials"])
    name, data = exporting.baked_image(web_store, record)
    collections.remove_badge(web_store, record.id)
    assert record.id not in {r.id for r in web_store.list_badges()}
    csrf = csrf_of(html_of(owner, "/")[1])
    response = owner.post(
        "/import",
        data={"csrf_token": csrf, "files": [(io.BytesIO(data), name)]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/badges/{record.id}"
    imported = web_store.get_badge(record.id)
    assert imported.status == "valid" and imported.source.ref == name  # checked as it came in
    page = html_of(owner, response.headers["Location"])[1]
    assert page.find("p", cls="flash").text() == "Imported 1 badge: Git Essentials"

    # A file with no badge in it: one plain line, nothing stored.
    before = len(web_store.list_badges())
    response = owner.post(
        "/import",
        data={"csrf_token": csrf, "files": [(io.BytesIO(b"hello"), "notes.txt")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    flash = html_of(owner, "/")[1].find("p", cls="flash-problem").text()
    assert flash.startswith("notes.txt: ") and "b'" not in flash
    assert len(web_store.list_badges()) == before
    empty = owner.post("/import", data={"csrf_token": csrf}, content_type="multipart/form-data")
    assert empty.status_code == 302
    assert "Choose one or more badge files" in html_of(owner, "/")[1].find("p", cls="flash").text()


def test_check_a_badge_again(owner: FlaskClient, web_store: Store, badge_ids: dict[str, str]) -> None:
    badge_id = badge_ids["Cloud Fundamentals"]
    before = web_store.get_badge(badge_id).checked_at
    csrf = csrf_of(html_of(owner, f"/badges/{badge_id}")[1])
    response = owner.post(f"/badges/{badge_id}/check", data={"csrf_token": csrf})
    assert response.status_code == 302
    after = web_store.get_badge(badge_id)
    assert after.checked_at is not None and after.checked_at >= (before or "") and after.status == "expired"
    assert html_of(owner, f"/badges/{badge_id}")[1].find("p", cls="flash").text() == "Checked again: Expired."


def test_an_empty_backpack_says_what_to_do(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    client = make_app(BACKPACK_HOME=str(tmp_path / "fresh"), OWNER_OPEN_ON_LOOPBACK=True).test_client()
    page = html_of(client, "/")[1]
    assert [p.text() for p in page.find_all("p", cls="empty")][0].startswith("No badges yet")
    assert page.find("input", type="file").attrs["name"] == "files"


def test_a_photo_of_an_issuers_offer_qr_code_redeems_it(owner: FlaskClient, web_store: Store) -> None:
    from issuer import qr_photo
    from receiving_issuer import LoopbackIssuer

    from wallet.settings import set_setting

    set_setting(web_store, "allow-private-network", "true")  # the test issuer listens on 127.0.0.1
    before = {r.id for r in web_store.list_badges()}
    csrf = csrf_of(html_of(owner, "/")[1])
    with LoopbackIssuer() as issuer:
        photo = qr_photo(issuer.offer(by_reference=True, tx_code="4921"))
        response = owner.post(
            "/import",
            data={"csrf_token": csrf, "tx_code": "4921", "files": [(io.BytesIO(photo), "offer.jpg")]},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        new = [r for r in web_store.list_badges() if r.id not in before]
        assert len(new) == 1 and new[0].status == "valid"  # received, checked, kept
        assert response.headers["Location"] == f"/badges/{new[0].id}"
        html_of(owner, response.headers["Location"])  # shows (and clears) its message

        # Without the PIN the offer asks for, nothing is kept and the page says why in one line.
        photo = qr_photo(issuer.offer(by_reference=True, tx_code="1234"))
        response = owner.post(
            "/import",
            data={"csrf_token": csrf, "files": [(io.BytesIO(photo), "offer.jpg")]},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302
        assert len(web_store.list_badges()) == len(before) + 1
        flashes = [p.text() for p in html_of(owner, response.headers["Location"])[1].find_all("p", cls="flash")]
        assert any("offer.jpg" in text and "PIN" in text for text in flashes), flashes
