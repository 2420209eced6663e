"""Publishing without a host (``wallet.static_site``): the folder's files, its signed bundle, its page (escaped, no
earner email, no script), zip archives, and what it refuses to overwrite."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import hostile_web
import pytest
from ob3_issuer import EARNER_EMAIL, OB3Issuer, ed25519_key

from verifier import FetchPolicy, NoBadgeFound, VerifierPolicy, extract, verify
from wallet import badge_collections as collections
from wallet.demo import DEMO_IDENTITY
from wallet.importer import LoadedSource, import_bytes
from wallet.static_site import MARKER, StaticSiteError, check_link, write_static_portfolio
from wallet.store import Store

OFFLINE = FetchPolicy(offline=True)
XSS = '<script>alert("x")</script><img src=x onerror=alert(2)>'
CHECK = "https://host.example/verify"
PAGE = "https://ada.github.io/badges"


def _issue(store: Store, slug: str, *, name: str = "Robotics Badge", **options: Any) -> str:
    issuer = OB3Issuer.did_key(ed25519_key("static-site-issuer"), name=options.pop("issuer_name", "Robotics Lab"))
    credential = issuer.credential(slug, name=name, **options)
    credential["credentialSubject"]["achievement"].update(name=name, description=options.get("description", name))
    signed = issuer.sign(credential)
    [(record, _created)] = import_bytes(store, LoadedSource(kind="text", ref=slug, data=json.dumps(signed).encode()))
    return record.id


@pytest.fixture
def ob3_store(store: Store) -> Store:
    """A backpack whose collection "Robotics" holds two OB 3.0 badges issued (hashed) to the earner's email."""
    store.add_identity("email", EARNER_EMAIL)
    ids = [_issue(store, "robot-1"), _issue(store, "robot-2", name="Soldering")]
    collections.create_collection(store, "Robotics", description="What I built")
    collections.add_badges(store, "Robotics", ids)
    return store


@pytest.fixture
def demo_collection(demo: Store) -> Store:
    """The demo backpack (its identity ada.lovelace@example.com) with a collection "Everything" of its 8 badges."""
    collections.create_collection(demo, "Everything")
    collections.add_badges(demo, "Everything", [r.id for r in demo.list_badges()])
    return demo


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_folder_holds_the_page_the_bundle_the_images_and_the_marker(ob3_store: Store, tmp_path: Path) -> None:
    site = write_static_portfolio(ob3_store, "robotics", tmp_path / "site", check_url=CHECK, fetch_policy=OFFLINE)
    assert site == tmp_path / "site"
    files = _files(site)
    ids = [r.id for r in ob3_store.list_badges()]
    assert set(files) == {"index.html", "bundle.jsonld", "style.css", "favicon.svg", MARKER}  # text imports: no image
    assert "qr.svg" not in files  # the page's address is not known
    marker = json.loads(files[MARKER])
    assert marker["files"] == sorted(set(files) - {MARKER})
    html = files["index.html"].decode()
    assert "<script" not in html  # no JavaScript: the page works on any static host, and with scripts off
    assert 'href="style.css"' in html and 'href="bundle.jsonld"' in html
    assert html.count('<article class="badge"') == 2 and all(f'id="badge-{i}"' in html for i in ids)
    assert html.count("Verified</strong>") == 2
    checked = re.findall(r"last verified (\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d) UTC", html)
    assert len(checked) >= 2  # each badge says when it was checked (an absolute time: the page is read later)
    # Without the page's address the check link opens the verify page, which the visitor gives the bundle.
    assert html.count(f'<a href="{CHECK}" rel="noopener" aria-label="Check') == 2
    assert "upload the signed portfolio you downloaded" in html


def test_the_bundle_is_the_holder_signed_portfolio_and_verifies(ob3_store: Store, tmp_path: Path) -> None:
    site = write_static_portfolio(ob3_store, "Robotics", tmp_path / "site", check_url=None, fetch_policy=OFFLINE)
    data = (site / "bundle.jsonld").read_bytes()
    report = verify(data, policy=VerifierPolicy(fetch=OFFLINE))
    assert report.format == "bundle"
    assert report.status == "valid", [(c.id, c.outcome, c.message) for c in report.checks]
    assert report.check("holder").outcome == "passed"
    assert [item.status for item in report.items] == ["valid", "valid"]
    tampered = json.loads(data)
    tampered["name"] = "Someone else's"
    assert verify(json.dumps(tampered), policy=VerifierPolicy(fetch=OFFLINE)).status == "invalid"
    assert "Check it now" not in (site / "index.html").read_text()  # no verify page given: no link


