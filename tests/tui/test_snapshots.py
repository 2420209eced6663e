"""Snapshots (pytest-textual-snapshot) of the home, badge detail and collections screens at 120×36.

The demo backpack of ``conftest.py`` is frozen (verification times and file paths fixed), the header's sub title (the
backpack's folder) is set to a fixed text, and the snapshots show only badges whose displayed ids are deterministic:
the detail is of the OB 2.0 badge "Python Foundations", never of an OB 3.0 badge whose did:key issuer is new on each
run. Regenerate after an intended change with ``pytest tests/tui/test_snapshots.py --snapshot-update`` and look at the
SVG files under ``__snapshots__/`` (or the HTML report of a failing run) before keeping them.

No cursor blinks in these screenshots: each screen starts with a table or a list focused, never a text field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from verifier import FetchPolicy
from wallet import badge_collections as collections_lib
from wallet.store import Store
from wallet.tui.app import make_app

pytest.importorskip("pytest_textual_snapshot", reason="pytest-textual-snapshot (the test extras) is not installed")

SIZE = (120, 36)
FIXED_HOME = "~/.local/share/backpack"
FIXED_TIME = "2026-06-01T12:00:00Z"


def prepare(*keys: str) -> Callable[[Pilot[None]], Any]:
    """A ``run_before``: fix the header's sub title, press ``keys`` (one character per key), let the screen settle."""

    async def run_before(pilot: Pilot[None]) -> None:
        pilot.app.sub_title = FIXED_HOME
        for key in keys:
            await pilot.press(key)
        await pilot.pause()

    return run_before


def test_home_screen(snap_compare: Any, demo_store: Store) -> None:
    app = make_app(demo_store, fetch_policy=FetchPolicy(offline=True))
    assert snap_compare(app, terminal_size=SIZE, run_before=prepare())


def test_detail_screen_of_an_ob2_badge(snap_compare: Any, demo_store: Store) -> None:
    app = make_app(demo_store, fetch_policy=FetchPolicy(offline=True))
    # Type to search "python", Enter back to the table, Enter opens Python Foundations.
    assert snap_compare(app, terminal_size=SIZE, run_before=prepare(*"python", "enter", "enter"))


def test_collections_screen(snap_compare: Any, demo_store: Store) -> None:
    by_name = {record.summary["name"]: record.id for record in demo_store.list_badges()}
    collection = collections_lib.create_collection(
        demo_store,
        "Data analyst path",
        description="From spreadsheets to Python.",
        tags=["data"],
        planned=["Machine Learning Basics"],
    )
    collections_lib.add_badges(
        demo_store,
        collection.id,
        [by_name["Spreadsheet Basics"], by_name["Data Literacy"], by_name["Python Foundations"]],
    )
    collections_lib.create_collection(demo_store, "Teamwork", planned=["Facilitation"])
    with demo_store.transaction(write=True) as db:  # collection ids are random and times are now: fix them
        for index, row in enumerate(db.all("collections")):
            fixed = {"id": f"c0ffee000{index}", "created_at": FIXED_TIME, "updated_at": FIXED_TIME}
            db.update("collections", fixed, id=row["id"])
    app = make_app(demo_store, fetch_policy=FetchPolicy(offline=True))
    assert snap_compare(app, terminal_size=SIZE, run_before=prepare("c"))
