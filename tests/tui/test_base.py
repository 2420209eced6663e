"""The typed base of the TUI's screens and dialogs (``wallet.tui.base``)."""

from __future__ import annotations

import asyncio

import pytest
from textual.app import App

from verifier import FetchPolicy
from wallet.store import Store
from wallet.tui.app import make_app
from wallet.tui.base import BackpackDialog, BackpackScreen
from wallet.tui.screens.home import HomeScreen


def test_screens_reach_the_backpack_app_and_its_store(store: Store) -> None:
    app = make_app(store, fetch_policy=FetchPolicy(offline=True))

    async def session() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            assert app.screen.backpack_app is app and app.screen.backpack_app.store is store
            dialog: BackpackDialog[None] = BackpackDialog()
            await app.push_screen(dialog)
            assert dialog.backpack_app.fetch_policy.offline

    asyncio.run(session())


def test_a_backpack_screen_in_another_app_says_so() -> None:
    class Other(App[None]):
        pass

    async def session() -> None:
        app = Other()
        async with app.run_test() as pilot:
            screen: BackpackScreen[None] = BackpackScreen()
            await app.push_screen(screen)
            await pilot.pause()
            with pytest.raises(TypeError, match="inside the backpack app, not Other"):
                _ = screen.backpack_app

    asyncio.run(session())
