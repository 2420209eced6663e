"""The TUI's home and badge detail screens, driven by the keyboard alone through Textual's pilot.

Home: the table, the summary line, the side panel, type-to-search, the status filter and sort cycles, removal with
confirmation. Detail: the per-check report and the raw JSON. Recheck all: against the real local issuer of
``tests/issuer.py`` (a badge revoked since it was imported turns revoked in its row), cancellable with Esc, and an
error of the verifier shows as a notification. Every test also checks that the app ended without an exception.

The tests are sync functions around ``asyncio.run`` (no pytest-asyncio): ``drive`` runs one pilot session.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from cli_fixtures import *  # noqa: F403 - the issuer_server and issuer fixtures
from cli_fixtures import EARNER, ISSUED_ON, local_policy
from issuer import IssuerFixture, bake_png, json_text
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, ProgressBar, Static

from verifier import FetchPolicy, Report
from wallet.importer import LoadedSource, import_bytes
from wallet.store import BadgeRecord, Store
from wallet.tui.app import BackpackApp, make_app
from wallet.tui.screens.detail import BadgeScreen
from wallet.tui.screens.home import HomeScreen
from wallet.verification import verify_records

OFFLINE = FetchPolicy(offline=True)
SIZE = (120, 36)
DEMO_NAMES = {
    "Accessible Web Design",
    "Cloud Fundamentals",
    "Community Mentor",
    "Data Literacy",
    "Git Essentials",
    "Python Foundations",
    "Spreadsheet Basics",
    "Team Leadership",
}


# -- helpers -------------------------------------------------------------------------------------------------------


def drive(app: BackpackApp, steps: Callable[[Pilot[None]], Awaitable[None]]) -> None:
    """Run ``steps`` against ``app`` at 120×36, then check that the app ended cleanly (no exception, no crash)."""

    async def session() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await steps(pilot)
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()

    asyncio.run(session())
    assert app._exception is None, app._exception
    assert app.return_code in (None, 0)


def home(pilot: Pilot[None]) -> HomeScreen:
    assert isinstance(pilot.app.screen, HomeScreen), pilot.app.screen
    return pilot.app.screen


def table(pilot: Pilot[None]) -> DataTable[Any]:
    return pilot.app.screen.query_one("#badges", DataTable)


def cells(pilot: Pilot[None], column: int = 1) -> list[str]:
    """One column of the home table, top to bottom (1: the name, 0: the status)."""
    badges = table(pilot)
    return [str(badges.get_row_at(index)[column]) for index in range(badges.row_count)]


def text_of(pilot: Pilot[None], selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Static).render())


def messages(app: BackpackApp) -> list[str]:
    return [str(notification.message) for notification in app._notifications]


async def type_text(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*text)  # one key per character (a space is the "space" key)
    await pilot.pause()


async def wait_until(pilot: Pilot[None], condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the TUI"
        await pilot.pause(0.02)


# -- home ----------------------------------------------------------------------------------------------------------


def test_home_lists_every_badge_with_its_status_a_summary_and_the_selected_badge(demo_store: Store) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        assert table(pilot).row_count == 8
        assert set(cells(pilot)) == DEMO_NAMES
        assert sorted(cells(pilot, 0)) == ["⊘ revoked"] * 2 + ["⌛ expired"] * 2 + ["✔ valid"] * 4
        assert text_of(pilot, "#summary") == "8 badges · 4 valid · 2 expired · 2 revoked"
        assert pilot.app.focused is table(pilot)
        # Sorted by status first: the revoked badges lead, and the side panel follows the cursor.
        assert cells(pilot)[:2] == ["Community Mentor", "Team Leadership"]
        details = text_of(pilot, "#details")
        assert details.startswith("Community Mentor\n")
        assert "Status: ⊘ revoked" in details
        assert "revocation: revoked by the issuer: Issued in error" in details
        await pilot.press("down")
        assert text_of(pilot, "#details").startswith("Team Leadership\n")
        await pilot.press("ctrl+end")
        assert text_of(pilot, "#details").startswith("Python Foundations\n")
        assert "Issuer: Open Learning Lab" in text_of(pilot, "#details")

    drive(make_app(demo_store, fetch_policy=OFFLINE), steps)


def test_typing_on_the_table_filters_and_escape_clears(demo_store: Store) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        field = pilot.app.screen.query_one("#filter", Input)
        await type_text(pilot, "git")
        assert field.value == "git"  # every key, the first one too
        assert pilot.app.focused is field
        assert cells(pilot) == ["Git Essentials"]
        assert text_of(pilot, "#details").startswith("Git Essentials\n")
        await pilot.press("escape")
        assert field.value == ""
        assert table(pilot).row_count == 8
        assert pilot.app.focused is table(pilot)

        # Words match anywhere (name, issuer, status); Enter returns to the table with the filter kept.
        await type_text(pilot, "lab valid")
        assert sorted(cells(pilot)) == ["Data Literacy", "Python Foundations"]
        await pilot.press("enter")
        assert pilot.app.focused is table(pilot)
        assert table(pilot).row_count == 2
        assert isinstance(pilot.app.screen, HomeScreen)  # Enter in the field does not open a badge
        await pilot.press("escape")
        assert table(pilot).row_count == 8

        # "/" focuses the filter as well; no match leaves an empty table and a clear side panel.
        await pilot.press("slash")
        assert pilot.app.focused is field
        await type_text(pilot, "zzz")
        assert table(pilot).row_count == 0
        assert text_of(pilot, "#details") == "No badge selected."
        await pilot.press("escape")
        assert table(pilot).row_count == 8

    drive(make_app(demo_store, fetch_policy=OFFLINE), steps)


def test_f_cycles_the_status_filter_and_o_the_sort(demo_store: Store) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        screen = home(pilot)
        seen = []
        for _ in range(4):
            await pilot.press("f")
            seen.append((screen.status_filter, table(pilot).row_count, set(cells(pilot, 0))))
        assert seen == [
            ("valid", 4, {"✔ valid"}),
            ("expired", 2, {"⌛ expired"}),
            ("revoked", 2, {"⊘ revoked"}),
            (None, 8, {"✔ valid", "⌛ expired", "⊘ revoked"}),
        ]
        assert "Showing valid badges" in messages(pilot.app)

        await pilot.press("f", "f")  # expired; Esc clears the status filter too
        assert table(pilot).row_count == 2
        await pilot.press("escape")
        assert screen.status_filter is None and table(pilot).row_count == 8

        by_status = cells(pilot)
        await pilot.press("o")
        by_name = cells(pilot)
        assert by_name == sorted(DEMO_NAMES) != by_status
        assert "Sorted by name" in messages(pilot.app)
        await pilot.press("o")  # by issuer, then name
        assert cells(pilot, 2) == sorted(cells(pilot, 2))
        assert cells(pilot)[:4] == ["Accessible Web Design", "Cloud Fundamentals", "Git Essentials", "Team Leadership"]
        for _ in range(4):  # issued, expires, checked, then back to status
            await pilot.press("o")
        assert cells(pilot) == by_status

    drive(make_app(demo_store, fetch_policy=OFFLINE), steps)


# -- detail --------------------------------------------------------------------------------------------------------


def test_enter_opens_the_detail_with_every_check_and_j_the_raw_json(demo_store: Store) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        await type_text(pilot, "python")
        await pilot.press("enter", "enter")  # leave the filter, then open the badge under the cursor
        screen = pilot.app.screen
        assert isinstance(screen, BadgeScreen)
        description = text_of(pilot, "#description")
        assert description.startswith("Python Foundations\n✔ valid")
        assert "Open Learning Lab" in description
        assert "Criteria" in description and "Completed the Python Foundations course" in description
        assert "Digital competence [ESCO S5]" in description  # alignments with framework and code
        checks = screen.query_one("#checks", DataTable)
        rows = [checks.get_row_at(index) for index in range(checks.row_count)]
        ids = [str(row[1]) for row in rows]
        assert ids[:2] == ["extracted", "fetched"]
        assert {"badge_class", "issuer", "recipient", "expiry", "revocation"} <= set(ids)
        assert {str(row[0]) for row in rows} == {"✔"}
        # Plain words in the table; the verifier's message for the check under the cursor below it.
        assert "It was issued to the person it is being checked for." in [str(row[2]) for row in rows]
        assert text_of(pilot, "#check-details").startswith("Details extracted: ")
        checks.move_cursor(row=ids.index("recipient"))
        await pilot.pause()
        assert text_of(pilot, "#check-details") == (
            "Details recipient: issued to ada.lovelace@example.com (hashed email)"
        )

        raw = screen.query_one("#raw", Static)
        assert not raw.display
        await pilot.press("j")
        assert raw.display
        assert '"id": "https://badges.open-learning-lab.example/assertions/python-foundations.json"' in str(
            raw.render()
        )
        await pilot.press("j")
        assert not raw.display

        await pilot.press("escape")
        assert isinstance(pilot.app.screen, HomeScreen)
        assert pilot.app.screen.query_one("#filter", Input).value == "python"  # the home screen kept its state

    drive(make_app(demo_store, fetch_policy=OFFLINE), steps)


def test_detail_of_a_revoked_badge_shows_the_failed_check_and_the_reason(demo_store: Store) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        await pilot.press("enter")  # the first row: Community Mentor, revoked
        screen = pilot.app.screen
        assert isinstance(screen, BadgeScreen)
        assert text_of(pilot, "#description").startswith("Community Mentor\n⊘ revoked")
        assert "Revocation reason: Issued in error" in text_of(pilot, "#description")
        checks = screen.query_one("#checks", DataTable)
        failed = [checks.get_row_at(i) for i in range(checks.row_count) if str(checks.get_row_at(i)[0]) == "✘"]
        assert [(str(row[1]), str(row[2])) for row in failed] == [("revocation", "Its issuer has revoked it.")]
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, HomeScreen)

    drive(make_app(demo_store, fetch_policy=OFFLINE), steps)


# -- remove --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("confirm", ["y", "tab+enter"])
def test_x_then_confirm_removes_the_badge(demo_store: Store, confirm: str) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        await pilot.press("ctrl+end")  # Python Foundations
        await pilot.press("x")
        assert "Remove Python Foundations from your backpack?" in str(pilot.app.screen.query_one("#question").render())
        if confirm == "y":
            await pilot.press("y")
        else:  # the focus starts on Cancel: move to the Remove button and press it with Enter
            assert pilot.app.focused is not None and pilot.app.focused.id == "no"
            await pilot.press("shift+tab")
            assert pilot.app.focused is not None and pilot.app.focused.id == "yes"
            await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HomeScreen)
        assert table(pilot).row_count == 7
        assert "Python Foundations" not in cells(pilot)
        assert text_of(pilot, "#summary") == "7 badges · 3 valid · 2 expired · 2 revoked"
        assert "Removed Python Foundations" in messages(pilot.app)

    drive(make_app(demo_store, fetch_policy=OFFLINE), steps)
    assert len(demo_store.list_badges()) == 7
    assert "Python Foundations" not in {record.summary["name"] for record in demo_store.list_badges()}


@pytest.mark.parametrize("answer", ["n", "escape", "enter"])
def test_x_then_no_keeps_the_badge(demo_store: Store, answer: str) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        await pilot.press("x")
        assert pilot.app.screen.query_one("#question")
        await pilot.press(answer)  # n, Esc, or Enter on the focused Cancel button
        await pilot.pause()
        assert isinstance(pilot.app.screen, HomeScreen)
        assert table(pilot).row_count == 8
        assert pilot.app.focused is table(pilot)

    drive(make_app(demo_store, fetch_policy=OFFLINE), steps)
    assert len(demo_store.list_badges()) == 8


def test_x_on_the_detail_screen_removes_and_returns_home(demo_store: Store) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        await pilot.press("enter", "x", "y")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HomeScreen)
        assert table(pilot).row_count == 7
        assert "Community Mentor" not in cells(pilot)

    drive(make_app(demo_store, fetch_policy=OFFLINE), steps)
    assert len(demo_store.list_badges()) == 7


# -- recheck -------------------------------------------------------------------------------------------------------


def test_recheck_all_sees_a_badge_revoked_since_import(issuer: IssuerFixture, tmp_path: Path) -> None:
    store = Store(tmp_path / "backpack")
    store.add_identity("email", EARNER)
    kept = issuer.hosted_assertion("kept", issued_on=ISSUED_ON)
    gone = issuer.hosted_assertion("gone", issued_on=ISSUED_ON)
    records = []
    for name, assertion in (("kept.png", kept), ("gone.png", gone)):
        path = tmp_path / name
        path.write_bytes(bake_png(json_text(assertion)))
        records += [record for record, _new in import_bytes(store, LoadedSource("file", str(path), path.read_bytes()))]
    policy = local_policy()
    assert [report.status for _record, report in verify_records(store, records, fetch_policy=policy)] == [
        "valid",
        "valid",
    ]
    gone_id = next(record.id for record in records if record.key == f"id:{gone['id']}")
    issuer.publish({**gone, "revoked": True, "revocationReason": "Issued in error"})

    async def steps(pilot: Pilot[None]) -> None:
        assert cells(pilot, 0) == ["✔ valid", "✔ valid"]
        assert text_of(pilot, "#summary") == "2 badges · 2 valid"
        await pilot.press("R")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        badges = table(pilot)
        assert str(badges.get_row(gone_id)[0]) == "⊘ revoked"
        assert str(badges.get_row(next(k for k in badges.rows if k.value != gone_id))[0]) == "✔ valid"
        assert text_of(pilot, "#summary") == "2 badges · 1 valid · 1 revoked"
        assert not pilot.app.screen.query_one("#progress", ProgressBar).display
        assert "Checking 2 badges… (Esc cancels)" in messages(pilot.app)  # online: no "offline" note
        assert "Checked 2 badges: 2 badges · 1 valid · 1 revoked" in messages(pilot.app)
        # The side panel of the revoked badge gives the reason.
        badges.move_cursor(row=badges.get_row_index(gone_id))
        await pilot.pause()
        assert "revocation: revoked by the issuer: Issued in error" in text_of(pilot, "#details")

    drive(make_app(store, fetch_policy=policy), steps)
    assert store.get_badge(gone_id).verification["status"] == "revoked"  # type: ignore[index]


def test_recheck_one_badge_with_r_and_from_the_detail_screen(demo_store: Store) -> None:
    calls: list[list[str]] = []

    def counting(store: Store, records: list[BadgeRecord], *, fetch_policy: FetchPolicy) -> Any:
        calls.append([record.summary["name"] for record in records])
        return verify_records(store, records, fetch_policy=fetch_policy)

    async def steps(pilot: Pilot[None]) -> None:
        await pilot.press("ctrl+end", "r")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert calls == [["Python Foundations"]]
        assert "Checking 1 badge offline, from cached documents… (Esc cancels)" in messages(pilot.app)
        await pilot.press("enter", "r")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert calls == [["Python Foundations"]] * 2
        assert "Now valid" in messages(pilot.app)
        assert isinstance(pilot.app.screen, BadgeScreen)

    drive(make_app(demo_store, counting, fetch_policy=OFFLINE), steps)


def test_recheck_all_is_cancelled_with_escape(demo_store: Store) -> None:
    checked: list[str] = []
    started = threading.Event()
    release = threading.Event()

    def slow(store: Store, records: list[BadgeRecord], *, fetch_policy: FetchPolicy) -> Any:
        started.set()
        release.wait(5)  # each chunk waits until the test lets it go: the UI must stay responsive meanwhile
        checked.extend(record.id for record in records)
        return [(record, Report.from_dict(record.verification or {})) for record in records]

    async def steps(pilot: Pilot[None]) -> None:
        await pilot.press("R")
        await wait_until(pilot, started.is_set)
        progress = pilot.app.screen.query_one("#progress", ProgressBar)
        assert progress.display and progress.total == 8
        await pilot.press("down")  # the table still answers while the worker waits
        assert text_of(pilot, "#details").startswith("Team Leadership\n")
        await pilot.press("escape")
        assert "Recheck cancelled" in messages(pilot.app)
        release.set()
        await wait_until(pilot, lambda: not progress.display)  # the bar goes once the chunk under way returns
        await pilot.pause()
        assert table(pilot).row_count == 8
        assert not any(message.startswith("Checked ") for message in messages(pilot.app))

    drive(make_app(demo_store, slow, fetch_policy=OFFLINE), steps)
    assert 0 < len(checked) < 8  # the first chunk ran, the rest never started


def test_a_recheck_started_while_a_cancelled_one_finishes_runs_to_the_end(demo_store: Store) -> None:
    checked: list[str] = []
    gates = [threading.Event(), threading.Event()]  # the cancelled run's chunk, then every chunk of the new run
    calls: list[int] = []

    def slow(store: Store, records: list[BadgeRecord], *, fetch_policy: FetchPolicy) -> Any:
        calls.append(len(records))
        gates[min(len(calls), 2) - 1].wait(5)
        checked.extend(record.id for record in records)
        return [(record, Report.from_dict(record.verification or {})) for record in records]

    async def steps(pilot: Pilot[None]) -> None:
        progress = pilot.app.screen.query_one("#progress", ProgressBar)
        await pilot.press("R")
        await wait_until(pilot, lambda: len(calls) == 1)
        first = home(pilot).recheck_worker
        await pilot.press("escape", "R")  # cancel, then start again while the first chunk still runs
        assert home(pilot).recheck_worker is not first
        await wait_until(pilot, lambda: len(calls) == 2)
        gates[0].set()  # the cancelled run ends now: the new run keeps its progress bar
        await wait_until(pilot, lambda: len(checked) == 4)
        await pilot.pause(0.2)
        assert progress.display and progress.progress == 0
        gates[1].set()
        await wait_until(pilot, lambda: any(m.startswith("Checked 8 badges") for m in messages(pilot.app)))
        assert not progress.display
        assert messages(pilot.app).count("Recheck cancelled") == 1

    drive(make_app(demo_store, slow, fetch_policy=OFFLINE), steps)
    assert len(checked) == 12  # the cancelled run's first chunk, then all eight


def test_an_error_in_verification_is_a_notification_not_a_traceback(demo_store: Store) -> None:
    def broken(store: Store, records: list[BadgeRecord], *, fetch_policy: FetchPolicy) -> Any:
        raise RuntimeError("the verifier fell over")

    async def steps(pilot: Pilot[None]) -> None:
        await pilot.press("R")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert "Recheck failed: the verifier fell over" in messages(pilot.app)
        assert not any(message.startswith("Checked ") for message in messages(pilot.app))
        assert not pilot.app.screen.query_one("#progress", ProgressBar).display
        assert table(pilot).row_count == 8
        assert text_of(pilot, "#summary") == "8 badges · 4 valid · 2 expired · 2 revoked"  # nothing changed
        await pilot.press("enter", "r")  # the same from the detail screen
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert messages(pilot.app).count("Recheck failed: the verifier fell over") == 2
        assert isinstance(pilot.app.screen, BadgeScreen)
        assert text_of(pilot, "#description").startswith("Community Mentor\n⊘ revoked")

    drive(make_app(demo_store, broken, fetch_policy=OFFLINE), steps)


# -- keyboard only -------------------------------------------------------------------------------------------------


def test_keyboard_only_tour(demo_store: Store) -> None:
    """Filter, status filter, sort, details, raw JSON, recheck and removal in one session, keys only."""

    async def steps(pilot: Pilot[None]) -> None:
        await pilot.press("f")  # valid only
        await pilot.press("o")  # by name: Accessible Web Design, Data Literacy, Git Essentials, Python Foundations
        assert cells(pilot) == ["Accessible Web Design", "Data Literacy", "Git Essentials", "Python Foundations"]
        await pilot.press("down", "down", "enter")
        assert isinstance(pilot.app.screen, BadgeScreen)
        assert text_of(pilot, "#description").startswith("Git Essentials\n")
        await pilot.press("j", "escape")
        await pilot.press("slash")
        await type_text(pilot, "data")
        await pilot.press("enter", "x", "y")
        await pilot.pause()
        assert table(pilot).row_count == 0  # valid + "data": Data Literacy was the only one, now removed
        await pilot.press("escape")  # clears the text and the status filter
        assert table(pilot).row_count == 7
        await pilot.press("R")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert text_of(pilot, "#summary") == "7 badges · 3 valid · 2 expired · 2 revoked"
        await pilot.press("q")
        await pilot.pause()

    app = make_app(demo_store, fetch_policy=OFFLINE)
    drive(app, steps)
    assert len(demo_store.list_badges()) == 7
