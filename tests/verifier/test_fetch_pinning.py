"""The fetcher connects to the address its guard checked: one DNS lookup per connection, no second one, so a name
that answers a public address first and loopback next (DNS rebinding) never reaches a loopback server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from issuer import IssuerServer

from verifier import BlockedAddress, FetchError, FetchPolicy
from verifier.http import fetch_url

PUBLIC = "1.1.1.1"  # a public address where nothing answers on the test server's port: the attempt just fails
NAME = "rebinding.test"


@pytest.fixture
def server() -> Iterator[IssuerServer]:
    with IssuerServer() as running:
        running.serve("/secret.json", {"secret": "the loopback server's"})
        yield running


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Resolve NAME to a public address the first time and to loopback afterwards; log every lookup of it."""
    asked: list[str] = []
    real = socket.getaddrinfo

    def rebinding(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != NAME:
            return real(host, port, *args, **kwargs)
        asked.append(host)
        address = PUBLIC if len(asked) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    return asked


def test_a_rebinding_name_never_reaches_the_loopback_server(server: IssuerServer, lookups: list[str]) -> None:
    from ipaddress import ip_address

    assert not ip_address(PUBLIC).is_private  # the premise: the guard lets the first answer through
    url = f"http://{NAME}:{server.port}/secret.json"
    with pytest.raises(FetchError) as raised:
        fetch_url(url, policy=FetchPolicy(connect_timeout=1.0, deadline=5.0), kind="json")
    assert not isinstance(raised.value, BlockedAddress)  # it tried the checked public address, which did not answer
    assert server.paths == []  # never the loopback server
    assert lookups == [NAME]  # one lookup: the address checked is the address connected to


def test_a_name_that_resolves_to_loopback_is_refused_before_connecting(
    server: IssuerServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = socket.getaddrinfo

    def loopback(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == NAME:
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", loopback)
    # http goes through aiohttp's resolver hook; https first through httpx (asking for HTTP/2): the same guard.
    for scheme in ("http", "https"):
        with pytest.raises(BlockedAddress, match=r"private or local address \(127\.0\.0\.1\).*rebinding\.test"):
            fetch_url(f"{scheme}://{NAME}:{server.port}/secret.json", policy=FetchPolicy(), kind="json")
    assert server.paths == []


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_an_address_written_in_the_url_is_checked_without_any_lookup(
    server: IssuerServer, lookups: list[str], scheme: str
) -> None:
    with pytest.raises(BlockedAddress, match=r"private or local address \(127\.0\.0\.1\)"):
        fetch_url(f"{scheme}://127.0.0.1:{server.port}/secret.json", policy=FetchPolicy(), kind="json")
    assert server.paths == [] and lookups == []
