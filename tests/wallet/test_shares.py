"""Share links (``wallet.shares``): unguessable tokens, what can be shared, expiry, revocation, the public base URL."""

from __future__ import annotations

import base64
import json
import re
import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from verifier import BadgeDisplay, CheckResult, Report
from wallet import badge_collections as collections
from wallet import exporting, shares
from wallet.demo import DEMO_IDENTITY, seed_demo
from wallet.errors import NotFound, WalletError
from wallet.store import Store, now_iso

TOKEN = re.compile(r"[A-Za-z0-9_-]{43,}")


@pytest.fixture(autouse=True)
def _no_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BACKPACK_PUBLIC_URL", raising=False)


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("shares-demo") / "home"
    assert seed_demo(Store(home)) == 8
    return home


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path) -> Store:
    """A copy of the demo backpack (8 verified badges) with a collection "Job profile" of three of them."""
    home = tmp_path / "demo-home"
    shutil.copytree(demo_template, home)
    store = Store(home)
    collections.create_collection(store, "Job profile", description="For recruiters")
    collections.add_badges(store, "Job profile", [ids(store)[n] for n in ("Python Foundations", "Git Essentials")])
    return store


def ids(store: Store) -> dict[str, str]:
    return {str(record.summary["name"]): record.id for record in store.list_badges()}


def test_tokens_are_256_bits_of_url_safe_randomness(demo: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int | None] = []
    real = shares.secrets.token_urlsafe

    def spy(nbytes: int | None = None) -> str:
        asked.append(nbytes)
        return real(nbytes)

    monkeypatch.setattr(shares.secrets, "token_urlsafe", spy)
    tokens = [shares.create_share(demo, "Job profile").token for _ in range(20)]
    # from `secrets`, 32 bytes = 256 bits (at least 128 are required); drawn again when one starts with "-"
    assert len(asked) >= 20 and set(asked) == {32}
    assert len(set(tokens)) == 20
    assert not any(token.startswith("-") for token in tokens)
    for token in tokens:
        assert TOKEN.fullmatch(token), token
        assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) == 32
    assert {s.token for s in shares.list_shares(demo)} == set(tokens)


def test_a_collection_is_shared_by_name_or_id(demo: Store) -> None:
    collection = collections.get_collection(demo, "Job profile")
    by_name = shares.create_share(demo, "  job   PROFILE ")
    by_id = shares.create_share(demo, collection.id[:6])
    for share in (by_name, by_id):
        assert (share.kind, share.target, share.label) == ("collection", collection.id, "Job profile")
        assert share.expires_at is None and share.revoked_at is None
        assert share.state() == "active"
        assert shares.find_share(demo, share.token) == share
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", by_name.created_at)


def test_a_single_badge_is_shared_by_id(demo: Store) -> None:
    badge = ids(demo)["Team Leadership"]
    share = shares.create_share(demo, badge[:5].upper())
    assert (share.kind, share.target, share.label) == ("badge", badge, "Team Leadership")
    assert shares.list_shares(demo) == [share]


@pytest.mark.parametrize("ref", ["No such collection", "ffffffffff", "zz"])
def test_sharing_something_unknown_raises_not_found(demo: Store, ref: str) -> None:
    with pytest.raises(NotFound) as raised:
        shares.create_share(demo, ref)
    assert "collection" in str(raised.value) and repr(ref) in str(raised.value)
    assert shares.list_shares(demo) == []


def test_expiry(demo: Store) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    share = shares.create_share(demo, "Job profile", expires_in=timedelta(days=90))
    assert share.expires_at is not None and share.expires_at.endswith("Z")
    expires = datetime.fromisoformat(share.expires_at.replace("Z", "+00:00"))
    assert before + timedelta(days=90) <= expires <= datetime.now(UTC) + timedelta(days=90)
    assert share.state() == "active"
    assert share.state(now=expires - timedelta(seconds=1)) == "active"
    assert share.state(now=expires) == "expired"
    assert share.state(now=expires + timedelta(days=1)) == "expired"
    for bad in (timedelta(0), timedelta(days=-1)):
        with pytest.raises(shares.ShareError, match="future"):
            shares.create_share(demo, "Job profile", expires_in=bad)
    assert issubclass(shares.ShareError, WalletError)
    assert len(shares.list_shares(demo)) == 1


def test_find_share_matches_whole_tokens_only(demo: Store) -> None:
    token = shares.create_share(demo, "Job profile").token
    assert shares.find_share(demo, token) is not None
    for wrong in ("", token[:20], token + "x", token.swapcase(), "x" * 200):
        assert shares.find_share(demo, wrong) is None, wrong


