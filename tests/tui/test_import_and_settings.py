"""Pilot tests of the import dialog (files, QR photos, folders, pasted JWT/JSON) and the settings screen.

pytest-asyncio is not a dependency: each test runs its async scenario with ``asyncio.run``.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, ProgressBar, Static, Switch, TextArea

from verifier import FetchPolicy, extract
from verifier.http import CachedResponse
from wallet.cache import StoreResponseCache
from wallet.demo import DemoContent
from wallet.store import Store
from wallet.tui import make_app
from wallet.tui.app import BackpackApp
from wallet.tui.dialogs.confirm import ConfirmDialog
from wallet.tui.dialogs.import_dialog import ImportDialog, classify_input, suggest_path
from wallet.tui.dialogs.text_input import TextInputDialog
from wallet.tui.screens.home import HomeScreen
from wallet.tui.screens.settings import SettingsScreen, validate_public_url

OFFLINE = FetchPolicy(offline=True)
SIZE = (120, 40)


def offline_app(store: Store) -> BackpackApp:
    return make_app(store, fetch_policy=OFFLINE)


def seed_cache(store: Store, content: DemoContent) -> None:
    """What ``wallet.demo.seed_demo`` does for the issuer: its documents in the backpack's cache."""
    cache = StoreResponseCache(store)
    for url, (status, document) in content.documents.items():
        cache.put(CachedResponse(url, status, "application/ld+json", json.dumps(document).encode(), time.time()))
    cache.flush()


def record_notifications(app: BackpackApp) -> list[tuple[str, str]]:
    """Every notification the app shows, as (severity, message)."""
    seen: list[tuple[str, str]] = []
    original = app.notify

    def notify(message: str, *args: Any, **kwargs: Any) -> None:
        seen.append((str(kwargs.get("severity", "information")), message))
        original(message, *args, **kwargs)

    app.notify = notify  # type: ignore[method-assign]
    return seen


