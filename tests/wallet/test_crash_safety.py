"""Crash safety: writers killed with SIGKILL at random moments of import, recheck, collection edits and the first
creation of the holder key and web secret, many times over (``tests/crash_harness.py`` forks and kills them).

After every kill the backpack opens, holds the old state or the new one (never a half-applied edit), has lost no
committed change, holds no empty or partial file, and its next opening removes the temporary files the killed
writer left. (Publishing is killed the same way in tests/host/test_publish_crash.py.)

``BACKPACK_CRASH_TRIALS`` sets the number of kills per operation (default 25, about 20 s in all); a longer run, e.g.
``BACKPACK_CRASH_TRIALS=500 pytest tests/wallet/test_crash_safety.py tests/host/test_publish_crash.py``, is
described in docs/testing.md.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from crash_harness import CrashHarness, badge_keys, check_files, collection_state, crash_trials, leftovers

from wallet.demo import seed_demo
from wallet.holder import holder
from wallet.store import Store
from webview import create_app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def harness() -> Iterator[CrashHarness]:
    with CrashHarness() as running:
        yield running


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("crash-demo") / "home"
    seed_demo(Store(home))
    return home


def _allowed(events: list[dict[str, object]], before: object) -> list[object]:
    """The states the backpack may hold after the kill: the last committed one (``before`` if none was), and the
    one in flight if the kill came while an operation ran."""
    allowed: list[object] = [before]
    for event in events:
        if "done" in event:
            allowed = [event["done"]]
        elif "pending" in event:
            allowed = [allowed[0], event["pending"]]
    return allowed


def test_import_killed_at_random(harness: CrashHarness, home: Path) -> None:
    rng = random.Random(1601)
    keys: list[str] = []
    seen_leftovers = 0
    for trial in range(crash_trials()):
        outcome = harness.run("import", home, delay=rng.uniform(0.0, 0.25), seed=trial)
        seen_leftovers += len(leftovers(home))
        check_files(home)
        before, keys = keys, badge_keys(Store(home))
        assert keys in _allowed(outcome["events"], before), "a committed badge was lost, or a half import kept"
        assert set(before) <= set(keys)
        assert not leftovers(home), "the next opening did not clear the killed writer's temporary files"
    # Kills did land in the middle of writes (their temporary files were there to clear), and imports got through.
    assert seen_leftovers > 0
    assert keys


def test_recheck_killed_at_random(harness: CrashHarness, demo_template: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(demo_template, home)
    before = {record.id: record.summary for record in Store(home).list_badges()}
    rng = random.Random(1602)
    for trial in range(crash_trials()):
        harness.run("recheck", home, delay=rng.uniform(0.0, 0.4), seed=trial)
        check_files(home)
        records = Store(home).list_badges()
        assert {record.id for record in records} == set(before)  # a recheck never adds or drops a badge
        for record in records:
            assert record.report is not None and record.status in ("valid", "expired", "revoked")
            assert record.info.name  # the summary is whole
        assert not leftovers(home)


def test_collection_edits_killed_at_random(harness: CrashHarness, demo_template: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(demo_template, home)
    rng = random.Random(1603)
    for trial in range(crash_trials()):
        before = collection_state(Store(home))
        outcome = harness.run("collections", home, delay=rng.uniform(0.0, 0.15), seed=trial)
        check_files(home)
        after = collection_state(Store(home))
        assert after in _allowed(outcome["events"], before), f"half-applied edit: {json.dumps(after)[:300]}"
        assert not leftovers(home)


def test_holder_key_creation_killed_at_random(harness: CrashHarness, tmp_path: Path) -> None:
    rng = random.Random(1604)
    for trial in range(crash_trials()):
        home = tmp_path / f"home-{trial}"
        outcome = harness.run("holder-key", home, delay=rng.uniform(0.0, 0.02), seed=trial)
        check_files(home)
        key_file = home / "holder-key.pem"
        committed = [event["done"] for event in outcome["events"] if "done" in event]
        if committed:
            assert key_file.exists()
        Store(home).list_badges()  # the next opening
        assert not leftovers(home)
        did = holder(Store(home)).did  # the next use works: the key that was there, or a new one
        if committed:
            assert did == committed[0]


def test_web_secret_creation_killed_at_random(harness: CrashHarness, tmp_path: Path) -> None:
    rng = random.Random(1605)
    for trial in range(crash_trials()):
        home = tmp_path / f"home-{trial}"
        outcome = harness.run("web-secret", home, delay=rng.uniform(0.0, 0.02), seed=trial)
        check_files(home)
        committed = [event["done"] for event in outcome["events"] if "done" in event]
        app = create_app({"BACKPACK_HOME": str(home)})
        if committed:
            assert app.config["SECRET_KEY"] == committed[0]
        assert app.test_client().get("/healthz").status_code == 200
        assert not leftovers(home)