def test_revoke_by_url_token_or_what_is_shared(demo: Store) -> None:
    badge = ids(demo)["Git Essentials"]
    by_url, by_token, label_1, label_2, by_target = (
        shares.create_share(demo, "Job profile"),
        shares.create_share(demo, "Job profile"),
        shares.create_share(demo, "Job profile"),
        shares.create_share(demo, "Job profile"),
        shares.create_share(demo, badge),
    )

    (revoked,) = shares.revoke_share(demo, shares.share_url(demo, by_url) + "/")
    assert revoked.token == by_url.token and revoked.state() == "revoked" and revoked.revoked_at
    (revoked,) = shares.revoke_share(demo, by_token.token)
    assert revoked.token == by_token.token
    # By what is shared: every share of it that is still active.
    revoked_by_label = shares.revoke_share(demo, "JOB PROFILE")
    assert {s.token for s in revoked_by_label} == {label_1.token, label_2.token}
    (revoked,) = shares.revoke_share(demo, badge[:6])
    assert revoked.token == by_target.token

    states = {s.token: s.state() for s in shares.list_shares(demo)}
    assert set(states.values()) == {"revoked"} and len(states) == 5  # revoked shares are kept, switched off
    with pytest.raises(NotFound):
        shares.revoke_share(demo, "Job profile")  # nothing active left to revoke
    with pytest.raises(NotFound):
        shares.revoke_share(demo, "http://127.0.0.1:8000/s/" + "A" * 43)


def test_revoked_wins_over_expired(demo: Store) -> None:
    share = shares.create_share(demo, "Job profile", expires_in=timedelta(days=1))
    (revoked,) = shares.revoke_share(demo, share.token)
    assert revoked.state(now=datetime.now(UTC) + timedelta(days=2)) == "revoked"
    found = shares.find_share(demo, share.token)
    assert found is not None and found.state() == "revoked"