def text_of(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


async def import_text(pilot: Pilot[None], text: str) -> ImportDialog:
    """Type ``text`` into the dialog's source field, press Enter and wait for the import and its verification."""
    dialog = pilot.app.screen
    assert isinstance(dialog, ImportDialog)
    field = dialog.query_one("#source", Input)
    field.focus()
    field.value = text
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return dialog


def badge_rows(app: BackpackApp) -> int:
    home = next(s for s in app.screen_stack if isinstance(s, HomeScreen))
    return home.query_one("#badges", DataTable).row_count


# -- import --------------------------------------------------------------------------------------------------------


def test_import_baked_png_and_qr_photo(store: Store, badge_files: dict[str, Path], demo_issuer: DemoContent) -> None:
    seed_cache(store, demo_issuer)  # offline, the issuer's documents come from the cache

    async def scenario() -> None:
        app = offline_app(store)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("i")
            assert isinstance(app.screen, ImportDialog)
            dialog = await import_text(pilot, str(badge_files["python-foundations.png"]))
            assert dialog.summary is not None and dialog.summary.headline == "1 imported, 0 updated, 0 failed"
            summary = text_of(dialog, "#import-summary")
            assert summary.startswith("1 imported, 0 updated, 0 failed")
            assert "✔ Python Foundations — valid (imported)" in summary
            assert dialog.query_one("#source", Input).value == ""  # ready for the next one

            dialog = await import_text(pilot, str(badge_files["community-mentor-card.jpg"]))
            assert dialog.summary is not None and dialog.summary.headline == "1 imported, 0 updated, 0 failed"
            assert "Community Mentor — revoked (imported)" in text_of(dialog, "#import-summary")

            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            assert badge_rows(app) == 2

    asyncio.run(scenario())
    statuses = {r.summary.get("name"): r.verification["status"] for r in store.list_badges() if r.verification}
    assert statuses == {"Python Foundations": "valid", "Community Mentor": "revoked"}


def test_folder_import_shows_progress_and_failures(store: Store, tmp_path: Path, demo_issuer: DemoContent) -> None:
    folder = tmp_path / "inbox"
    (folder / "nested").mkdir(parents=True)
    for name in ("python-foundations.png", "data-literacy.svg"):
        (folder / name).write_bytes(demo_issuer.files[name])
    (folder / "nested" / "team-leadership.svg").write_bytes(demo_issuer.files["team-leadership.svg"])
    (folder / "noise.bin").write_bytes(random.Random(7).randbytes(4096))
    (folder / ".hidden.png").write_bytes(b"skipped")

    async def scenario() -> tuple[list[tuple[int, int]], list[list[str] | None]]:
        app = offline_app(store)
        results: list[list[str] | None] = []
        async with app.run_test(size=SIZE) as pilot:
            dialog = ImportDialog()
            progress: list[tuple[int, int]] = []
            original = dialog._progress

            def spy(done: int, total: int) -> None:
                progress.append((done, total))
                original(done, total)

            dialog._progress = spy  # type: ignore[method-assign]
            app.push_screen(dialog, results.append)
            await pilot.pause()
            await import_text(pilot, str(folder))
            assert dialog.summary is not None and dialog.summary.headline == "3 imported, 0 updated, 1 failed"
            summary = text_of(dialog, "#import-summary")
            assert "Failed:\n✘ noise.bin: " in summary
            reason = summary.split("✘ noise.bin: ", 1)[1].splitlines()[0]
            assert reason and "Traceback" not in summary
            assert "nested/team-leadership.svg" not in summary.split("Failed:")[1]
            bar = dialog.query_one("#import-progress", ProgressBar)
            assert bar.display and bar.progress == bar.total == 3  # the verification pass, after the 4 files

            await import_text(pilot, str(folder))  # again: the same badges are updated, not duplicated
            assert dialog.summary is not None and dialog.summary.headline == "0 imported, 3 updated, 1 failed"
            await pilot.press("escape")
            await pilot.pause()
        return progress, results

    progress, results = asyncio.run(scenario())
    assert (1, 4) in progress and (4, 4) in progress and (3, 3) in progress
    assert len(results) == 1 and sorted(results[0] or []) == sorted(r.id for r in store.list_badges())
    assert len(store.list_badges()) == 3


def test_pasted_jwt_and_json_import(store: Store, demo_issuer: DemoContent) -> None:
    jwt = extract(demo_issuer.files["git-essentials.svg"]).found[0].payload.text
    credential = extract(demo_issuer.files["accessible-web-design.png"]).found[0].payload.text
    pretty = json.dumps(json.loads(credential), indent=2)
    assert classify_input(jwt).source == "-"

    async def scenario() -> None:
        app = offline_app(store)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("i")
            dialog = await import_text(pilot, jwt)
            assert dialog.summary is not None and dialog.summary.headline == "1 imported, 0 updated, 0 failed"
            assert "Git Essentials" in text_of(dialog, "#import-summary")

            # A multi-line paste into the path field goes to the paste box whole; Tab reaches Import.
            source = dialog.query_one("#source", Input)
            source.focus()
            source.post_message(events.Paste(pretty))
            await pilot.pause()
            area = dialog.query_one("#pasted", TextArea)
            assert area.text == pretty and app.focused is area and source.value == ""
            while app.focused is not dialog.query_one("#import"):
                await pilot.press("tab")
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert dialog.summary is not None and dialog.summary.headline == "1 imported, 0 updated, 0 failed"
            assert "Accessible Web Design" in text_of(dialog, "#import-summary")
            assert area.text == ""

            dialog = await import_text(pilot, '{"not": "a badge"')
            assert dialog.summary is not None and dialog.summary.headline == "0 imported, 0 updated, 1 failed"
            assert "✘ pasted text: " in text_of(dialog, "#import-summary")

    asyncio.run(scenario())
    assert sorted(r.summary.get("name") or "" for r in store.list_badges()) == [
        "Accessible Web Design",
        "Git Essentials",
    ]


def test_bad_input_is_reported_then_a_qr_photo_imports_unverifiable(
    store: Store, tmp_path: Path, badge_files: dict[str, Path]
) -> None:
    (tmp_path / "empty").mkdir()

    async def scenario() -> list[list[str] | None]:
        app = offline_app(store)
        results: list[list[str] | None] = []
        async with app.run_test(size=SIZE) as pilot:
            app.push_screen(ImportDialog(), results.append)
            await pilot.pause()
            dialog = await import_text(pilot, str(tmp_path / "missing.png"))
            assert text_of(dialog, "#import-status").startswith("No such file or folder:")
            assert dialog.summary is None and app.screen is dialog
            await import_text(pilot, "")
            assert "Give a path" in text_of(dialog, "#import-status")
            await import_text(pilot, str(tmp_path / "empty"))
            assert dialog.summary is not None and "the folder holds no files" in text_of(dialog, "#import-summary")
            assert store.list_badges() == []

            # Without the issuer's documents cached, the photo's badge imports but cannot be verified offline.
            await import_text(pilot, str(badge_files["community-mentor-card.jpg"]))
            assert dialog.summary.headline == "1 imported, 0 updated, 0 failed"
            assert "— unverifiable (imported)" in text_of(dialog, "#import-summary")
            assert app.focused is dialog.query_one("#close")
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
        return results

    results = asyncio.run(scenario())
    assert results == [[r.id for r in store.list_badges()]] and len(store.list_badges()) == 1


def test_failing_verification_keeps_the_import(store: Store, badge_files: dict[str, Path]) -> None:
    def broken_verify(*args: Any, **kwargs: Any) -> Any:
        raise OSError("the cache disk is full")

    async def scenario() -> None:
        app = make_app(store, broken_verify, fetch_policy=OFFLINE)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("i")
            dialog = await import_text(pilot, str(badge_files["python-foundations.png"]))
            summary = text_of(dialog, "#import-summary")
            assert summary.startswith("1 imported, 0 updated, 0 failed")
            assert "Not verified: the cache disk is full" in summary

    asyncio.run(scenario())
    assert len(store.list_badges()) == 1


def test_path_completion(tmp_path: Path, store: Store) -> None:
    (tmp_path / "badges").mkdir()
    (tmp_path / "badge-card.jpg").write_bytes(b"x")
    (tmp_path / "other.png").write_bytes(b"x")
    (tmp_path / ".secret").write_bytes(b"x")
    base = str(tmp_path)
    assert suggest_path(f"{base}/ot") == f"{base}/other.png"
    assert suggest_path(f"{base}/b") == f"{base}/badge"  # the common prefix first, as a shell does
    assert suggest_path(f"{base}/badges") == f"{base}/badges/"
    assert suggest_path(f"{base}/.") == f"{base}/.secret"
    assert suggest_path(f"{base}/s") is None  # hidden entries only once a dot is typed
    assert suggest_path(f"{base}/nope/x") is None
    assert suggest_path("https://example.org/") is None and suggest_path('{"a"') is None

    async def scenario() -> None:
        app = offline_app(store)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("i")
            field = app.screen.query_one("#source", Input)
            field.value = f"{base}/"
            await pilot.press("b", "a", "d", "g", "e", "s")
            await pilot.pause()
            await pilot.press("right")  # accepts the suggestion, as Textual's inputs do
            assert field.value == f"{base}/badges/"

    asyncio.run(scenario())


# -- settings ------------------------------------------------------------------------------------------------------


async def open_settings(pilot: Pilot[None]) -> SettingsScreen:
    await pilot.press("s")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, SettingsScreen)
    return screen


