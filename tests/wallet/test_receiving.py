"""Receiving badges from a real issuer on loopback: OpenID4VCI offers, VC-API exchanges, DCC requests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cli_helpers import run
from click.testing import CliRunner
from issuer import qr_photo
from receiving_issuer import Behaviour, LoopbackIssuer

from verifier import FetchPolicy
from wallet.holder import holder
from wallet.importer import ImportOutcome, import_and_verify
from wallet.receiving import ReceiveOptions, TxCodeRequest, recognise
from wallet.receiving.http import IssuerClient
from wallet.store import Store

LOCAL = FetchPolicy(allow_private_network=True)


@pytest.fixture
def issuer() -> Iterator[LoopbackIssuer]:
    with LoopbackIssuer() as server:
        yield server


def receive(store: Store, source: str, **options: object) -> ImportOutcome:
    policy = options.pop("policy", LOCAL)
    return import_and_verify(store, [source], policy=policy, receive=ReceiveOptions(policy=policy, **options))  # type: ignore[arg-type]


def stored_subjects(store: Store) -> list[str]:
    return [r.summary.get("recipient") or "" for r in store.list_badges()]


# -- recognising links ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fi.example%2Fo%2F1", "oid4vci"),
        ("https://wallet.example/offer?credential_offer=%7B%7D", "oid4vci"),
        ("interaction:https://issuer.example/interactions/abc", "interaction"),
        ("https://issuer.example/interactions/abc?iuv=1", "interaction"),
        ('dccrequest://request?request={"protocols":{"vcapi":"https://x.example/e/1"}}', "protocols"),
        ("org.dcconsortium://request?issuer=x&vc_request_url=https://x.example/r&challenge=c", "dcc-request"),
    ],
)
def test_links_are_recognised(text: str, kind: str) -> None:
    link = recognise(text)
    assert link is not None and link.kind == kind


@pytest.mark.parametrize("text", ["https://issuer.example/badge.json", "badge.png", "{}", "mailto:x@example.org"])
def test_other_sources_are_not_links(text: str) -> None:
    assert recognise(text) is None


# -- OpenID4VCI: the pre-authorized code --------------------------------------------------------------------------


def test_pre_authorized_offer_by_value_ends_with_a_verified_badge(store: Store, issuer: LoopbackIssuer) -> None:
    outcome = receive(store, issuer.offer("OpenBadge_ldp"))
    assert not outcome.failures, outcome.failures
    [(record, report)] = outcome.verified
    assert report.status == "valid" and record.verification is not None
    assert record.source.kind == "offer"
    # The proof named the holder's did:key, and the issuer heard the credential was kept.
    assert issuer.proof_headers[0]["kid"].startswith(holder(store).did + "#")
    assert [n["event"] for n in issuer.notifications] == ["credential_accepted"]


def test_several_credentials_in_every_format(store: Store, issuer: LoopbackIssuer) -> None:
    outcome = receive(store, issuer.offer("OpenBadge_ldp", "OpenBadge_jwt", "OpenBadge_jwt_ld", by_reference=True))
    assert not outcome.failures, outcome.failures
    assert sorted(r.payload_kind for r in store.list_badges()) == ["json", "jws", "jws"]
    assert all(report.status == "valid" for _record, report in outcome.verified)


def test_pin_given_up_front(store: Store, issuer: LoopbackIssuer) -> None:
    outcome = receive(store, issuer.offer(tx_code="4921"), tx_code="4921")
    assert not outcome.failures and len(store.list_badges()) == 1


def test_pin_asked_again_after_a_wrong_one(store: Store, issuer: LoopbackIssuer) -> None:
    asked: list[TxCodeRequest] = []

    def ask(request: TxCodeRequest) -> str:
        asked.append(request)
        return "0000" if request.attempt == 1 else "4921"

    # A wrong PIN must not burn the code: the issuer here keeps it until a right one.
    outcome = receive(store, issuer.offer(tx_code="4921"), ask_tx_code=ask)
    assert not outcome.failures, outcome.failures
    assert [(r.attempt, r.length, r.description) for r in asked] == [(1, 4, "Sent by email"), (2, 4, "Sent by email")]


def test_wrong_pin_is_reported(store: Store, issuer: LoopbackIssuer) -> None:
    outcome = receive(store, issuer.offer(tx_code="4921"), tx_code="1111")
    [failure] = outcome.failures
    assert "refused the PIN" in (failure.error or "")
    assert store.list_badges() == []


def test_missing_pin_says_how_to_give_it(store: Store, issuer: LoopbackIssuer) -> None:
    [failure] = receive(store, issuer.offer(tx_code="4921")).failures
    assert "--tx-code" in (failure.error or "")


def test_expired_offer(store: Store, issuer: LoopbackIssuer) -> None:
    [by_reference] = receive(store, issuer.offer(by_reference=True, lifetime=-1)).failures
    assert "no longer available" in (by_reference.error or "")
    [by_value] = receive(store, issuer.offer(lifetime=-1)).failures
    assert "expired or was used already" in (by_value.error or "")


def test_deferred_issuance_is_polled(store: Store) -> None:
    waits: list[float] = []
    with LoopbackIssuer(Behaviour(deferred_polls=2)) as issuer:
        outcome = receive(store, issuer.offer(), sleep=waits.append)
    assert not outcome.failures, outcome.failures
    assert waits == [1.0, 1.0] and len(store.list_badges()) == 1


def test_deferred_issuance_beyond_the_wait_is_reported(store: Store) -> None:
    with LoopbackIssuer(Behaviour(deferred_polls=5, deferred_interval=30)) as issuer:
        [failure] = receive(store, issuer.offer(), max_deferred_wait=10.0, sleep=lambda _s: None).failures
    assert "not issued it yet" in (failure.error or "")


def test_a_credential_for_someone_else_is_not_stored(store: Store) -> None:
    with LoopbackIssuer(Behaviour(other_holder=True)) as issuer:
        [failure] = receive(store, issuer.offer()).failures
        assert "not for this backpack" in (failure.error or "")
        assert [n["event"] for n in issuer.notifications] == ["credential_failure"]
    assert store.list_badges() == []


@pytest.mark.parametrize("config_id", ["OpenBadge_ldp", "OpenBadge_jwt"])
def test_a_tampered_credential_is_not_stored(store: Store, config_id: str) -> None:
    with LoopbackIssuer(Behaviour(tamper=True)) as issuer:
        [failure] = receive(store, issuer.offer(config_id)).failures
    assert "not stored: the credential is invalid" in (failure.error or "")
    assert store.list_badges() == []


# -- OpenID4VCI: the authorization code with PKCE ------------------------------------------------------------------


def test_authorization_code_through_the_browser(store: Store, issuer: LoopbackIssuer) -> None:
    opened: list[str] = []

    def browser(url: str) -> None:
        # The learner's browser: follows the issuer's redirect to the backpack's loopback callback.
        opened.append(url)
        httpx.get(url, follow_redirects=True, timeout=10)

    outcome = receive(store, issuer.offer(grant="authorization_code"), open_browser=browser)
    assert not outcome.failures, outcome.failures
    assert "code_challenge_method=S256" in opened[0] and "redirect_uri=http%3A%2F%2F127.0.0.1" in opened[0]


def test_authorization_code_without_a_browser_is_refused(store: Store, issuer: LoopbackIssuer) -> None:
    [failure] = receive(store, issuer.offer(grant="authorization_code")).failures
    assert "log in" in (failure.error or "")


# -- VC-API exchanges and DCC requests -----------------------------------------------------------------------------


def test_vc_api_exchange_with_did_auth(store: Store, issuer: LoopbackIssuer) -> None:
    url = issuer.interaction()
    outcome = receive(store, url)
    assert not outcome.failures, outcome.failures
    assert len(store.list_badges()) == 1
    assert next(e for e in issuer.exchanges.values() if "protocols" in e)["state"] == "complete"


def test_interaction_prefix_and_oid4vci_protocol(store: Store, issuer: LoopbackIssuer) -> None:
    outcome = receive(store, "interaction:" + issuer.interaction(protocols=("OID4VCI",)))
    assert not outcome.failures, outcome.failures
    assert [r.payload_kind for r in store.list_badges()] == ["jws"]


def test_legacy_dcc_request(store: Store, issuer: LoopbackIssuer) -> None:
    outcome = receive(store, issuer.dcc_request())
    assert not outcome.failures, outcome.failures
    assert len(store.list_badges()) == 1


# -- sources: a QR code photo, the CLI -----------------------------------------------------------------------------


def test_photo_of_an_offer_qr_code(store: Store, issuer: LoopbackIssuer, tmp_path: Path) -> None:
    photo = tmp_path / "offer.jpg"
    photo.write_bytes(qr_photo(issuer.offer(by_reference=True)))
    outcome = receive(store, str(photo))
    assert not outcome.failures, outcome.failures
    assert len(store.list_badges()) == 1


def test_cli_import_with_tx_code(home: Path, issuer: LoopbackIssuer, runner: CliRunner) -> None:
    link = issuer.offer(tx_code="77", by_reference=True)
    result = run(runner, home, "import", link, "--tx-code", "77", "--allow-private-network")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("imported ") and "valid" in result.stdout
    wrong = run(runner, home, "import", issuer.offer(tx_code="77"), "--tx-code", "1", "--allow-private-network")
    assert wrong.exit_code == 2 and "Traceback" not in wrong.output  # a source that could not be imported
    [line] = wrong.stderr.splitlines()
    assert line.startswith("backpack: error: ") and "refused the PIN" in line


# -- hostile issuers -----------------------------------------------------------------------------------------------


def test_loopback_issuer_refused_by_the_guard(store: Store, issuer: LoopbackIssuer) -> None:
    [failure] = receive(store, issuer.offer(by_reference=True), policy=FetchPolicy()).failures
    assert "https" in (failure.error or "") or "private" in (failure.error or "")
    assert issuer.requests == []


def test_private_address_refused_even_over_https(store: Store) -> None:
    policy = FetchPolicy()
    with IssuerClient(policy) as client, pytest.raises(Exception, match="private or local address"):
        client.get("https://localhost:1/offer")


def test_redirect_to_a_private_address_is_refused(store: Store) -> None:
    # A public issuer (an in-memory stand-in: a real server here would be on a private address) redirecting the
    # offer to the cloud metadata address: the hop is checked before anything is sent there.
    sent: list[str] = []

    def public_issuer(request: httpx.Request) -> httpx.Response:
        sent.append(str(request.url))
        return httpx.Response(302, headers={"Location": "https://169.254.169.254/latest/meta-data"})

    link = "openid-credential-offer://?credential_offer_uri=https%3A%2F%2F1.1.1.1%2Foffer"
    options = ReceiveOptions(policy=FetchPolicy(), transport=httpx.MockTransport(public_issuer))
    outcome = import_and_verify(store, [link], policy=FetchPolicy(), receive=options)
    [failure] = outcome.failures
    assert "private or local address" in (failure.error or "")
    assert sent == ["https://1.1.1.1/offer"]


def test_a_post_redirect_is_not_followed(store: Store) -> None:
    with LoopbackIssuer(Behaviour(redirect_token=True)) as issuer:
        [failure] = receive(store, issuer.offer()).failures
    assert "redirected a POST" in (failure.error or "")


def test_huge_answer_is_cut(store: Store) -> None:
    policy = FetchPolicy(allow_private_network=True, max_json_bytes=64 * 1024)
    with LoopbackIssuer(Behaviour(huge_offer=200 * 1024)) as issuer:
        [failure] = receive(store, issuer.offer(by_reference=True), policy=policy).failures
    assert "larger than the 64 KB allowed" in (failure.error or "")


def test_slow_answer_times_out(store: Store) -> None:
    policy = FetchPolicy(allow_private_network=True, read_timeout=0.3)
    with LoopbackIssuer(Behaviour(slow_offer=1.5)) as issuer:
        [failure] = receive(store, issuer.offer(by_reference=True), policy=policy).failures
    assert "timed out" in (failure.error or "")


def test_issuer_learns_only_the_holder_did(store: Store, issuer: LoopbackIssuer) -> None:
    receive(store, issuer.offer())
    header = issuer.proof_headers[0]
    assert set(header) == {"alg", "typ", "kid"}
    assert json.dumps(header).count("did:key:") == 1
