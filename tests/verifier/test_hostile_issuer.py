"""Hostile issuer servers (issue 16): a real local server (``tests/issuer.py``) that drips, never answers, answers
50 MB or a gzip bomb, loops or redirects into private networks, lies about content types, sends invalid UTF-8 or
nesting beyond any badge, uses unknown contexts, a status list claiming a gigabyte, and DID documents that point to
another DID forever. Each badge is ``unverifiable`` or ``invalid`` with a clear message within its deadline, and the
rest of a batch (``verify_many``) is unaffected."""

from __future__ import annotations

import base64
import functools
import ipaddress
import json
import resource
import time
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from issuer import IssuerFixture, IssuerServer, Route
from ob2_fixtures import *  # noqa: F403 - the issuer_server and issuer fixtures
from ob2_fixtures import EARNER, make_policy
from ob3_issuer import MockWeb, OB3Issuer, ed25519_key

from verifier import FetchPolicy, Report, VerifierPolicy, verify, verify_many

DEADLINE = 3.0
TOO_DEEP = "nested more than 100 levels deep"


def policy(**fetch: Any) -> VerifierPolicy:
    return make_policy(**{"deadline": DEADLINE, "read_timeout": 1.5, "connect_timeout": 1.0, **fetch})


def decisive(report: Report) -> tuple[str, str, str]:
    check = report.decisive_check
    assert check is not None, report.checks
    return check.id, check.outcome, check.message


def timed(source: Any, verifier_policy: VerifierPolicy | None = None, **options: Any) -> Report:
    """Verify ``source``; the report must come within the deadline (and a little for the machine's load)."""
    started = time.monotonic()
    report = verify(source, policy=verifier_policy or policy(), **options)
    assert time.monotonic() - started < DEADLINE + 2.5, f"took {time.monotonic() - started:.1f} s"
    assert report.status in ("unverifiable", "invalid"), (report.status, report.checks)
    return report


def nested(depth: int) -> bytes:
    return b'{"a":' + b"[" * depth + b"]" * depth + b"}"


MB = 1024 * 1024


@functools.cache
def gzip_of_zeros(size: int) -> bytes:
    """One GZIP member of ``size`` zero bytes, made in pieces (never ``size`` bytes in memory)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    piece = bytes(16 * MB)
    out = [packer.compress(piece) for _ in range(size // len(piece))]
    return b"".join([*out, packer.flush()])


def gzip_claiming(size: int) -> bytes:
    """GZIP that inflates to ``size`` bytes, as members of 16 MB (RFC 1952 allows several): cheap to make."""
    return gzip_of_zeros(16 * MB) * (size // (16 * MB))


# -- a server that is slow, silent or endless ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "route"),
    [
        ("slow drip", {"drip": 0.2, "drip_size": 1}),
        ("never answers", {"delay": 60.0}),
        ("stalls mid-body", {"stall_after": 40}),
    ],
)
def test_a_slow_or_silent_server_gives_up_within_the_deadline(issuer: IssuerFixture, mode: str, route: Any) -> None:
    assertion = issuer.hosted_assertion("a1")
    for name, value in route.items():
        setattr(issuer.server.routes["/assertions/a1.json"], name, value)
    check_id, outcome, message = decisive(timed(assertion["id"]))
    assert (check_id, outcome) == ("fetched", "error")
    assert message in (f"gave up after {DEADLINE:g} s waiting for the issuer",) or "timed out" in message, message


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "until-close"])
def test_a_50_mb_answer_is_refused_at_the_cap(issuer: IssuerFixture, declared: bool) -> None:
    issuer.hosted_assertion("a1")
    url = issuer.server.serve("/assertions/a1.json", b" " * (1024 * 1024), repeat=50, send_length=declared)
    check_id, outcome, message = decisive(timed(url))
    assert (check_id, outcome) == ("fetched", "error")
    assert "response larger than the" in message


def test_a_gzip_bomb_is_refused_without_inflating_it(issuer: IssuerFixture) -> None:
    """256 MB of zeros in 250 KB of GZIP, sent as ``Content-Encoding: gzip`` for the issuer profile."""
    assertion = issuer.hosted_assertion("a1")
    bomb = gzip_of_zeros(256 * MB)
    assert len(bomb) < MB
    issuer.server.serve("/issuer.json", bomb, headers={"Content-Encoding": "gzip"})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    check_id, outcome, message = decisive(timed(assertion["id"]))
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
    assert (check_id, outcome) == ("issuer", "error")
    assert "response larger than the" in message
    assert grown < 400, f"peak memory grew by {grown:.0f} MB"


# -- redirects ----------------------------------------------------------------------------------------------------


def test_a_redirect_loop_across_two_documents_is_refused(issuer: IssuerFixture) -> None:
    assertion = issuer.hosted_assertion("a1")
    issuer.server.routes["/issuer.json"] = Route(redirect_to="/issuer-moved.json")
    issuer.server.routes["/issuer-moved.json"] = Route(status=308, redirect_to="/issuer.json")
    check_id, outcome, message = decisive(timed(assertion["id"]))
    assert (check_id, outcome) == ("issuer", "error")
    assert "redirect loop" in message


@pytest.fixture
def this_server_is_public(issuer_server: IssuerServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The SSRF guard on, with one exception: 127.0.0.1, where the test issuer stands in for a public server. Every
    other private address (127.0.0.2, the cloud metadata address, RFC 1918, IPv6 loopback) stays refused."""
    from verifier import _fetch

    real = _fetch._blocked

    def blocked(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return address != ipaddress.ip_address("127.0.0.1") and real(address)

    monkeypatch.setattr(_fetch, "_blocked", blocked)
    yield


@pytest.mark.usefixtures("this_server_is_public")
@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.2/admin",
        "http://10.0.0.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.2]/",
        "http://0.0.0.0/",
    ],
)
def test_a_redirect_to_a_private_address_is_refused(issuer: IssuerFixture, target: str) -> None:
    assertion = issuer.hosted_assertion("a1")
    issuer.server.routes["/issuer.json"] = Route(redirect_to=target)
    guarded = make_policy(allow_private_network=False, deadline=DEADLINE, read_timeout=1.5, connect_timeout=1.0)
    check_id, outcome, message = decisive(timed(assertion["id"], guarded))
    assert (check_id, outcome) == ("issuer", "error")
    assert "refused to fetch from a private or local address" in message