def test_hostile_badge_names_are_escaped(store: Store, tmp_path: Path) -> None:
    badge = _issue(store, "hostile", name=XSS, issuer_name=XSS, description=XSS)
    collections.create_collection(store, XSS, description=XSS)
    collections.add_badges(store, XSS, [badge])
    site = write_static_portfolio(store, XSS, tmp_path / "site", check_url=CHECK, fetch_policy=OFFLINE, page_url=PAGE)
    html = (site / "index.html").read_text()
    assert "<script" not in html and "<img src=x" not in html
    assert html.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") >= 4  # title, heading, issuer, description
    assert "&lt;img src=x onerror=alert(2)&gt;" in html


def test_with_the_page_address_there_is_a_qr_code_previews_and_a_live_check_link(
    demo_collection: Store, tmp_path: Path
) -> None:
    site = write_static_portfolio(
        demo_collection, "Everything", tmp_path / "site", check_url=CHECK, fetch_policy=OFFLINE, page_url=PAGE
    )
    files = _files(site)
    assert files["qr.svg"].startswith(b"<?xml") and b"<svg" in files["qr.svg"]
    html = files["index.html"].decode()
    link = f"{CHECK}?url={quote(PAGE + '/bundle.jsonld', safe='')}"
    assert html.count(f'href="{link}"') >= 8  # one per badge, and the page's own
    assert f'<meta property="og:url" content="{PAGE}/">' in html
    assert re.search(rf'<meta property="og:image" content="{re.escape(PAGE)}/images/[0-9a-f]+\.png">', html)
    assert '<img class="qr" src="qr.svg"' in html
    # Baked pictures are re-encoded: the page's images carry no badge (and so no recipient, hashed or not).
    images = [name for name in files if name.startswith("images/")]
    assert len(images) == 7  # the eighth demo badge is a photo of a QR code: never published as a picture
    for name in images:
        assert files[name].startswith(b"\x89PNG")
        with pytest.raises(NoBadgeFound):
            extract(files[name])
    assert "upload the signed portfolio" not in html


def test_check_links_follow_the_verifier_s_form() -> None:
    bundle = "https://ada.github.io/badges/bundle.jsonld"
    encoded = quote(bundle, safe="")
    assert check_link("https://host.example/verify", bundle) == f"https://host.example/verify?url={encoded}"
    assert check_link("https://v.example/check?lang=en", bundle) == f"https://v.example/check?lang=en&url={encoded}"
    assert check_link("https://v.example/#verify?vc={url}", bundle) == f"https://v.example/#verify?vc={encoded}"
    assert check_link("https://host.example/verify", None) == "https://host.example/verify"


def test_no_earner_email_appears_anywhere_in_the_output(demo_collection: Store, tmp_path: Path) -> None:
    folder = write_static_portfolio(
        demo_collection, "Everything", tmp_path / "site", check_url=CHECK, fetch_policy=OFFLINE, page_url=PAGE
    )
    archive = write_static_portfolio(
        demo_collection, "Everything", tmp_path / "site.zip", check_url=CHECK, fetch_policy=OFFLINE
    )
    with zipfile.ZipFile(archive) as opened:
        zipped = {name: opened.read(name) for name in opened.namelist()}
    for name, data in [*_files(folder).items(), *zipped.items()]:
        assert DEMO_IDENTITY.encode() not in data.lower(), name
        assert quote(DEMO_IDENTITY, safe="").encode() not in data, name
        assert b"ada.lovelace" not in data, name


def test_a_credential_with_the_earner_s_email_in_clear_is_refused(ob3_store: Store, tmp_path: Path) -> None:
    clear = _issue(ob3_store, "clear", name="Unhashed", hashed=False)
    collections.add_badges(ob3_store, "Robotics", [clear])
    with pytest.raises(StaticSiteError, match=r"bundle\.jsonld: .*email address of yours in clear"):
        write_static_portfolio(ob3_store, "Robotics", tmp_path / "site", check_url=CHECK, fetch_policy=OFFLINE)
    assert not (tmp_path / "site").exists()  # nothing was written


