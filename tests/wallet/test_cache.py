"""``StoreResponseCache``: the verifier's HTTP cache kept in the backpack (rows in the database, bodies in blobs)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from cli_fixtures import *  # noqa: F403 - the issuer_server and issuer fixtures
from cli_fixtures import ISSUED_ON, local_policy
from issuer import IssuerFixture, IssuerServer

from verifier import VerifierPolicy, verify_many
from verifier.http import CachedResponse
from wallet.cache import StoreResponseCache
from wallet.store import Store

URL = "https://issuer.example/assertions/1.json"
BODY = b'{"id": "https://issuer.example/assertions/1.json", "marker": "' + b"m" * 5000 + b'"}'


def entry(url: str = URL, body: bytes = BODY, **fields: Any) -> CachedResponse:
    values: dict[str, Any] = {
        "status": 200,
        "content_type": "application/ld+json",
        "fetched_at": 1_780_000_000.25,
        "etag": '"v1"',
        "max_age": 600.0,
        "final_url": url.replace("/1.json", "/1"),
    }
    values.update(fields)
    return CachedResponse(url=url, body=body, **values)


def cache_rows(store: Store) -> list[dict[str, Any]]:
    return list(json.loads(store.db_path.read_bytes()).get("http_cache", {}).values())


def test_an_entry_survives_to_the_next_run_once_flushed(store: Store) -> None:
    stored = entry()
    writer = StoreResponseCache(store)
    writer.put(stored)
    assert writer.get(URL) == stored  # this run sees it at once
    assert StoreResponseCache(store).get(URL) is None  # another run does not, before the flush
    writer.flush()
    reloaded = StoreResponseCache(store).get(URL)
    assert reloaded == stored  # every field, the body included
    assert StoreResponseCache(store).get("https://issuer.example/other.json") is None


def test_bodies_live_in_blobs_not_in_the_database(store: Store) -> None:
    cache = StoreResponseCache(store)
    cache.put(entry())
    cache.flush()
    assert b"mmmmmmmmmm" not in store.db_path.read_bytes()
    [row] = cache_rows(store)
    assert row["url"] == URL and "body" not in row
    digest = hashlib.sha256(BODY).hexdigest()
    assert row["body_blob"] == digest
    assert (store.blob_dir / digest).read_bytes() == BODY


def test_updating_a_url_replaces_its_row(store: Store) -> None:
    cache = StoreResponseCache(store)
    cache.put(entry())
    cache.flush()
    newer = entry(body=b'{"version": 2}', etag='"v2"', fetched_at=1_780_000_500.0)
    cache.put(newer)
    cache.flush()
    assert [row["url"] for row in cache_rows(store)] == [URL]
    assert StoreResponseCache(store).get(URL) == newer

    # Two runs that loaded the cache before either wrote: the second one's flush still updates, not duplicates.
    first, second = StoreResponseCache(store), StoreResponseCache(store)
    first.put(entry(body=b"{}", etag='"v3"'))
    first.put(entry("https://issuer.example/new.json"))
    first.flush()
    latest = entry(body=b"[]", etag='"v4"')
    second.put(latest)
    second.put(entry("https://issuer.example/new.json", etag='"v5"'))
    second.flush()
    assert sorted(row["url"] for row in cache_rows(store)) == [URL, "https://issuer.example/new.json"]
    assert StoreResponseCache(store).get(URL) == latest
    assert StoreResponseCache(store).get("https://issuer.example/new.json").etag == '"v5"'  # type: ignore[union-attr]


def test_a_missing_blob_is_a_cache_miss(store: Store) -> None:
    cache = StoreResponseCache(store)
    cache.put(entry())
    cache.put(entry("https://issuer.example/kept.json", body=b'{"kept": true}'))
    cache.flush()
    (store.blob_dir / hashlib.sha256(BODY).hexdigest()).unlink()
    reloaded = StoreResponseCache(store)
    assert reloaded.get(URL) is None
    assert reloaded.get("https://issuer.example/kept.json").body == b'{"kept": true}'  # type: ignore[union-attr]


def test_a_flush_with_nothing_new_writes_nothing(store: Store) -> None:
    StoreResponseCache(store).flush()
    assert not store.home.exists()  # loading and flushing an empty cache does not create a backpack
    cache = StoreResponseCache(store)
    cache.put(entry())
    cache.flush()
    stamp = store.db_path.stat().st_mtime_ns
    again = StoreResponseCache(store)
    assert again.get(URL) is not None
    again.flush()
    assert store.db_path.stat().st_mtime_ns == stamp


def verify_with_the_store_cache(store: Store, url: str) -> str:
    """One run: load the backpack's cache, verify, flush (what the CLI does)."""
    cache = StoreResponseCache(store)
    [report] = verify_many([url], policy=VerifierPolicy(fetch=local_policy()), cache=cache)
    cache.flush()
    return report.status


def test_fresh_documents_are_not_fetched_again_in_the_next_run(store: Store, issuer_server: IssuerServer) -> None:
    issuer = IssuerFixture(issuer_server, headers={"Cache-Control": "max-age=600"})
    assertion = issuer.hosted_assertion("fresh", issued_on=ISSUED_ON)
    assert verify_with_the_store_cache(store, assertion["id"]) == "valid"
    assert issuer_server.counts()["/assertions/fresh.json"] == 1
    issuer_server.clear_log()
    assert verify_with_the_store_cache(store, assertion["id"]) == "valid"
    assert issuer_server.requests == []  # every document was fresh in the backpack's cache


def test_stale_documents_are_revalidated_with_their_etag(store: Store, issuer_server: IssuerServer) -> None:
    issuer = IssuerFixture(issuer_server, etags=True)
    assertion = issuer.hosted_assertion("tagged", issued_on=ISSUED_ON)
    assert verify_with_the_store_cache(store, assertion["id"]) == "valid"
    rows = len(cache_rows(store))
    issuer_server.clear_log()
    assert verify_with_the_store_cache(store, assertion["id"]) == "valid"
    revalidations = [r for r in issuer_server.requests if r.path == "/assertions/tagged.json"]
    assert [(r.status, "if-none-match" in r.headers) for r in revalidations] == [(304, True)]
    assert len(cache_rows(store)) == rows  # refreshed in place