# -- bodies that lie --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type", ["text/html", "image/png", "application/octet-stream", "", "text/plain; charset=latin-1"]
)
def test_a_json_document_under_any_content_type_is_read_as_what_it_is(issuer: IssuerFixture, content_type: str) -> None:
    assertion = issuer.hosted_assertion("a1")
    issuer.server.routes["/issuer.json"].content_type = content_type
    report = verify(assertion["id"], policy=policy())
    assert report.status == "valid", report.checks  # the body decides, not the label


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"<!doctype html><title>Sign in</title>", "application/ld+json"), (b"\x89PNG\r\n\x1a\nnot really", "image/png")],
)
def test_an_issuer_profile_that_is_not_json_is_invalid(issuer: IssuerFixture, body: bytes, content_type: str) -> None:
    assertion = issuer.hosted_assertion("a1")
    issuer.server.serve("/issuer.json", body, content_type=content_type)
    check_id, outcome, message = decisive(timed(assertion["id"]))
    assert (check_id, outcome) == ("issuer", "failed")
    assert "is not JSON" in message


@pytest.mark.parametrize("document", ["/assertions/a1.json", "/issuer.json", "/badges/robotics.json"])
def test_invalid_utf8_is_invalid_with_a_message(issuer: IssuerFixture, document: str) -> None:
    assertion = issuer.hosted_assertion("a1")
    issuer.server.serve(document, b'{"name": "caf\xe9 \xff\xfe"}')
    report = timed(assertion["id"])
    check_id, outcome, message = decisive(report)
    assert outcome == "failed" and "JSON" in message, message


@pytest.mark.parametrize(
    ("document", "stage"),
    [("/assertions/a1.json", "fetched"), ("/issuer.json", "issuer"), ("/badges/robotics.json", "badge_class")],
)
def test_deeply_nested_json_is_unverifiable(issuer: IssuerFixture, document: str, stage: str) -> None:
    assertion = issuer.hosted_assertion("a1")
    issuer.server.serve(document, nested(5_000))
    check_id, outcome, message = decisive(timed(assertion["id"]))
    assert (check_id, outcome) == (stage, "error")
    assert TOO_DEEP in message


# -- OB 3.0: contexts, status lists, DID documents --------------------------------------------------------------------


@pytest.fixture
def web() -> MockWeb:
    return MockWeb()