async def answer(pilot: Pilot[None], text: str) -> None:
    dialog = pilot.app.screen
    assert isinstance(dialog, TextInputDialog)
    dialog.query_one(Input).value = text
    await pilot.press("enter")
    await pilot.pause()


def test_identities_add_and_remove(store: Store) -> None:
    store.add_identity("email", "old@example.org")

    async def scenario() -> list[tuple[str, str]]:
        app = offline_app(store)
        seen = record_notifications(app)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_settings(pilot)
            table = screen.query_one("#identities", DataTable)
            assert table.row_count == 1 and app.focused is table

            await pilot.press("a")
            await answer(pilot, "Ada@Example.COM")
            assert app.screen is screen and table.row_count == 2
            assert screen.selected_identity() == "ada@example.com"
            assert table.get_row("ada@example.com") == ["email", "ada@example.com"]

            await pilot.press("a")
            await answer(pilot, "not an identity")
            assert table.row_count == 2

            await pilot.press("x")  # the cursor is on the new identity
            assert isinstance(app.screen, ConfirmDialog)
            await pilot.press("n")
            await pilot.pause()
            assert table.row_count == 2
            await pilot.press("x")
            await pilot.press("y")
            await pilot.pause()
            assert table.row_count == 1

            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
        return seen

    seen = asyncio.run(scenario())
    assert [row["value"] for row in store.list_identities()] == ["old@example.org"]
    errors = [message for severity, message in seen if severity == "error"]
    assert len(errors) == 1 and errors[0].startswith("'not an identity' is not an identity: give an email")
    assert "\n" not in errors[0]
    assert any(message.startswith("Removed ada@example.com") for _, message in seen)


