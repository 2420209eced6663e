"""Publishing killed at random: the wallet's record of its publications stays whole, and every publication it
acknowledged is still listed after the kill (``tests/crash_harness.py``; ``BACKPACK_CRASH_TRIALS`` sets the count)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from crash_harness import CrashHarness, check_files, crash_trials, leftovers
from host_helpers import HostServer, Wallet

from wallet.publishing import published
from wallet.store import Store

pytestmark = pytest.mark.slow


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'host-data' / 'host.sqlite3'}"  # the wallet side is under test: one database


@pytest.fixture
def harness() -> Iterator[CrashHarness]:
    with CrashHarness() as running:
        yield running


def test_publish_killed_at_random(
    harness: CrashHarness, make_host: Callable[..., HostServer], make_wallet: Callable[..., Wallet]
) -> None:
    host = make_host(RATE_PER_HOLDER=10_000, RATE_PER_ADDRESS=10_000, MAX_PORTFOLIOS=10_000)
    wallet = make_wallet("ada")
    home = wallet.store.home
    rng = random.Random(1606)
    acknowledged: set[str] = set()
    for trial in range(max(crash_trials() // 2, 5)):
        outcome = harness.run(
            "publish", home, delay=rng.uniform(0.05, 0.6), seed=trial, collection=wallet.collection.id, host=host.url
        )
        acknowledged |= {str(event["done"]) for event in outcome["events"] if "done" in event}
        check_files(home)
        urls = {publication.url for publication in published(Store(home))}
        assert acknowledged <= urls, "a publication the wallet acknowledged was lost"
        assert not leftovers(home)
        # At most one publication made by the kill's own call is recorded without its acknowledgement.
        assert len(urls - acknowledged) <= 1
        acknowledged = urls
    assert acknowledged
