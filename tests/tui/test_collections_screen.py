"""The collections screen, driven with the keyboard alone: create, add, reorder, export, share, unshare, delete."""

from __future__ import annotations

import asyncio
import json
import zipfile
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, OptionList, Static

from verifier import FetchPolicy, VerifierPolicy, verify
from wallet import badge_collections as collections
from wallet import shares
from wallet.badge_collections import delete_collection
from wallet.cache import StoreResponseCache
from wallet.demo import DEMO_COLLECTION, seed_demo
from wallet.store import Store
from wallet.tui import BackpackApp, make_app
from wallet.tui.dialogs.choose import ChooseDialog
from wallet.tui.dialogs.confirm import ConfirmDialog
from wallet.tui.dialogs.share_dialog import ShareDialog, qr_text
from wallet.tui.dialogs.text_input import TextInputDialog
from wallet.tui.screens.collections import CollectionsScreen
from wallet.tui.screens.home import HomeScreen

SIZE = (120, 36)
Scenario = Callable[[BackpackApp, Pilot[None]], Awaitable[None]]


@pytest.fixture
def demo(store: Store) -> Store:
    seed_demo(store)
    delete_collection(store, DEMO_COLLECTION)  # these tests start from no collection
    return store


def drive(store: Store, scenario: Scenario) -> None:
    async def main() -> None:
        app = make_app(store, fetch_policy=FetchPolicy(offline=True))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await scenario(app, pilot)

    asyncio.run(main())


async def type_text(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*("space" if char == " " else char for char in text))


async def open_collections(app: BackpackApp, pilot: Pilot[None]) -> CollectionsScreen:
    assert isinstance(app.screen, HomeScreen)
    await pilot.press("c")
    await pilot.pause()
    assert isinstance(app.screen, CollectionsScreen)
    return app.screen


async def create_with_badges(app: BackpackApp, pilot: Pilot[None], name: str, count: int = 3) -> collections.Collection:
    """n, the name, Enter; then a + Enter ``count`` times (each time the first badge not in it yet, by name)."""
    await pilot.press("n")
    assert isinstance(app.screen, TextInputDialog)
    await type_text(pilot, name)
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, CollectionsScreen)
    for _ in range(count):
        await pilot.press("a")
        assert isinstance(app.screen, ChooseDialog)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CollectionsScreen)
    return collections.get_collection(app.store, name)


def badge_names(store: Store, collection: collections.Collection) -> list[str]:
    return [store.get_badge(b).summary["name"] for b in collection.badge_ids]


def test_create_add_reorder_take_out_and_rename(demo: Store) -> None:
    async def scenario(app: BackpackApp, pilot: Pilot[None]) -> None:
        screen = await open_collections(app, pilot)
        assert "No collections yet" in str(screen.query_one("#coll-empty", Static).content)
        created = await create_with_badges(app, pilot, "Job profile")
        first, second, third = created.badge_ids
        assert badge_names(demo, created) == ["Accessible Web Design", "Cloud Fundamentals", "Community Mentor"]
        listing = screen.query_one("#coll-list", OptionList)
        assert listing.option_count == 1
        assert str(listing.get_option_at_index(0).prompt).endswith("1 of 3 earned · 1 expired · 1 revoked")

        # Tab to the badges: the cursor is on the badge added last; move it up twice, then down once.
        await pilot.press("tab")
        table = screen.query_one("#coll-badges", DataTable)
        assert app.focused is table and table.cursor_row == 2
        await pilot.press("K")
        assert collections.get_collection(demo, "Job profile").badge_ids == [first, third, second]
        assert table.cursor_row == 1 and screen.selected_badge_id() == third
        await pilot.press("ctrl+up")
        assert collections.get_collection(demo, "Job profile").badge_ids == [third, first, second]
        assert table.cursor_row == 0 and screen.selected_badge_id() == third
        await pilot.press("ctrl+up")  # already first: nothing moves
        assert collections.get_collection(demo, "Job profile").badge_ids == [third, first, second]
        await pilot.press("J", "ctrl+down")
        assert collections.get_collection(demo, "Job profile").badge_ids == [first, second, third]
        assert table.cursor_row == 2 and screen.selected_badge_id() == third
        assert [str(table.get_row_at(i)[0]) for i in range(3)] == ["1", "2", "3"]

        # x takes the highlighted badge out (it stays in the backpack); the cursor stays in place.
        await pilot.press("up", "x")
        await pilot.pause()
        assert collections.get_collection(demo, "Job profile").badge_ids == [first, third]
        assert demo.get_badge(second).id == second
        assert screen.selected_badge_id() == third

        # Back to the list with shift+tab, rename with e (the old name is the default: clear it first).
        await pilot.press("shift+tab", "e")
        assert isinstance(app.screen, TextInputDialog)
        await pilot.press("end", *["backspace"] * len("Job profile"))
        await type_text(pilot, "Learning path")
        await pilot.press("enter")
        await pilot.pause()
        assert [c.name for c in collections.list_collections(demo)] == ["Learning path"]
        assert "Learning path" in str(listing.get_option_at_index(0).prompt)

        # Esc goes back home.
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)

    drive(demo, scenario)


