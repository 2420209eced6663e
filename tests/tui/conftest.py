"""Fixtures for the TUI tests: the demo backpack, seeded once per module and copied for each test.

The demo is frozen after seeding so that what the TUI shows does not depend on when or where the tests run: every
verification's ``checked_at`` and "cached copy from …" time becomes ``FROZEN_AT``, and every file path under the
temporary folder becomes ``~/demo-files/<name>``. Badge ids derive from credential ids and are deterministic; the
OB 3.0 issuer's did:key is not (the demo makes a new key each time), so snapshots avoid showing it.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from wallet.badge_collections import delete_collection
from wallet.demo import DEMO_COLLECTION, seed_demo
from wallet.store import Store

__all__ = ["FROZEN_AT", "demo_store", "demo_template", "freeze_store"]

FROZEN_AT = "2026-06-01T12:00:00Z"
_CACHED_COPY = re.compile(r"cached copy from [0-9T:\-.+Z]+")


def freeze_store(store: Store, *, checked_at: str = FROZEN_AT) -> None:
    """Rewrite the volatile parts of every badge (verification times, temporary paths) to fixed values."""
    folder = str(store.home / "demo-files")

    def fixed(value: Any) -> Any:
        if isinstance(value, str):
            value = _CACHED_COPY.sub(f"cached copy from {checked_at}", value)
            return value.replace(folder, "~/demo-files")
        if isinstance(value, list):
            return [fixed(item) for item in value]
        if isinstance(value, dict):
            return {key: fixed(item) for key, item in value.items()}
        return value

    with store.transaction(write=True) as db:
        for row in db.all("badges"):
            changed = fixed(dict(row))
            if changed.get("verification"):
                changed["verification"]["checked_at"] = checked_at
            db.update("badges", changed, id=row["id"])


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A verified, frozen demo backpack (8 badges), made once per test module: copy it, never change it."""
    home = tmp_path_factory.mktemp("tui-demo") / "backpack"
    store = Store(home)
    assert seed_demo(store) == 8
    # The collection tests start from none: the demo's own "Demo" collection goes (its badges stay).
    delete_collection(store, DEMO_COLLECTION)
    freeze_store(store)
    return home


@pytest.fixture
def demo_store(demo_template: Path, tmp_path: Path) -> Store:
    """This test's own copy of the demo backpack."""
    home = tmp_path / "demo-backpack"
    shutil.copytree(demo_template, home)
    return Store(home)
