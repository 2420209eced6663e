"""The wallet's functions for what a holder does, which every front end calls: import then verify, write cards and
bundles, delete a collection with its links, refresh stale results. Against the demo backpack (verified offline)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from verifier import FetchPolicy, verify
from wallet import (
    ImportProgress,
    Store,
    delete_collection_and_shares,
    import_and_verify,
    refresh_stale,
    select,
    shares,
    write_bundle,
    write_cards,
)
from wallet import badge_collections as collections
from wallet.errors import WalletError
from wallet.exporting import ExportError
from wallet.settings import set_setting

OFFLINE = FetchPolicy(offline=True)


def test_import_and_verify_reports_each_step_then_the_verdicts(store: Store, badge_files: dict[str, Path]) -> None:
    folder = next(iter(badge_files.values())).parent
    (folder / "notes.txt").write_text("not a badge")
    steps: list[ImportProgress] = []
    outcome = import_and_verify(store, [str(folder)], policy=OFFLINE, verify_chunk=3, progress=steps.append)
    assert len(outcome.records) == 8 and len(outcome.failures) == 1
    assert outcome.failures[0].source.endswith("notes.txt")
    # Each source is announced, then reported once stored (sources are stored in batches), in order.
    imported = [(n, s) for n, s in enumerate(steps) if s.stage == "imported"]
    assert [s.done for _n, s in imported] == list(range(1, 10))
    announced = {s.source: n for n, s in enumerate(steps) if s.stage == "importing"}
    assert all(announced[s.source] < n for n, s in imported)
    assert steps[0].stage == "importing" and steps[0].done == 0
    assert [(s.done, s.total) for s in steps if s.stage == "verified"] == [(3, 8), (6, 8), (8, 8)]
    assert [r.id for r, _report in outcome.verified] == [r.id for r in outcome.records]
    stored = {r.id: r.status for r in store.list_badges()}
    assert {r.id: report.status for r, report in outcome.verified} == stored  # the reports are kept
    assert not outcome.cancelled


def test_import_and_verify_stops_when_cancelled(store: Store, badge_files: dict[str, Path]) -> None:
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 2  # two sources, then stop

    outcome = import_and_verify(store, [str(p) for p in badge_files.values()], policy=OFFLINE, cancelled=cancelled)
    assert outcome.cancelled and len(outcome.results) == 2 and outcome.verified == []
    assert len(store.list_badges()) == 2


def test_import_and_verify_without_verification_stores_unchecked(store: Store, badge_files: dict[str, Path]) -> None:
    outcome = import_and_verify(store, [str(next(iter(badge_files.values())))], verify=False)
    assert [r.status for r in outcome.records] == ["unchecked"] and outcome.verified == []


def test_write_cards_png_per_badge_or_one_pdf(demo: Store, tmp_path: Path) -> None:
    ids = [r.id for r in demo.list_badges()][:2]
    collections.create_collection(demo, "Two")
    collections.add_badges(demo, "Two", ids)
    pngs = write_cards(demo, select(demo, "Two"), tmp_path / "card.png")
    assert [Path(c.target).name for c in pngs] == ["card-1.png", "card-2.png"]
    assert all(Path(c.target).read_bytes().startswith(b"\x89PNG") for c in pngs)
    one = write_cards(demo, select(demo, ids[0]), tmp_path / "one.png")
    assert [c.target for c in one] == [str(tmp_path / "one.png")]
    pdf = write_cards(demo, select(demo, "Two"), tmp_path / "cards.pdf")
    assert [c.target for c in pdf] == [f"{tmp_path / 'cards.pdf'} page 1", f"{tmp_path / 'cards.pdf'} page 2"]
    with pytest.raises(ExportError, match=r"ends in \.png or \.pdf"):
        write_cards(demo, select(demo, "Two"), tmp_path / "card.jpg")


def test_write_bundle_writes_a_portfolio_that_verifies(demo: Store, tmp_path: Path) -> None:
    set_setting(demo, "offline", True)
    ids = [r.id for r in demo.list_badges()][:2]
    collections.create_collection(demo, "Two")
    collections.add_badges(demo, "Two", ids)
    collection, bundle, problems = write_bundle(demo, "two", tmp_path / "two.jsonld", fetch_policy=OFFLINE)
    assert collection.name == "Two" and problems == []
    written = json.loads((tmp_path / "two.jsonld").read_text())
    assert written == bundle and written["holder"].startswith("did:key:")
    assert len(verify((tmp_path / "two.jsonld").read_bytes()).items) == 2
    with pytest.raises(WalletError, match="is a folder"):
        write_bundle(demo, "two", tmp_path, fetch_policy=OFFLINE)


def test_deleting_a_collection_revokes_only_its_links(demo: Store) -> None:
    badge = demo.list_badges()[0]
    collections.create_collection(demo, "Shown")
    collections.add_badges(demo, "Shown", [badge.id])
    first = shares.create_share(demo, "Shown")
    second = shares.create_share(demo, "Shown")
    own = shares.create_share(demo, badge.id)
    deleted, revoked = delete_collection_and_shares(demo, "shown")
    assert deleted.name == "Shown" and sorted(revoked) == sorted([first.token, second.token])
    states = {s.token: s.state() for s in shares.list_shares(demo)}
    assert states == {first.token: "revoked", second.token: "revoked", own.token: "active"}


def test_refresh_stale_rechecks_only_old_results(demo: Store) -> None:
    ids = [record.id for record in demo.list_badges()]
    now = datetime.now(UTC)
    assert refresh_stale(demo, ids, max_age=timedelta(hours=1), fetch_policy=OFFLINE, now=now) == []
    later = now + timedelta(hours=2)
    rechecked = refresh_stale(demo, ids, max_age=timedelta(hours=1), fetch_policy=OFFLINE, now=later)
    assert sorted(r.id for r in rechecked) == sorted(ids)