def test_export_a_bundle_that_verifies(demo: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    monkeypatch.chdir(exports)

    async def scenario(app: BackpackApp, pilot: Pilot[None]) -> None:
        await open_collections(app, pilot)
        await create_with_badges(app, pilot, "Job profile")
        await pilot.press("b")
        dialog = app.screen
        assert isinstance(dialog, TextInputDialog)
        assert dialog.value == str(exports / "job-profile.jsonld")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, CollectionsScreen)
        assert any(f"Wrote {exports / 'job-profile.jsonld'}" in n.message for n in app._notifications)

        # i: baked images into a zip; p: the printable cards PDF (both in the current folder by default).
        await pilot.press("i", "enter")
        await app.workers.wait_for_complete()
        await pilot.press("p", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()

    drive(demo, scenario)
    bundle_path = exports / "job-profile.jsonld"
    assert bundle_path.is_file()
    report = verify(
        bundle_path.read_text("utf-8"),
        policy=VerifierPolicy(fetch=FetchPolicy(offline=True)),
        cache=StoreResponseCache(demo),
    )
    assert report.format == "bundle"
    holder = report.check("holder")
    assert holder is not None and holder.outcome == "passed", report.checks
    assert json.loads(bundle_path.read_text("utf-8"))["name"] == "Job profile"
    assert len(report.items) == 3

    with zipfile.ZipFile(exports / "job-profile.zip") as archive:
        assert [name[:3] for name in archive.namelist()] == ["01-", "02-", "03-"]
    assert (exports / "job-profile-cards.pdf").read_bytes().startswith(b"%PDF")


def test_share_unshare_and_delete(demo: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BACKPACK_PUBLIC_URL", raising=False)

    def active() -> list[shares.Share]:
        return [s for s in shares.list_shares(demo) if s.state() == "active"]

    async def scenario(app: BackpackApp, pilot: Pilot[None]) -> None:
        screen = await open_collections(app, pilot)
        created = await create_with_badges(app, pilot, "Job profile", 1)

        # s shares: a share of the collection exists and the dialog shows its URL, a QR code and the local note.
        await pilot.press("s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ShareDialog)
        [share] = active()
        assert (share.kind, share.target) == ("collection", created.id)
        url = shares.share_url(demo, share)
        assert url.startswith(shares.DEFAULT_PUBLIC_URL + "/s/")
        assert str(dialog.query_one("#share-url", Static).content) == url
        assert dialog.query_one("#share-qr", Static).content == qr_text(url)
        assert "backpack serve" in str(dialog.query_one("#share-note", Static).content)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CollectionsScreen)
        assert url in str(screen.query_one("#coll-heading", Static).content)

        # s again shows the same share (no second link).
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ShareDialog) and app.screen.url == url
        await pilot.press("escape")
        assert len(shares.list_shares(demo)) == 1

        # u unshares after confirmation: n keeps it, y revokes it.
        await pilot.press("u")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        assert [s.token for s in active()] == [share.token]
        await pilot.press("u")
        await pilot.press("y")
        await pilot.pause()
        assert active() == []
        assert shares.find_share(demo, share.token).state() == "revoked"  # type: ignore[union-attr]

        # A new share, revoked from the dialog's Unshare button (Tab to it, Enter).
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ShareDialog)
        [again] = active()
        assert again.token != share.token
        await pilot.press("tab", "enter")
        await pilot.pause()
        assert isinstance(app.screen, CollectionsScreen)
        assert active() == []

        # d deletes after confirmation: Enter on the focused Cancel keeps it, y deletes it.
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")
        await pilot.pause()
        assert [c.name for c in collections.list_collections(demo)] == ["Job profile"]
        await pilot.press("d", "y")
        await pilot.pause()
        assert collections.list_collections(demo) == []
        assert len(demo.list_badges()) == 8  # the badges stay
        assert screen.query_one("#coll-list", OptionList).option_count == 0

    drive(demo, scenario)


def test_the_terminal_qr_code_scans_back_to_the_url() -> None:
    from PIL import Image

    from verifier._qr import scan_qr_codes

    url = "http://127.0.0.1:8000/s/abcDEF123_-xyz"
    lines = qr_text(url).plain.split("\n")
    image = Image.new("L", (len(lines[0]), 2 * len(lines)), 255)
    pixels = image.load()
    assert pixels is not None
    for row, line in enumerate(lines):
        for x, char in enumerate(line):
            if char in "▀█":
                pixels[x, 2 * row] = 0
            if char in "▄█":
                pixels[x, 2 * row + 1] = 0
    image = image.resize((image.width * 8, image.height * 8), Image.Resampling.NEAREST)
    assert scan_qr_codes(image) == [url]


def test_sharing_a_badge_that_names_its_earner_by_email_asks_first(store: Store) -> None:
    from ob3_issuer import EARNER_EMAIL, OB3Issuer, ed25519_key

    from wallet.importer import LoadedSource, import_bytes

    issuer = OB3Issuer.did_key(ed25519_key("tui-privacy"), name="Privacy Academy")
    credential = issuer.sign(issuer.credential("plain", hashed=False, subject_id=None))
    [(record, _)] = import_bytes(store, LoadedSource(kind="text", ref="t", data=json.dumps(credential).encode()))
    collections.create_collection(store, "Plain")
    collections.add_badges(store, "Plain", [record.id])

    async def scenario(app: BackpackApp, pilot: Pilot[None]) -> None:
        await open_collections(app, pilot)
        for key, shared in (("n", False), ("y", True)):
            await pilot.press("s")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmDialog)
            assert EARNER_EMAIL in app.screen.question
            await pilot.press(key)
            await pilot.pause()
            assert bool(shares.list_shares(store)) is shared
        assert isinstance(app.screen, ShareDialog)

    drive(store, scenario)