def ob3_policy() -> VerifierPolicy:
    fetch = FetchPolicy(allow_private_network=True, connect_timeout=1.0, read_timeout=1.5, deadline=DEADLINE)
    return VerifierPolicy(fetch=fetch, recipients=())


def test_an_unknown_context_is_unverifiable(issuer_server: IssuerServer, web: MockWeb) -> None:
    issuer = OB3Issuer.did_key(ed25519_key("hostile-context"))
    credential = issuer.credential(contexts=("https://contexts.example/never-seen/v1",))
    report = timed(issuer.jwt(credential), ob3_policy(), transport=web.transport())  # signed: only the context is wrong
    assert report.status == "unverifiable"
    check_id, outcome, message = decisive(report)
    assert (check_id, outcome) == ("json_ld", "error")
    assert "https://contexts.example/never-seen/v1" in message and "not one the backpack knows" in message


def test_a_status_list_claiming_a_gigabyte_is_refused(issuer_server: IssuerServer, web: MockWeb) -> None:
    issuer = OB3Issuer.did_key(ed25519_key("hostile-status"), server=issuer_server)
    url = issuer_server.url("/status/huge")
    encoded = "u" + base64.urlsafe_b64encode(gzip_claiming(1024 * MB)).rstrip(b"=").decode()
    status_list = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer.id,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
    }
    issuer_server.serve("/status/huge", issuer.sign(status_list))
    credential = issuer.sign(issuer.credential(status=issuer.bitstring_entry(7, "/status/huge")))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report = timed(json.dumps(credential), ob3_policy(), transport=web.transport())
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
    check_id, outcome, message = decisive(report)
    assert (check_id, outcome) == ("revocation", "error"), report.checks
    assert "once decompressed: refused" in message
    assert grown < 400, f"peak memory grew by {grown:.0f} MB"


def test_did_documents_pointing_to_another_did_forever(web: MockWeb) -> None:
    """did:web:a's key is "controlled by" did:web:b, whose document points to did:web:c, … 300 of them."""
    key = ed25519_key("hostile-did")
    hosts = [f"chain{n}.example" for n in range(300)]
    first = OB3Issuer.did_web(web, hosts[0], key=key, publish=False)
    for n, host in enumerate(hosts):
        did, next_did = f"did:web:{host}", f"did:web:{hosts[(n + 1) % len(hosts)]}"
        document = {
            "@context": ["https://www.w3.org/ns/did/v1"],
            "id": did,
            "controller": next_did,
            "alsoKnownAs": [next_did],
            "verificationMethod": [f"{next_did}#key-1"],
            "assertionMethod": [f"{next_did}#key-1"],
        }
        web.serve(f"https://{host}/.well-known/did.json", document)
    credential = first.sign(first.credential())
    report = timed(json.dumps(credential), ob3_policy(), transport=web.transport())
    assert len(web.requested) < 10, web.requested  # no walk along the chain
    check_id, outcome, message = decisive(report)
    assert check_id in ("key_owner", "signature"), report.checks


# -- a batch: the hostile ones do not hold up the others --------------------------------------------------------------


def test_hostile_issuers_leave_the_rest_of_a_batch_unaffected(issuer: IssuerFixture) -> None:
    server = issuer.server
    good = issuer.hosted_assertion("good")
    hostile = {
        "drip": server.serve("/h/drip.json", json.dumps(good), drip=0.2),
        "silent": server.serve("/h/silent.json", b"{}", delay=60.0),
        "huge": server.serve("/h/huge.json", b" " * (1024 * 1024), repeat=50),
        "bomb": server.serve("/h/bomb.json", gzip_of_zeros(256 * MB), headers={"Content-Encoding": "gzip"}),
        "loop": server.serve("/h/loop.json", redirect_to="/h/loop.json"),
        "utf8": server.serve("/h/utf8.json", b'{"id": "\xff"}'),
        "deep": server.serve("/h/deep.json", nested(5_000)),
    }
    started = time.monotonic()
    reports = verify_many([*hostile.values(), good["id"]], policy=policy())
    assert time.monotonic() - started < DEADLINE + 3
    *bad, fine = reports
    assert fine.status == "valid", fine.checks
    for name, report in zip(hostile, bad, strict=True):
        assert report.status in ("unverifiable", "invalid"), (name, report.checks)
        assert report.decisive_check is not None and report.decisive_check.message, name
    assert EARNER  # the batch verified for the earner the fixtures issue to
