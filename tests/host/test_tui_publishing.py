"""The TUI's collection screen publishes to a real host served on loopback and withdraws from it (Textual's Pilot)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest
from host_helpers import HostServer, Wallet
from textual.pilot import Pilot
from textual.widgets import Input, Static

from wallet.publishing import published
from wallet.settings import load_settings, set_setting
from wallet.tui import BackpackApp, make_app
from wallet.tui.dialogs.confirm import ConfirmDialog
from wallet.tui.dialogs.share_dialog import ShareDialog, qr_text
from wallet.tui.dialogs.text_input import TextInputDialog
from wallet.tui.screens.collections import CollectionsScreen

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def _settle(app: BackpackApp, pilot: Pilot[None]) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def _collections(app: BackpackApp, pilot: Pilot[None]) -> CollectionsScreen:
    await pilot.press("c")
    await pilot.pause()
    assert isinstance(app.screen, CollectionsScreen)
    return app.screen


def _heading(screen: CollectionsScreen) -> str:
    return str(screen.query_one("#coll-heading", Static).content)


def test_publish_asks_for_the_host_then_withdraws(host_server: HostServer, make_wallet: Callable[..., Wallet]) -> None:
    wallet = make_wallet("ada")

    async def main() -> None:
        app = make_app(wallet.store)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            screen = await _collections(app, pilot)
            assert "Not published · P to publish" in _heading(screen)

            # No host saved yet: P asks for one, saves it, and publishes in a worker.
            await pilot.press("P")
            await pilot.pause()
            assert isinstance(app.screen, TextInputDialog)
            app.screen.query_one(Input).value = host_server.url
            await pilot.press("enter")
            await _settle(app, pilot)
            dialog = app.screen
            assert isinstance(dialog, ShareDialog), [n.message for n in app._notifications]
            [publication] = published(wallet.store)
            assert dialog.url == publication.url and publication.url.startswith(f"{host_server.url}/p/")
            assert str(dialog.query_one("#share-title", Static).content) == "Published: Job applications"
            assert dialog.query_one("#share-qr", Static).content == qr_text(publication.url)
            assert load_settings(wallet.store).publish_host == host_server.url
            page = httpx.get(publication.url, timeout=30)
            assert page.status_code == 200 and page.text.count("pill-valid") == 2

            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is screen and publication.url in _heading(screen)
            assert "P publishes again · W withdraws" in _heading(screen)

            # W withdraws after confirmation: n keeps the page, y takes it down.
            await pilot.press("W")
            assert isinstance(app.screen, ConfirmDialog)
            await pilot.press("n")
            await _settle(app, pilot)
            assert published(wallet.store)[0].state() == "live"
            await pilot.press("W")
            await pilot.press("y")
            await _settle(app, pilot)
            assert published(wallet.store)[0].state() == "withdrawn"
            assert "Not published" in _heading(screen)
            assert any("Withdrew Job applications" in n.message for n in app._notifications)
        gone = httpx.get(publication.url, timeout=30)
        assert gone.status_code == 410 and "withdrawn by its holder" in gone.text

    asyncio.run(main())


def test_a_refusal_is_a_notification(host_server: HostServer, make_wallet: Callable[..., Wallet]) -> None:
    ada, eve = make_wallet("ada"), make_wallet("eve")
    from wallet.publishing import publish

    publish(ada.store, ada.collection, host_server.url, slug="job-applications")
    set_setting(eve.store, "publish-host", host_server.url)
    # Eve's backpack remembers the same page name for her collection (a copied backpack): the host refuses her.
    with eve.store.transaction(write=True) as db:
        [mine] = published(ada.store)
        db.insert("publications", {**mine.to_dict(), "collection_id": eve.collection.id})

    async def main() -> None:
        app = make_app(eve.store)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            screen = await _collections(app, pilot)
            await pilot.press("P")  # the saved host: no dialog, straight to the worker
            await _settle(app, pilot)
            assert app.screen is screen
            assert any("Not published" in n.message and "not_owner" in n.message for n in app._notifications)

    asyncio.run(main())
    assert httpx.get(published(ada.store)[0].url, timeout=30).status_code == 200
