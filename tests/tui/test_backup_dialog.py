"""The settings screen's backup dialog (b) and restore dialog (r), driven with Pilot on real files."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Static

from verifier import FetchPolicy
from wallet.holder import holder
from wallet.store import Store
from wallet.tui import make_app
from wallet.tui.dialogs.backup_dialog import BackupDialog
from wallet.tui.screens.settings import SettingsScreen

PASSPHRASE = "correct horse battery staple"
SIZE = (120, 40)


async def _open(pilot: Pilot[None], key: str) -> BackupDialog:
    await pilot.press("s")
    await pilot.pause()
    assert isinstance(pilot.app.screen, SettingsScreen)
    await pilot.press(key)
    await pilot.pause()
    dialog = pilot.app.screen
    assert isinstance(dialog, BackupDialog)
    return dialog


async def _fill(pilot: Pilot[None], dialog: BackupDialog, **values: str) -> None:
    for name, value in values.items():
        dialog.query_one(f"#{name}", Input).value = value
    dialog.query_one("#passphrase", Input).focus()
    await pilot.press("enter")  # Enter in a field, as the Back up / Restore button
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_back_up_then_restore_from_the_settings_screen(demo_store: Store, tmp_path: Path) -> None:
    demo_store.add_identity("email", "ada@example.org")
    did = holder(demo_store).did
    backup = tmp_path / "ada.obbackup"

    async def back_up() -> None:
        app = make_app(demo_store, fetch_policy=FetchPolicy(offline=True))
        async with app.run_test(size=SIZE) as pilot:
            dialog = await _open(pilot, "b")
            await _fill(pilot, dialog, path=str(backup), passphrase=PASSPHRASE, again=PASSPHRASE + "!")
            assert app.screen is dialog
            assert "differ" in str(dialog.query_one("#problem", Static).render())
            await _fill(pilot, dialog, again=PASSPHRASE)
            assert isinstance(app.screen, SettingsScreen), str(dialog.query_one("#problem", Static).render())

    asyncio.run(back_up())
    assert backup.exists()

    fresh = Store(tmp_path / "fresh")
    fresh.add_identity("email", "someone@example.org")  # not empty: replacing must be asked for

    async def restore() -> None:
        app = make_app(fresh, fetch_policy=FetchPolicy(offline=True))
        async with app.run_test(size=SIZE) as pilot:
            dialog = await _open(pilot, "r")
            await _fill(pilot, dialog, path=str(backup), passphrase="wrong passphrase")
            assert app.screen is dialog
            assert "wrong passphrase" in str(dialog.query_one("#problem", Static).render())
            await _fill(pilot, dialog, passphrase=PASSPHRASE)
            assert "--replace" in str(dialog.query_one("#problem", Static).render())
            assert [row["value"] for row in fresh.list_identities()] == ["someone@example.org"]
            dialog.query_one("#replace", Checkbox).value = True
            await _fill(pilot, dialog)
            screen = app.screen
            assert isinstance(screen, SettingsScreen)
            assert "ada@example.org" in {str(key.value) for key in screen.query_one("#identities").rows}  # type: ignore[attr-defined]

    asyncio.run(restore())
    assert len(fresh.list_badges()) == len(demo_store.list_badges())
    assert holder(fresh).did == did
