"""A learner's first minutes in the TUI: q quits from every screen without a text field focused, the footer always
shows quit and help, ? lists every key of the screen, and the demo banner names the two next steps.

Pilot sessions as in ``test_home_and_detail.py`` (sync tests around ``asyncio.run``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static
from textual.widgets._footer import FooterKey

from verifier import FetchPolicy
from wallet.demo import has_demo
from wallet.store import Store
from wallet.tui.app import BackpackApp, make_app
from wallet.tui.dialogs.confirm import ConfirmDialog
from wallet.tui.screens.collections import CollectionsScreen
from wallet.tui.screens.detail import BadgeScreen
from wallet.tui.screens.home import HomeScreen
from wallet.tui.screens.key_help import KeyHelpScreen
from wallet.tui.screens.settings import SettingsScreen

Steps = Callable[[Pilot[None]], Awaitable[None]]


def drive(store: Store, steps: Steps, size: tuple[int, int] = (120, 36)) -> BackpackApp:
    app = make_app(store, fetch_policy=FetchPolicy(offline=True))

    async def session() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await steps(pilot)
            await pilot.pause()

    asyncio.run(session())
    assert app._exception is None, app._exception
    return app


def footer_keys(pilot: Pilot[None]) -> list[tuple[str, int]]:
    """The footer's keys as shown: (description, right edge on screen), left to right."""
    keys = sorted(pilot.app.screen.query(FooterKey), key=lambda key: key.region.x)
    return [(key.description, key.region.right) for key in keys if key.region.width]


# -- q quits -------------------------------------------------------------------------------------------------------


def test_q_on_the_home_table_quits_rather_than_searching(demo_store: Store) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        assert isinstance(pilot.app.screen, HomeScreen)
        assert isinstance(pilot.app.focused, DataTable)
        await pilot.press("q")
        await pilot.pause()

    app = drive(demo_store, steps)
    assert app._exit  # the app is exiting: q was not swallowed by type-to-search


@pytest.mark.parametrize("key", ["enter", "c", "s"])
def test_q_quits_from_the_detail_collections_and_settings_screens(demo_store: Store, key: str) -> None:
    expected = {"enter": BadgeScreen, "c": CollectionsScreen, "s": SettingsScreen}[key]

    async def steps(pilot: Pilot[None]) -> None:
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(pilot.app.screen, expected)
        assert not isinstance(pilot.app.focused, Input), "the screen opens with a text field focused"
        await pilot.press("q")
        await pilot.pause()

    assert drive(demo_store, steps)._exit


def test_q_in_a_text_field_is_typed_and_other_letters_still_search(demo_store: Store) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        await pilot.press("d", "a", "t", "a")  # a letter no key is bound to starts the search
        field = pilot.app.screen.query_one("#filter", Input)
        assert pilot.app.focused is field and field.value == "data"
        await pilot.press("space", "q")
        assert field.value == "data q"  # typed, not quitting
        assert not pilot.app._exit
        await pilot.press("escape")  # back to the table, search cleared; q quits again
        assert isinstance(pilot.app.focused, DataTable)
        await pilot.press("q")
        await pilot.pause()

    assert drive(demo_store, steps)._exit


def test_slash_focuses_the_search(demo_store: Store) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        await pilot.press("slash")
        assert pilot.app.focused is pilot.app.screen.query_one("#filter", Input)
        await pilot.press("escape")

    drive(demo_store, steps)


# -- the footer and the key help -------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("key", ["", "enter", "c", "s"])
def test_the_footer_always_shows_quit_and_help_first(demo_store: Store, width: int, key: str) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        if key:
            await pilot.press(key)
            await pilot.pause()
        shown = footer_keys(pilot)
        assert [description for description, _right in shown[:2]] == ["Quit", "Help"]
        assert all(right <= width for _description, right in shown[:2])
        if not key:  # on home, the way to a badge's details is in view too
            assert ("Details" in [description for description, right in shown if right <= width]) or width < 100

    drive(demo_store, steps, size=(width, 30))


def test_question_mark_lists_every_key_of_the_screen_and_escape_closes_it(demo_store: Store) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = pilot.app.screen
        assert isinstance(help_screen, KeyHelpScreen)
        described = dict(help_screen.keys)
        # The footer's keys and those it has no room for.
        for key, description in {
            "q": "Quit",
            "i": "Import",
            "R": "Recheck all",
            "f": "Status filter",
            "o": "Sort",
            "x": "Remove",
            "D": "Remove the demo",
        }.items():
            assert described.get(key) == description, (key, described)
        assert "Type any other letter to search" in help_screen.note
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HomeScreen)
        # On the detail screen, its own keys.
        await pilot.press("enter", "question_mark")
        await pilot.pause()
        assert isinstance(pilot.app.screen, KeyHelpScreen)
        assert dict(pilot.app.screen.keys).get("j") == "Raw JSON"
        await pilot.press("question_mark")  # ? closes it too
        await pilot.pause()
        assert isinstance(pilot.app.screen, BadgeScreen)

    drive(demo_store, steps)


# -- the demo banner -------------------------------------------------------------------------------------------------


def test_the_demo_banner_names_the_next_steps_and_D_removes_the_demo(demo_store: Store) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        banner = pilot.app.screen.query_one("#demo-banner", Static)
        assert banner.display and banner.region.height >= 1
        text = str(banner.render())
        assert text.startswith("Demo badges.")
        assert "i imports your own" in text and "backpack import FILE" in text
        assert "D removes the demo" in text and "backpack demo remove" in text
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HomeScreen)
        assert not banner.display
        assert pilot.app.screen.query_one("#badges", DataTable).row_count == 0

    drive(demo_store, steps)
    assert not has_demo(demo_store) and demo_store.list_badges() == []


def test_no_banner_in_a_backpack_without_the_demo(store: Store) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        assert not pilot.app.screen.query_one("#demo-banner", Static).display

    drive(store, steps)
