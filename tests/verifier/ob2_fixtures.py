"""Fixtures for the OB 2.0 verification tests against a real local issuer (``tests/issuer.py``).

Test modules import them with ``from ob2_fixtures import *`` (the way they import ``helpers``): ``tests/`` and
``tests/verifier/`` are on ``sys.path`` because both hold a ``conftest.py`` and no ``__init__.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from issuer import IssuerFixture, IssuerServer

from verifier import FetchPolicy, VerifierPolicy

__all__ = ["EARNER", "NOW", "issuer", "issuer_server", "make_policy", "other_server"]

EARNER = "earner@example.org"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
"""The pinned clock of these tests: badges are issued on 2026-01-15 by default."""


def make_policy(*, recipients: tuple[str, ...] = (EARNER,), now: datetime = NOW, **fetch: Any) -> VerifierPolicy:
    """A policy for loopback issuers: private network allowed, short timeouts; ``fetch`` overrides FetchPolicy."""
    options: dict[str, Any] = {
        "allow_private_network": True,
        "connect_timeout": 2.0,
        "read_timeout": 5.0,
        "deadline": 8.0,
    }
    options.update(fetch)
    return VerifierPolicy(fetch=FetchPolicy(**options), recipients=recipients, now=now)


def _running_server() -> Iterator[IssuerServer]:
    server = IssuerServer().start()
    try:
        yield server
    finally:
        server.close()
    assert server.errors == [], f"the local issuer's handlers raised: {server.errors}"


@pytest.fixture
def issuer_server() -> Iterator[IssuerServer]:
    """A running local issuer server (127.0.0.1, ephemeral port), closed after the test."""
    yield from _running_server()


@pytest.fixture
def other_server() -> Iterator[IssuerServer]:
    """A second server: another port, so another authority (origin) than ``issuer_server``."""
    yield from _running_server()


@pytest.fixture
def issuer(issuer_server: IssuerServer) -> IssuerFixture:
    """An issuer with its Profile and key published on ``issuer_server``."""
    return IssuerFixture(issuer_server)
