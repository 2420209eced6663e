"""Fixtures and helpers for the wallet and CLI tests that verify badges: the real local issuer, the demo issuer's cache.

Test modules import the fixtures with ``from cli_fixtures import *`` (the way the verifier tests use
``ob2_fixtures``): ``tests/`` is on ``sys.path`` because it holds a ``conftest.py`` and no ``__init__.py``.
``tests/verifier/`` is on it only when the verifier tests are collected too, so nothing here imports from there.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from issuer import IssuerFixture, IssuerServer

from verifier import FetchPolicy
from verifier.http import CachedResponse
from wallet.cache import StoreResponseCache
from wallet.store import Store

__all__ = [
    "EARNER",
    "ISSUED_ON",
    "issuer",
    "issuer_server",
    "local_policy",
    "prefill_cache",
    "statuses",
]

EARNER = "earner@example.org"
"""The recipient of the local issuer's badges (hashed with a salt in the assertions)."""
ISSUED_ON = "2025-01-15T10:00:00Z"
"""The wallet verifies against the real clock: badges of the local issuer are issued well in the past."""

_STATUS_LINE = re.compile(r"^([0-9a-f]{10})  \S (valid|expired|revoked|invalid|unverifiable)\b", re.MULTILINE)


def statuses(output: str) -> dict[str, str]:
    """Badge id -> status, from the status lines of ``import`` and ``recheck`` (``<id>  <mark> <status> <name>``)."""
    return dict(_STATUS_LINE.findall(output))


def local_policy(**overrides: Any) -> FetchPolicy:
    """A fetch policy for the loopback issuer: private network allowed, short timeouts."""
    options: dict[str, Any] = {
        "allow_private_network": True,
        "connect_timeout": 2.0,
        "read_timeout": 5.0,
        "deadline": 8.0,
    }
    options.update(overrides)
    return FetchPolicy(**options)


def prefill_cache(store: Store, documents: dict[str, tuple[int, dict[str, Any]]], *, offline: bool = True) -> None:
    """Put an issuer's documents in the backpack's HTTP cache, as the demo does (and mark the backpack offline)."""
    cache = StoreResponseCache(store)
    for url, (status, document) in documents.items():
        body = json.dumps(document, indent=2).encode("utf-8")
        cache.put(CachedResponse(url, status, "application/ld+json", body, fetched_at=time.time()))
    cache.flush()
    if offline:
        store.set_setting("offline", True)


@pytest.fixture
def issuer_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[IssuerServer]:
    """A running local issuer (127.0.0.1, ephemeral port), closed after the test; no proxy between us and it."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    server = IssuerServer().start()
    try:
        yield server
    finally:
        server.close()
    assert server.errors == [], f"the local issuer's handlers raised: {server.errors}"


@pytest.fixture
def issuer(issuer_server: IssuerServer) -> IssuerFixture:
    """An OB 2.0 issuer (Profile, key, badge class ``robotics``) published on ``issuer_server``."""
    return IssuerFixture(issuer_server)
