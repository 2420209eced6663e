"""``backpack verify --challenge --domain``: a verifier checks that a presentation answers its own request."""

from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import run
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from verifier.signing import did_key_for, sign_eddsa_rdfc_2022, verification_method_for
from wallet.store import Store
from wallet.verification import stored_payload

CHALLENGE = "5c1f0e2a-9b7d-4e3c-8a6f-1d2e3f4a5b6c"
DOMAIN = "https://recruiter.example"


def presentation_file(demo: Store, folder: Path) -> Path:
    [record] = [r for r in demo.list_badges() if r.summary.get("name") == "Accessible Web Design"]
    key = Ed25519PrivateKey.generate()
    did = did_key_for(key.public_key())
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": did,
        "verifiableCredential": [stored_payload(demo, record).claims],
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
    path = folder / "presentation.json"
    path.write_text(json.dumps(signed))
    return path


def test_a_presentation_answering_the_verifiers_challenge_is_valid(demo: Store, tmp_path: Path) -> None:
    path = presentation_file(demo, tmp_path)
    result = run(CliRunner(), demo.home, "verify", str(path), "--challenge", CHALLENGE, "--domain", DOMAIN, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["format"] == "presentation" and report["status"] == "valid"
    assert {c["id"]: c["outcome"] for c in report["checks"]}["challenge"] == "passed"
    assert [item["status"] for item in report["items"]] == ["valid"]


def test_a_presentation_made_for_another_request_is_refused(demo: Store, tmp_path: Path) -> None:
    path = presentation_file(demo, tmp_path)
    result = run(CliRunner(), demo.home, "verify", str(path), "--challenge", "my-own-nonce")
    assert result.exit_code == 1, result.output
    assert "invalid" in result.stdout
    assert "It does not answer this check's own request: it may be a copy made for someone else." in result.stdout
    assert "Traceback" not in result.output
