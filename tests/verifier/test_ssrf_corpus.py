"""The fetcher's guard against the SSRF corpus (tests/hostile_web.py): private, loopback, link-local, shared and
site-local ranges in IPv4 and IPv6, IPv4 inside IPv6 (mapped, 6to4), decimal, octal and hexadecimal forms, names
resolving to loopback, other schemes. Every one is refused before a connection, and the loopback server sees nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

import pytest
from hostile_web import SECRET, assert_unreached, ssrf_corpus
from issuer import IssuerServer

from verifier import FetchError, FetchPolicy
from verifier.http import check_destination, fetch_url


@pytest.fixture(scope="module")
def loopback() -> Iterator[IssuerServer]:
    with IssuerServer() as server:
        server.serve("/secret.json", SECRET)
        yield server


@pytest.mark.parametrize("index", range(len(ssrf_corpus(1))))
def test_every_corpus_destination_is_refused(loopback: IssuerServer, index: int) -> None:
    url = ssrf_corpus(loopback.port)[index]
    policy = FetchPolicy(connect_timeout=1.0, deadline=3.0)
    with pytest.raises(FetchError):
        check_destination(url, policy)
    with pytest.raises(FetchError):
        fetch_url(url, policy=policy, kind="json")
    assert_unreached(loopback)


@pytest.mark.parametrize(
    "address",
    ["100.64.0.1", "100.100.100.200", "2002:7f00:1::", "2002:a9fe:a9fe::", "fec0::1", "::ffff:10.0.0.1"],
)
def test_ranges_the_guard_once_let_through_are_refused(address: str) -> None:
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(FetchError, match="private or local address"):
        check_destination(f"http://{host}/", FetchPolicy())


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700:4700::1111", "2002:808:808::1", "::ffff:8.8.8.8"])
def test_public_addresses_in_the_same_notations_pass_the_guard(address: str) -> None:
    assert ipaddress.ip_address(address).is_global or address.startswith("2002:")
    host = f"[{address}]" if ":" in address else address
    check_destination(f"http://{host}/", FetchPolicy())  # no exception: only the guard is asked, nothing is fetched


def test_an_address_the_http_client_cannot_parse_is_a_fetch_error_not_a_crash() -> None:
    with pytest.raises(FetchError, match="not valid"):
        fetch_url("http://0177.0.0.1/secret.json", policy=FetchPolicy(deadline=2.0), kind="json")