def test_public_url_from_the_environment_or_the_setting(demo: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    share = shares.create_share(demo, "Job profile")
    assert shares.public_url(demo) == shares.DEFAULT_PUBLIC_URL == "http://127.0.0.1:8000"
    assert shares.public_url() == shares.DEFAULT_PUBLIC_URL
    assert shares.share_url(demo, share) == f"http://127.0.0.1:8000/s/{share.token}"

    demo.set_setting("public_url", "https://me.example.net/badges/")
    assert shares.share_url(demo, share) == f"https://me.example.net/badges/s/{share.token}"

    monkeypatch.setenv("BACKPACK_PUBLIC_URL", " https://badges.example.org/ ")
    assert shares.public_url(demo) == shares.public_url() == "https://badges.example.org"
    assert shares.share_url(demo, share) == f"https://badges.example.org/s/{share.token}"

    monkeypatch.setenv("BACKPACK_PUBLIC_URL", "  ")  # blank: as if unset
    assert shares.public_url(demo) == "https://me.example.net/badges"
    # A backpack that does not exist yet is not created by asking.
    missing = Store(demo.home.parent / "nowhere")
    assert shares.public_url(missing) == shares.DEFAULT_PUBLIC_URL and not missing.exists()


def test_active_share_for_badge_is_the_newest_active_one(demo: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    badge = ids(demo)["Python Foundations"]
    assert shares.active_share_for_badge(demo, badge) is None
    shares.create_share(demo, "Job profile")  # a collection holding the badge is not the badge's own page
    assert shares.active_share_for_badge(demo, badge) is None

    stamps = iter(["2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z", "2026-02-01T00:00:00Z", "2026-04-01T00:00:00Z"])
    monkeypatch.setattr(shares, "now_iso", lambda: next(stamps))
    january, march, february = (shares.create_share(demo, badge) for _ in range(3))
    shares.create_share(demo, ids(demo)["Git Essentials"])  # newer, but another badge
    monkeypatch.setattr(shares, "now_iso", now_iso)
    assert shares.active_share_for_badge(demo, badge) == march
    shares.revoke_share(demo, march.token)
    assert shares.active_share_for_badge(demo, badge) == february
    with demo.transaction(write=True) as db:  # february's link runs out
        db.update("shares", {"expires_at": "2020-01-01T00:00:00Z"}, token=february.token)
    assert shares.active_share_for_badge(demo, badge) == january
    shares.revoke_share(demo, january.token)
    assert shares.active_share_for_badge(demo, badge) is None


def test_the_card_s_verification_link_becomes_the_badge_s_share_page(
    demo: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = demo.get_badge(ids(demo)["Python Foundations"])
    hosted = "https://badges.open-learning-lab.example/assertions/python-foundations.json"
    assert exporting.verification_link(demo, record) == hosted

    shares.create_share(demo, "Job profile")  # sharing a collection does not change the card
    assert exporting.verification_link(demo, record) == hosted

    monkeypatch.setenv("BACKPACK_PUBLIC_URL", "https://badges.example.org")
    share = shares.create_share(demo, record.id)
    assert exporting.verification_link(demo, record) == f"https://badges.example.org/s/{share.token}"
    card = exporting.card_image(demo, record)
    assert card.link == f"https://badges.example.org/s/{share.token}"

    shares.revoke_share(demo, share.token)
    assert exporting.verification_link(demo, record) == hosted


def test_a_token_never_starts_with_a_dash(demo: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter(["-leading-dash-" + "a" * 29, "b" * 43])
    monkeypatch.setattr(shares.secrets, "token_urlsafe", lambda nbytes=None: next(draws))
    assert shares.create_share(demo, "Job profile").token == "b" * 43


# -- what a share page shows (public_badge, public_report) -------------------------------------------------------------


def test_the_public_view_of_a_badge_never_holds_the_earners_identity(demo: Store) -> None:
    record = demo.get_badge(ids(demo)["Python Foundations"])
    assert DEMO_IDENTITY in json.dumps(record.to_dict())  # the earner's email is in the stored summary and report
    badge = shares.public_badge(record)
    assert DEMO_IDENTITY not in repr(badge)
    assert not hasattr(badge, "recipient")
    assert badge.report is not None and badge.report.badge.recipient is None
    recipient = badge.report.check("recipient")
    assert recipient is not None and recipient.outcome == "passed"
    # What binds it to the holder, in plain words: the demo badge names a hashed e-mail address.
    assert recipient.message == (
        "issued to a hashed e-mail address: ask the candidate for it, then check it on the verify page"
    )
    # What the public may see is all there.
    assert (badge.id, badge.title, badge.status) == (record.id, "Python Foundations", "valid")
    assert badge.issuer_name == record.info.issuer_name and badge.issued == record.info.issued_date
    assert badge.checked_at == record.checked_at and badge.image_type == record.source.media_type
    # The stored record is untouched.
    assert demo.get_badge(record.id) == record and record.report is not None
    assert record.report.badge.recipient is not None and DEMO_IDENTITY in json.dumps(record.verification)


def test_public_report_redacts_every_badge_of_a_bundle() -> None:
    inner = Report(source="inner", checked_at="2026-01-01T00:00:00Z", badge=BadgeDisplay(recipient="me@example.org"))
    inner.add("recipient", "failed", "issued to other@example.org, not to me@example.org")
    outer = Report(source="bundle", checked_at="2026-01-01T00:00:00Z", items=[inner])
    outer.add("recipient", "skipped", "a bundle names no recipient")
    public = shares.public_report(outer)
    assert "example.org" not in json.dumps(public.to_dict())
    assert public.items[0].checks[0].message == "issued to someone other than this portfolio's holder"
    assert public.checks[0].message == "the recipient was not checked"
    assert inner.badge.recipient == "me@example.org"  # a copy: the report given stays as it was


def test_a_photo_of_a_printed_card_is_never_the_public_picture(demo: Store) -> None:
    record = demo.get_badge(ids(demo)["Python Foundations"])
    photo = replace(record, source=replace(record.source, container="image", media_type="image/jpeg"))
    assert shares.public_badge(photo).image_type is None
    not_an_image = replace(record, source=replace(record.source, container="json", media_type="application/json"))
    assert shares.public_badge(not_an_image).image_type is None


def test_an_unnamed_unchecked_badge_is_shown_neutrally(demo: Store) -> None:
    record = demo.get_badge(ids(demo)["Python Foundations"])
    bare = replace(record, summary={**record.summary, "name": None}, verification=None)
    badge = shares.public_badge(bare)
    assert (badge.title, badge.status, badge.report, badge.checked_at) == ("Open Badge", "unchecked", None, None)


def test_a_hosts_public_report_says_whether_the_badge_is_the_holders() -> None:
    holder_did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    mine = Report(source="a", checked_at="2026-01-01T00:00:00Z", badge=BadgeDisplay(recipient=f"{holder_did}#key-1"))
    by_email = Report(source="b", checked_at="2026-01-01T00:00:00Z", badge=BadgeDisplay(recipient="me@example.org"))
    by_email.add("recipient", "skipped", "no recipient to compare with me@example.org")
    public_mine = shares.public_report(mine, holder_did=holder_did)
    public_email = shares.public_report(by_email, holder_did=holder_did)
    assert public_mine.check("recipient") == CheckResult(
        "recipient", "passed", "issued to the holder of this page's key (the portfolio on this page is signed with it)"
    )
    assert public_email.check("recipient") == CheckResult(
        "recipient",
        "skipped",
        "issued to an e-mail address (not shown here): ask the candidate for it, then check it on the verify page",
    )
    assert "example.org" not in json.dumps(public_email.to_dict()) and public_mine.badge.recipient is None
    # Redacting again (a share page reading what a host stored) keeps the host's words.
    assert shares.public_report(public_mine) == public_mine


def test_the_public_view_of_a_badge_known_by_its_report_only() -> None:
    report = Report(
        source="hosted",
        checked_at="2026-01-01T00:00:00Z",
        badge=BadgeDisplay(
            name="Welding",
            issuer_name="Open Robotics Lab",
            recipient="me@example.org",
            issued_on="2025-03-04T10:00:00Z",
            image="data:image/png;base64,iVBORw0KGgo=",
        ),
    )
    report.add("recipient", "passed", "issued to me@example.org")
    badge = shares.public_badge_from_report("3", report, checked_at="2026-02-01T00:00:00+00:00")
    assert (badge.id, badge.title, badge.issued, badge.checked_at) == (
        "3",
        "Welding",
        "2025-03-04",
        "2026-02-01T00:00:00+00:00",
    )
    assert badge.image_type == "image/png" and "example.org" not in repr(badge)
    assert shares.public_image_type("https://issuer.example/badge.svg") == "image/svg+xml"
    assert shares.public_image_type("https://issuer.example/badge") == "image/*"
    assert shares.public_image_type("data:text/html,<script>") is None
    assert shares.public_image_type("file:///etc/passwd") is None


HOLDER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
ASK = "ask the candidate for it, then check it on the verify page"
KEY = "issued to the holder of this page's key (the portfolio on this page is signed with it)"
OTHER_DID = "issued to a DID other than this page's key: ask the candidate to prove it is theirs"


@pytest.mark.parametrize(
    ("recipient", "outcome", "words"),
    [
        (f"{HOLDER}#key-1", "failed", KEY),
        ("did:web:someone.example", "passed", OTHER_DID),
        ("hashed email", "passed", f"issued to a hashed e-mail address: {ASK}"),
        ("hashed emailAddress", "passed", f"issued to a hashed e-mail address: {ASK}"),
        ("hashed url", "passed", f"issued to a hashed web address: {ASK}"),
        ("hashed phoneNumber", "passed", f"issued to a hashed phone number: {ASK}"),
        ("hashed sourcedId", "passed", f"issued to a hashed identifier: {ASK}"),
        ("ada@example.org", "passed", f"issued to an e-mail address (not shown here): {ASK}"),
        ("https://ada.example.org/", "passed", f"issued to a web address (not shown here): {ASK}"),
        ("ada@example.org", "failed", "issued to someone other than this portfolio's holder"),
        ("ada@example.org", "warning", "the recipient was not checked"),
    ],
)
def test_a_share_page_says_what_binds_each_badge_to_its_holder(recipient: str, outcome: str, words: str) -> None:
    report = Report(source="s", checked_at="2026-01-01T00:00:00Z", badge=BadgeDisplay(recipient=recipient))
    report.add("recipient", outcome, f"technical words about {recipient}")  # type: ignore[arg-type]
    assert shares.holder_binding(report, holder_did=HOLDER) == words
    public = shares.public_report(report, holder_did=HOLDER, proven=False)
    check = public.check("recipient")
    assert check is not None and check.message == words
    assert public.badge.recipient is None and "technical words" not in json.dumps(public.to_dict())
    assert recipient.startswith(("hashed ", HOLDER)) or recipient not in json.dumps(public.to_dict())
    assert shares.public_report(public) == public  # redacting again keeps the words


def test_the_share_page_of_a_badge_issued_to_the_backpacks_key_says_so(demo: Store) -> None:
    from wallet.holder import holder

    record = demo.get_badge(ids(demo)["Python Foundations"])
    assert record.report is not None
    did = holder(demo).did
    mine = replace(record.report, badge=replace(record.report.badge, recipient=did))
    record = replace(record, verification=mine.to_dict())
    check = shares.public_badge(record, holder_did=did).report.check("recipient")  # type: ignore[union-attr]
    assert check is not None and check.outcome == "passed" and "this page's key" in check.message