def test_network_switches_public_url_and_display_name(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BACKPACK_PUBLIC_URL", raising=False)

    async def scenario() -> list[tuple[str, str]]:
        app = offline_app(store)
        seen = record_notifications(app)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_settings(pilot)
            offline = screen.query_one("#offline", Switch)
            assert offline.value is False
            await pilot.press("tab")  # identities → the offline switch, keyboard only
            assert app.focused is offline
            await pilot.press("enter")
            await pilot.pause()
            assert offline.value is True and store.get_setting("offline") is True
            await pilot.press("tab", "space")
            await pilot.pause()
            assert store.get_setting("allow_private_network") is True
            await pilot.press("space")
            await pilot.pause()
            assert store.get_setting("allow_private_network") is False

            await pilot.press("tab")
            url = screen.query_one("#public-url", Input)
            assert app.focused is url
            url.value = "ftp://badges.example.org"
            await pilot.press("enter")
            await pilot.pause()
            assert store.get_setting("public_url") is None
            assert text_of(screen, "#public-url-note").startswith("Not saved: 'ftp://badges.example.org' is not")
            url.value = "https://badges.example.org"
            await pilot.press("end", "/", "enter")  # typed keys reach the field
            await pilot.pause()
            assert store.get_setting("public_url") == "https://badges.example.org"
            assert text_of(screen, "#public-url-note") == "Share links use https://badges.example.org"

            await pilot.press("tab")
            screen.query_one("#display-name", Input).value = "Ada  Lovelace"
            await pilot.press("escape")  # leaving the screen keeps what was typed
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
        return seen

    seen = asyncio.run(scenario())
    assert store.get_setting("display_name") == "Ada Lovelace"
    reason = "'ftp://badges.example.org' is not an http(s) URL (for example https://badges.example.org)"
    assert ("error", reason) in seen


def test_settings_show_saved_values_and_environment_override(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    store.set_setting("offline", True)
    store.set_setting("public_url", "https://mine.example.org")
    store.set_setting("display_name", "Ada")
    monkeypatch.setenv("BACKPACK_PUBLIC_URL", "https://override.example.net")

    async def scenario() -> None:
        app = make_app(store)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_settings(pilot)
            assert screen.query_one("#offline", Switch).value is True
            assert screen.query_one("#allow-private", Switch).value is False
            assert screen.query_one("#public-url", Input).value == "https://mine.example.org"
            assert screen.query_one("#display-name", Input).value == "Ada"
            assert "BACKPACK_PUBLIC_URL=https://override.example.net overrides this setting" in text_of(
                screen, "#public-url-note"
            )
            assert app.fetch_policy.offline is True
            screen.query_one("#offline", Switch).toggle()
            await pilot.pause()
            assert app.fetch_policy.offline is False  # no explicit policy: the setting applies at once

    asyncio.run(scenario())
    assert store.get_setting("offline") is False


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("https://badges.example.org/", "https://badges.example.org"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("https://example.org/backpack/", "https://example.org/backpack"),
        ("badges.example.org", None),
        ("https://", None),
        ("https://example.org/?x=1", None),
        ("https://example.org:99999", None),
        ("javascript:alert(1)", None),
    ],
)
def test_validate_public_url(raw: str, expected: str | None) -> None:
    check: Callable[[str], str] = validate_public_url
    if expected is None:
        with pytest.raises(ValueError):
            check(raw)
    else:
        assert check(raw) == expected


def test_offer_link_with_a_pin_dialog(store: Store) -> None:
    from receiving_issuer import LoopbackIssuer

    assert classify_input("openid-credential-offer://?credential_offer_uri=x").source is not None

    async def scenario(link: str) -> None:
        app = make_app(store, fetch_policy=FetchPolicy(allow_private_network=True))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("i")
            dialog = app.screen
            assert isinstance(dialog, ImportDialog)
            field = dialog.query_one("#source", Input)
            field.focus()
            field.value = link
            await pilot.press("enter")
            for _ in range(100):  # the import runs in a thread until it needs the PIN
                await pilot.pause(0.05)
                if isinstance(app.screen, TextInputDialog):
                    break
            assert isinstance(app.screen, TextInputDialog)
            assert "4-character PIN" in str(app.screen.prompt) and "Sent by email" in str(app.screen.prompt)
            app.screen.query_one(Input).value = "4921"
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert dialog.summary is not None and dialog.summary.headline == "1 imported, 0 updated, 0 failed"

    with LoopbackIssuer() as issuer:
        asyncio.run(scenario(issuer.offer(tx_code="4921", by_reference=True)))
    assert [r.verification["status"] for r in store.list_badges() if r.verification] == ["valid"]
