"""Presentations between wallets: one signed by Digital Bazaar's libraries (as Learner Credential Wallet and
VerifierPlus make them: ``authentication``, ``challenge``, ``domain``) verified by the backpack, and one signed by the
backpack for authentication verified by Digital Bazaar's ``jsonld-signatures`` with the same challenge and domain.
Run by ``tests/interop/sign-presentation.mjs`` and ``verify-proof.mjs``; skipped without node and the packages.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from verifier import FetchPolicy, Report, VerifierPolicy, classify_payload, verify
from verifier.signing import did_key_for, sign_eddsa_rdfc_2022, verification_method_for
from wallet.cache import StoreResponseCache
from wallet.demo import seed_demo
from wallet.store import Store
from wallet.verification import stored_payload

HERE = Path(__file__).resolve().parent
NODE = shutil.which("node")
VC2 = "https://www.w3.org/ns/credentials/v2"
CHALLENGE = "0d9e5b3c-7a41-4f0e-9c2d-5b8a1e6f7c30"
DOMAIN = "https://badges.example.org"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(NODE is None, reason="node is not installed: the independent (JavaScript) wallet cannot run"),
    pytest.mark.skipif(
        not (HERE / "node_modules" / ".package-lock.json").is_file(),
        reason="tests/interop/node_modules is missing: run `scripts/setup --tests` or `npm ci --prefix tests/interop`",
    ),
]


@pytest.fixture(scope="module")
def backpack(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("interop-presentations") / "home")
    seed_demo(store)
    return store


def credential(store: Store, name: str) -> dict[str, Any]:
    [record] = [r for r in store.list_badges() if r.summary.get("name") == name]
    payload = stored_payload(store, record)
    if payload.kind == "json":
        return payload.claims or {}
    return {"@context": VC2, "id": f"data:application/vc+jwt,{payload.text}", "type": "EnvelopedVerifiableCredential"}


def node(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [NODE or "node", str(HERE / script), *args], capture_output=True, text=True, timeout=60, check=False
    )


def check(store: Store, document: dict[str, Any], **expected: str) -> Report:
    policy = VerifierPolicy(fetch=FetchPolicy(offline=True), **expected)  # type: ignore[arg-type]
    return verify(classify_payload(json.dumps(document)), policy=policy, cache=StoreResponseCache(store))


def test_a_presentation_signed_by_digital_bazaars_libraries_verifies_here(backpack: Store, tmp_path: Path) -> None:
    unsigned = {
        "@context": [VC2],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [credential(backpack, "Accessible Web Design"), credential(backpack, "Git Essentials")],
    }
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"presentation": unsigned, "challenge": CHALLENGE, "domain": DOMAIN}))
    done = node("sign-presentation.mjs", str(request))
    assert done.returncode == 0, done.stderr
    signed = json.loads(done.stdout)
    assert signed["proof"]["proofPurpose"] == "authentication" and signed["holder"].startswith("did:key:z6Mk")

    report = check(backpack, signed, expected_challenge=CHALLENGE, expected_domain=DOMAIN)
    assert report.status == "valid", report.to_dict()
    assert [c.outcome for c in report.checks if c.id in ("holder", "challenge")] == ["passed", "passed"]
    assert [item.status for item in report.items] == ["valid", "valid"]
    # Replayed to another verifier, or with another challenge, it is refused.
    assert check(backpack, signed, expected_challenge="another").status == "invalid"
    assert check(backpack, signed, expected_domain="https://elsewhere.example").status == "invalid"


def test_the_backpacks_presentation_for_authentication_verifies_with_digital_bazaars_libraries(
    backpack: Store, tmp_path: Path
) -> None:
    key = Ed25519PrivateKey.generate()
    did = did_key_for(key.public_key())
    document = {
        "@context": [VC2],
        "type": ["VerifiablePresentation"],
        "holder": did,
        "verifiableCredential": [credential(backpack, "Accessible Web Design")],
    }
    signed = sign_eddsa_rdfc_2022(
        document,
        key,
        verification_method_for(did),
        created="2026-06-01T00:00:00Z",
        proof_purpose="authentication",
        challenge=CHALLENGE,
        domain=DOMAIN,
    )
    path = tmp_path / "presentation.json"
    path.write_text(json.dumps(signed))
    accepted = node("verify-proof.mjs", "--challenge", CHALLENGE, "--domain", DOMAIN, str(path))
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert json.loads(accepted.stdout)["verified"] is True
    refused = node("verify-proof.mjs", "--challenge", "another", "--domain", DOMAIN, str(path))
    assert refused.returncode == 1 and "challenge" in json.loads(refused.stdout)["error"]


DIRECTED = {"@value": "مرحبا portfolio", "@language": "ar", "@direction": "rtl"}


def test_text_direction_is_canonicalized_as_digital_bazaars_libraries_do(backpack: Store, tmp_path: Path) -> None:
    # A value with @direction is serialized as an i18n datatype (rdfDirection "i18n-datatype"): both ways.
    unsigned = {
        "@context": [VC2],
        "type": ["VerifiablePresentation"],
        "name": DIRECTED,
        "description": {"@value": "left to right", "@language": "en", "@direction": "ltr"},
        "verifiableCredential": [credential(backpack, "Accessible Web Design")],
    }
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"presentation": unsigned, "challenge": CHALLENGE, "domain": DOMAIN}))
    done = node("sign-presentation.mjs", str(request))
    assert done.returncode == 0, done.stderr
    theirs = check(backpack, json.loads(done.stdout), expected_challenge=CHALLENGE)
    assert [c.outcome for c in theirs.checks if c.id == "holder"] == ["passed"], theirs.to_dict()

    key = Ed25519PrivateKey.generate()
    did = did_key_for(key.public_key())
    ours = sign_eddsa_rdfc_2022(
        {**unsigned, "holder": did},
        key,
        verification_method_for(did),
        created="2026-06-01T00:00:00Z",
        proof_purpose="authentication",
        challenge=CHALLENGE,
        domain=DOMAIN,
    )
    path = tmp_path / "ours.json"
    path.write_text(json.dumps(ours))
    accepted = node("verify-proof.mjs", "--challenge", CHALLENGE, "--domain", DOMAIN, str(path))
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