def test_zip_output_holds_the_same_files(ob3_store: Store, tmp_path: Path) -> None:
    target = tmp_path / "portfolio.zip"
    written = write_static_portfolio(
        ob3_store, "robotics", target, check_url=CHECK, fetch_policy=OFFLINE, page_url=PAGE
    )
    assert written == target
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        html = archive.read("index.html").decode()
        bundle = archive.read("bundle.jsonld")
    assert names == {"index.html", "bundle.jsonld", "style.css", "favicon.svg", "qr.svg", MARKER}
    assert "Robotics" in html
    assert verify(bundle, policy=VerifierPolicy(fetch=OFFLINE)).check("holder").outcome == "passed"
    # An archive written here before is replaced; any other file is not.
    write_static_portfolio(ob3_store, "robotics", target, check_url=None, fetch_policy=OFFLINE)
    with zipfile.ZipFile(target) as archive:
        assert "qr.svg" not in archive.namelist()
    other = tmp_path / "other.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("thesis.pdf", b"%PDF")
    other.write_bytes(buffer.getvalue())
    with pytest.raises(StaticSiteError, match="was not written by"):
        write_static_portfolio(ob3_store, "robotics", other, check_url=None, fetch_policy=OFFLINE)
    assert zipfile.ZipFile(other).namelist() == ["thesis.pdf"]
    with pytest.raises(StaticSiteError, match="does not exist"):
        write_static_portfolio(
            ob3_store, "robotics", tmp_path / "nowhere" / "p.zip", check_url=None, fetch_policy=OFFLINE
        )


def test_a_folder_it_did_not_write_is_refused_and_left_alone(ob3_store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "public_html"
    folder.mkdir()
    (folder / "index.html").write_text("my home page")
    with pytest.raises(StaticSiteError, match="is not empty and was not written by"):
        write_static_portfolio(ob3_store, "robotics", folder, check_url=CHECK, fetch_policy=OFFLINE)
    assert _files(folder) == {"index.html": b"my home page"}
    (folder / MARKER).write_text('{"generator": "something else"}')  # a marker must be ours
    with pytest.raises(StaticSiteError, match="was not written by"):
        write_static_portfolio(ob3_store, "robotics", folder, check_url=CHECK, fetch_policy=OFFLINE)
    afile = tmp_path / "notes.txt"
    afile.write_text("x")
    with pytest.raises(StaticSiteError, match="is not a folder"):
        write_static_portfolio(ob3_store, "robotics", afile, check_url=CHECK, fetch_policy=OFFLINE)
    with pytest.raises(StaticSiteError, match="http"):
        write_static_portfolio(
            ob3_store, "robotics", tmp_path / "a", check_url="javascript:alert(1)", fetch_policy=OFFLINE
        )
    with pytest.raises(StaticSiteError, match="http"):
        write_static_portfolio(
            ob3_store, "robotics", tmp_path / "b", check_url=None, fetch_policy=OFFLINE, page_url="x"
        )
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_a_folder_it_wrote_is_updated_and_other_files_are_kept(demo_collection: Store, tmp_path: Path) -> None:
    folder = tmp_path / "site"
    write_static_portfolio(demo_collection, "Everything", folder, check_url=CHECK, fetch_policy=OFFLINE)
    (folder / "CNAME").write_text("badges.ada.example")  # the holder's own file, e.g. for GitHub Pages
    before = {name for name in _files(folder) if name.startswith("images/")}
    dropped = next(iter(sorted(before))).removeprefix("images/").removesuffix(".png")
    collections.remove_badges(demo_collection, "Everything", [dropped])
    write_static_portfolio(demo_collection, "Everything", folder, check_url=CHECK, fetch_policy=OFFLINE, page_url=PAGE)
    after = _files(folder)
    assert after["CNAME"] == b"badges.ada.example"
    assert f"images/{dropped}.png" not in after  # it wrote that picture, for a badge no longer shown
    assert {n for n in after if n.startswith("images/")} == before - {f"images/{dropped}.png"}
    assert "qr.svg" in after and dropped not in after["index.html"].decode()
    assert json.loads(after[MARKER])["files"] == sorted(set(after) - {MARKER, "CNAME"})


@pytest.mark.parametrize("index", range(len(hostile_web.XSS)))
def test_the_xss_corpus_is_inert_in_the_static_page(store: Store, tmp_path: Path, index: int) -> None:
    text = hostile_web.XSS[index]
    url = hostile_web.XSS_URLS[index % len(hostile_web.XSS_URLS)]
    badge = _issue(store, f"xss-{index}", name=text, issuer_name=text, description=text, image={"id": url})
    collections.create_collection(store, f"c{index}", description=text)
    collections.add_badges(store, f"c{index}", [badge])
    site = write_static_portfolio(
        store, f"c{index}", tmp_path / "s", check_url=CHECK, fetch_policy=OFFLINE, page_url=PAGE
    )
    hostile_web.assert_inert((site / "index.html").read_text(), shown=(text,))
