"""The recruiter's flow end to end: a printed card's QR code points at the badge's share page; a photo of it given
to the verifier fetches the page as a machine (Accept: application/ld+json), gets the signed bundle, verifies it."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from verifier import FetchPolicy, VerifierPolicy, extract, verify
from wallet import exporting, shares
from wallet.demo import seed_demo
from wallet.store import Store
from webview import create_app


@pytest.fixture
def served_home(tmp_path: Path) -> Iterator[tuple[Store, str]]:
    store = Store(tmp_path / "home")
    seed_demo(store)
    app = create_app({"BACKPACK_HOME": str(store.home), "SECRET_KEY": "test"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    store.set_setting("public_url", base)
    try:
        yield store, base
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _badge(store: Store, name: str) -> str:
    return next(r.id for r in store.list_badges() if r.summary.get("name") == name)


def test_a_photo_of_a_printed_card_verifies_through_the_share_page(served_home: tuple[Store, str]) -> None:
    store, base = served_home
    badge_id = _badge(store, "Git Essentials")
    share = shares.create_share(store, badge_id)
    record = store.get_badge(badge_id)
    card = exporting.card_image(store, record)
    assert card.link == f"{base}/s/{share.token}"  # the card points at the badge's page once it is shared

    photo = io.BytesIO()
    card.image.convert("RGB").rotate(2, expand=True, fillcolor="white").save(photo, "JPEG", quality=80)
    assert extract(photo.getvalue()).payload.text == card.link

    policy = VerifierPolicy(fetch=FetchPolicy(allow_private_network=True))
    report = verify(photo.getvalue(), policy=policy)
    assert report.format == "bundle"
    assert report.check("holder").outcome == "passed"  # type: ignore[union-attr]
    assert [item.badge.name for item in report.items] == ["Git Essentials"]
    assert report.status == "valid", [c for item in report.items for c in item.checks]


def test_a_revoked_share_no_longer_verifies(served_home: tuple[Store, str]) -> None:
    store, _base = served_home
    share = shares.create_share(store, _badge(store, "Git Essentials"))
    url = shares.share_url(store, share)
    shares.revoke_share(store, share.token)
    report = verify(url, policy=VerifierPolicy(fetch=FetchPolicy(allow_private_network=True)))
    # The page answers 410 Gone with a problem document: the holder withdrew the link, no issuer revoked anything.
    assert report.status == "unverifiable"
    assert report.check("revocation") is None
    message = report.check("fetched").message  # type: ignore[union-attr]
    assert "withdrawn by its holder" in message and "revoked" not in message
