"""Fuzzing the readers of documents: JWS and VC-JWT, JSON-LD expansion, the status-list decoder, the DID parsers, and
presentations and portfolios (the verifier's and the wallet's importer). Inputs are mutations of valid documents
from the test issuers — signed after mutating where that is possible, so that they get past the signature — as well
as raw values. Property: a result, a report, or one of the project's own errors (or a private parser's documented
error); never another exception."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from fuzz_strategies import examples, hostile_text, json_values, mutated, own_outcome, token_from
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from ob3_issuer import EARNER_EMAIL, OB3Issuer, did_jwk, ed25519_key, encode_list, p256_key, public_jwk, sign_jwt

from verifier import FetchPolicy, Report, VerifierPolicy, verify
from verifier._did.keys import InvalidKey, UnsupportedKey, decode_multikey, public_key_from_jwk
from verifier._did.resolve import (
    DidResolutionError,
    did_jwk_document,
    did_key_document,
    did_web_url,
    find_verification_method,
)
from verifier._jsonld import UnknownContext, expand_safely
from verifier._ob3.vcjwt import JwtProblem, parse_jwt
from verifier._status._common import StatusError
from verifier._status.bitstring import decode_encoded_list, read_status
from verifier._status.entries import parse_status_entries
from verifier.portfolio import bundle_payloads
from verifier.signing import sign_eddsa_rdfc_2022
from wallet.importer import LoadedSource, import_bytes
from wallet.store import Store

OFFLINE = VerifierPolicy(fetch=FetchPolicy(offline=True, deadline=5.0), recipients=(EARNER_EMAIL,))
VC2 = "https://www.w3.org/ns/credentials/v2"
STATUSES = ("valid", "invalid", "unverifiable", "expired", "revoked", "suspended")


def _report(source: Any) -> Report:
    report = verify(source, policy=OFFLINE)
    assert report.status in STATUSES, report.status
    for item in report.items:
        assert item.status in STATUSES
    return report


@pytest.fixture(scope="module")
def issuer() -> OB3Issuer:
    return OB3Issuer.did_key(ed25519_key("fuzz-issuer"))


@pytest.fixture(scope="module")
def credential(issuer: OB3Issuer) -> dict[str, Any]:
    return issuer.credential("fuzzed")


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# -- JWS and VC-JWT ---------------------------------------------------------------------------------------------------


@settings(max_examples=examples(40))
@given(data=st.data())
def test_vc_jwt_with_hostile_header_and_claims_signed(issuer: OB3Issuer, credential: dict[str, Any], data: Any) -> None:
    """Header and claims mutated, then signed for real: the verifier gets past the signature into the claims."""
    header = data.draw(mutated({"typ": "vc+jwt", "kid": issuer.vm, "cty": "vc"}), label="header")
    claims = data.draw(mutated(credential), label="claims")
    assume(isinstance(header, dict))
    header.pop("alg", None)  # the signing algorithm is the test's; the header's other members are the fuzzer's
    token = sign_jwt(claims if isinstance(claims, dict) else {"vc": claims}, issuer.key, "EdDSA", **header)
    own_outcome(lambda: parse_jwt(token), JwtProblem)
    _report(token)


@settings(max_examples=examples(100))
@given(header=json_values, claims=json_values, signature=st.binary(max_size=80))
def test_jws_of_any_json(header: Any, claims: Any, signature: bytes) -> None:
    token = token_from(header, claims, signature)
    own_outcome(lambda: parse_jwt(token), JwtProblem)
    _report(token)


@settings(max_examples=examples(100))
@given(alg=json_values, kid=json_values, typ=json_values, jwk=st.one_of(json_values, st.just(public_jwk(p256_key()))))
def test_jose_header_members_of_any_type(issuer: OB3Issuer, alg: Any, kid: Any, typ: Any, jwk: Any) -> None:
    """The VC-JWT crash of issue 16 (an ``alg`` that is an object or an array) and its relatives."""
    token = token_from({"alg": alg, "kid": kid, "typ": typ, "jwk": jwk}, {"vc": {"@context": [VC2]}, "iss": issuer.id})
    own_outcome(lambda: parse_jwt(token), JwtProblem)
    _report(token)


# -- JSON-LD expansion -------------------------------------------------------------------------------------------------


@settings(max_examples=examples(80))
@given(data=st.data())
def test_json_ld_expansion_of_mutated_credentials(credential: dict[str, Any], data: Any) -> None:
    document = data.draw(mutated(credential, max_mutations=6))
    assume(isinstance(document, dict))
    result = own_outcome(lambda: expand_safely(document), UnknownContext)
    if result is not None:
        expanded, problems = result
        assert isinstance(expanded, list) and all(isinstance(p, str) for p in problems)


@settings(max_examples=examples(40))
@given(data=st.data())
def test_mutated_credentials_signed_and_verified(issuer: OB3Issuer, credential: dict[str, Any], data: Any) -> None:
    """Mutated, then signed (when the test issuer can canonicalize it), then verified: past the proof."""
    document = data.draw(mutated(credential))
    assume(isinstance(document, dict))
    try:
        document = issuer.sign(copy.deepcopy(document))
    except Exception:  # noqa: BLE001 - the test issuer cannot sign every mutation: then it is verified unsigned
        pass
    _report(_text(document))


# -- status lists ------------------------------------------------------------------------------------------------------

_encoded_lists = st.one_of(
    hostile_text,
    st.builds(lambda bits: encode_list(bits), st.binary(max_size=300)),
    st.builds(lambda bits, n: encode_list(bits)[:n], st.binary(min_size=1, max_size=300), st.integers(0, 60)),
    st.builds(lambda bits: encode_list(bits, multibase=False), st.binary(max_size=300)),
    st.builds(lambda text: "u" + text, st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ ")),
    json_values,
)


@settings(max_examples=examples(200))
@given(encoded=_encoded_lists, index=json_values | st.integers(-5, 5000), size=json_values | st.integers(0, 9))
def test_status_list_decoder(encoded: Any, index: Any, size: Any) -> None:
    bits = own_outcome(lambda: decode_encoded_list(encoded, max_bytes=64 * 1024), StatusError)
    if bits is not None:
        own_outcome(lambda: read_status(bits, index, size), StatusError)


_ENTRY = {
    "type": "BitstringStatusListEntry",
    "statusListIndex": "7",
    "statusPurpose": "revocation",
    "statusListCredential": "https://issuer.example/status/1",
}


@settings(max_examples=examples(150))
@given(status=json_values | mutated(_ENTRY) | st.lists(mutated(_ENTRY), max_size=3))
def test_status_entries_parser(status: Any) -> None:
    entries = own_outcome(lambda: parse_status_entries(status), StatusError)
    assert entries is None or isinstance(entries, list)


# -- DID parsers --------------------------------------------------------------------------------------------------

_dids = st.one_of(
    hostile_text,
    st.builds(
        lambda method, rest: f"did:{method}:{rest}", st.sampled_from(["key", "web", "jwk", "example", ""]), hostile_text
    ),
    st.builds(
        lambda rest: "did:key:z" + rest,
        st.text("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz", max_size=60),
    ),
    st.builds(lambda value: "did:jwk:" + token_from(value, {}).split(".")[0], json_values),
    st.builds(
        lambda host, path: f"did:web:{host}" + "".join(f":{p}" for p in path),
        hostile_text,
        st.lists(hostile_text, max_size=3),
    ),
    st.just(did_jwk(p256_key())),
)


@settings(max_examples=examples(300))
@given(did=_dids)
def test_did_parsers(did: str) -> None:
    for parse in (did_key_document, did_jwk_document, did_web_url):
        own_outcome(lambda parse=parse: parse(did), DidResolutionError)
    own_outcome(lambda: decode_multikey(did.rsplit(":", 1)[-1]), InvalidKey, UnsupportedKey)


@settings(max_examples=examples(150))
@given(
    jwk=st.one_of(
        json_values,
        mutated(public_jwk(p256_key())),
        mutated(public_jwk(ed25519_key("jwk"))),
        mutated(public_jwk(p256_key()), max_mutations=1),
    )
)
def test_jwk_reader(jwk: Any) -> None:
    if isinstance(jwk, dict):
        own_outcome(lambda: public_key_from_jwk(jwk), InvalidKey, UnsupportedKey)


@settings(max_examples=examples(150))
@given(data=st.data())
def test_verification_method_lookup_in_mutated_did_documents(issuer: OB3Issuer, data: Any) -> None:
    document = data.draw(mutated(did_key_document(issuer.id)))
    vm_id = data.draw(st.one_of(st.just(issuer.vm), hostile_text))
    if isinstance(document, dict):
        own_outcome(lambda: find_verification_method(document, vm_id), DidResolutionError)


# -- presentations and portfolios -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def presentation(issuer: OB3Issuer) -> dict[str, Any]:
    """A holder-signed presentation of two credentials (Data Integrity and VC-JWT, enveloped)."""
    holder_key = ed25519_key("fuzz-holder")
    holder = OB3Issuer.did_key(holder_key)
    signed = issuer.sign(issuer.credential("p1", subject_id=holder.id))
    token = issuer.jwt(issuer.credential("p2", subject_id=holder.id))
    document = {
        "@context": [VC2],
        "type": ["VerifiablePresentation"],
        "holder": holder.id,
        "verifiableCredential": [
            signed,
            {"@context": [VC2], "type": "EnvelopedVerifiableCredential", "id": f"data:application/vc+jwt,{token}"},
        ],
    }
    return sign_eddsa_rdfc_2022(
        document, holder_key, holder.vm, created="2026-01-20T00:00:00Z", proof_purpose="authentication"
    )


@pytest.fixture(scope="module")
def wallet_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return Store(tmp_path_factory.mktemp("fuzz-wallet") / "home")


@settings(max_examples=examples(50))
@given(data=st.data())
def test_mutated_presentations(presentation: dict[str, Any], wallet_store: Store, data: Any) -> None:
    document = data.draw(mutated(presentation, max_mutations=5))
    text = _text(document)
    _report(text)
    if isinstance(document, dict):
        payloads = own_outcome(lambda: bundle_payloads(document))
        assert payloads is None or isinstance(payloads, list)
    loaded = LoadedSource(kind="text", ref="fuzz", data=text.encode("utf-8"))
    own_outcome(lambda: import_bytes(wallet_store, loaded))


def test_the_unmutated_presentation_verifies(presentation: dict[str, Any]) -> None:
    report = verify(_text(presentation), policy=VerifierPolicy(fetch=FetchPolicy(offline=True), recipients=()))
    assert report.check("holder") is not None and report.check("holder").outcome == "passed"
    assert [item.status for item in report.items] == ["valid", "valid"]
