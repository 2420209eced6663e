"""The host's storage seam on SQLite and on PostgreSQL: the same behaviour, the races settled by the database."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect

from verifier.http import CachedResponse
from webview.host.storage import NotOwner, Quota, QuotaExceeded, SqlHostStore, migrate

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def _save(store: SqlHostStore, slug: str, did: str, **options: object) -> object:
    values: dict[str, object] = {
        "holder_did": did,
        "name": "Portfolio",
        "presentation": '{"type": "VerifiablePresentation"}',
        "item_count": 1,
        "expires_at": NOW + timedelta(days=30),
        "now": NOW,
        "quota": Quota(),
        "reports": [{"status": "valid"}],
    }
    values.update(options)
    return store.save_portfolio(slug, **values)  # type: ignore[arg-type]


def test_schema_is_created_and_migrating_again_is_harmless(database_url: str, host_store: SqlHostStore) -> None:
    migrate(database_url)  # a second run (another worker, `host migrate`) finds it current
    tables = set(inspect(host_store.engine).get_table_names())
    assert {"holders", "portfolios", "nonces", "item_checks", "http_cache", "rate_counters", "settings"} <= tables
    assert "alembic_version" in tables


def test_nonces_are_single_use_and_expire(host_store: SqlHostStore) -> None:
    host_store.create_nonce("n1", now=NOW, expires_at=NOW + timedelta(minutes=5))
    assert host_store.nonce_state("n1", now=NOW) == "fresh"
    assert host_store.nonce_state("n2", now=NOW) == "unknown"
    assert host_store.nonce_state("n1", now=NOW + timedelta(minutes=6)) == "expired"
    assert not host_store.consume_nonce("n1", now=NOW + timedelta(minutes=6))
    assert host_store.consume_nonce("n1", now=NOW)
    assert not host_store.consume_nonce("n1", now=NOW)
    assert host_store.nonce_state("n1", now=NOW) == "used"


def test_concurrent_consumers_of_one_nonce_have_one_winner(host_store: SqlHostStore) -> None:
    host_store.create_nonce("race", now=NOW, expires_at=NOW + timedelta(minutes=5))
    results: list[bool] = []
    barrier = threading.Barrier(6)

    def consume() -> None:
        barrier.wait()
        results.append(host_store.consume_nonce("race", now=NOW))

    threads = [threading.Thread(target=consume) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 5 + [True]


def test_portfolios_belong_to_their_holder(host_store: SqlHostStore) -> None:
    record, created = _save(host_store, "ada", "did:key:zAda")  # type: ignore[misc]
    assert created and record.state(NOW) == "live" and record.holder_did == "did:key:zAda"
    again, created = _save(host_store, "ada", "did:key:zAda", name="Renamed", reports=[{"a": 1}, {"b": 2}])  # type: ignore[misc]
    assert not created and again.id == record.id and again.name == "Renamed"
    assert [c.report for c in host_store.item_checks(record.id)] == [{"a": 1}, {"b": 2}]
    with pytest.raises(NotOwner):
        _save(host_store, "ada", "did:key:zEve")
    with pytest.raises(NotOwner):
        host_store.withdraw_portfolio("ada", holder_did="did:key:zEve", now=NOW)
    assert host_store.withdraw_portfolio("nobody", holder_did="did:key:zAda", now=NOW) is None
    withdrawn = host_store.withdraw_portfolio("ada", holder_did="did:key:zAda", now=NOW)
    assert withdrawn is not None and withdrawn.state(NOW) == "withdrawn" and withdrawn.presentation is None
    assert host_store.item_checks(record.id) == []
    revived, created = _save(host_store, "ada", "did:key:zAda")  # type: ignore[misc]
    assert not created and revived.state(NOW) == "live"


def test_quotas(host_store: SqlHostStore) -> None:
    quota = Quota(max_portfolios=2, max_items=3, max_bytes=100)
    _save(host_store, "one", "did:key:zAda", quota=quota)
    _save(host_store, "two", "did:key:zAda", quota=quota)
    _save(host_store, "two", "did:key:zAda", quota=quota)  # replacing one does not count twice
    with pytest.raises(QuotaExceeded, match="2 portfolios"):
        _save(host_store, "three", "did:key:zAda", quota=quota)
    with pytest.raises(QuotaExceeded, match="at most 3 badges"):
        _save(host_store, "one", "did:key:zAda", quota=quota, item_count=4)
    with pytest.raises(QuotaExceeded, match="bytes"):
        _save(host_store, "one", "did:key:zAda", quota=quota, presentation="x" * 90)
    _save(host_store, "other", "did:key:zEve", quota=quota)  # quotas are per holder
    host_store.withdraw_portfolio("one", holder_did="did:key:zAda", now=NOW)
    _save(host_store, "three", "did:key:zAda", quota=quota)  # a withdrawn portfolio frees its place


def test_expiry_and_purge(host_store: SqlHostStore) -> None:
    record, _ = _save(host_store, "short", "did:key:zAda", expires_at=NOW + timedelta(hours=1))  # type: ignore[misc]
    later = NOW + timedelta(hours=2)
    assert record.state(later) == "expired"
    host_store.create_nonce("old", now=NOW, expires_at=NOW + timedelta(minutes=5))
    host_store.purge(now=later)
    purged = host_store.get_portfolio("short")
    assert purged is not None and purged.presentation is None and purged.state(NOW) == "expired"
    assert host_store.item_checks(record.id) == []
    assert host_store.nonce_state("old", now=later) == "unknown"


def test_recheck_lease_has_one_holder_at_a_time(host_store: SqlHostStore) -> None:
    record, _ = _save(host_store, "lease", "did:key:zAda")  # type: ignore[misc]
    lease = timedelta(seconds=60)
    assert host_store.claim_recheck(record.id, now=NOW, lease=lease)
    assert not host_store.claim_recheck(record.id, now=NOW + timedelta(seconds=30), lease=lease)
    assert host_store.claim_recheck(record.id, now=NOW + timedelta(seconds=61), lease=lease)
    host_store.save_item_checks(record.id, [{"status": "revoked"}], checked_at=NOW + timedelta(seconds=70))
    [check] = host_store.item_checks(record.id)
    assert check.report == {"status": "revoked"} and check.checked_at == NOW + timedelta(seconds=70)


def test_rate_counters_count_per_window(host_store: SqlHostStore) -> None:
    assert [host_store.hit("address:1.2.3.4", period=60, now=NOW) for _ in range(3)] == [1, 2, 3]
    assert host_store.hit("address:5.6.7.8", period=60, now=NOW) == 1
    assert host_store.hit("address:1.2.3.4", period=60, now=NOW + timedelta(seconds=60)) == 1


def test_http_cache_implements_the_verifiers_protocol(host_store: SqlHostStore) -> None:
    cache = host_store.response_cache()
    assert cache.get("https://issuer.example/a") is None
    entry = CachedResponse("https://issuer.example/a", 200, "application/json", b'{"a": 1}', time.time(), "e1", 60.0)
    cache.put(entry)
    assert cache.get("https://issuer.example/a") == entry
    cache.put(CachedResponse("https://issuer.example/a", 200, "application/json", b"{}", entry.fetched_at))
    assert cache.get("https://issuer.example/a").body == b"{}"  # type: ignore[union-attr]


def test_settings_first_writer_wins(host_store: SqlHostStore) -> None:
    assert host_store.setting("secret_key", "first") == "first"
    assert host_store.setting("secret_key", "second") == "first"
