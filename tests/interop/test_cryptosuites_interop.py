"""Credentials signed by Digital Bazaar's cryptosuite libraries (``sign-credential.mjs``: eddsa-rdfc-2022,
eddsa-jcs-2022, ecdsa-rdfc-2019 and ecdsa-jcs-2019 on P-256 and P-384, an ecdsa-sd-2023 base proof and the proof a
holder derives from it, Ed25519Signature2018) verified by the backpack, and each one changed after signing refused.
Skipped without node and the pinned packages (``npm ci --prefix tests/interop``)."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from ob3_issuer import EARNER_EMAIL, MockWeb, OB3Issuer

from verifier import FetchPolicy, Report, VerifierPolicy, verify

HERE = Path(__file__).resolve().parent
NODE = shutil.which("node")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(NODE is None, reason="node is not installed: the independent (JavaScript) issuer cannot run"),
    pytest.mark.skipif(
        not (HERE / "node_modules" / ".package-lock.json").is_file(),
        reason="tests/interop/node_modules is missing: run `scripts/setup --tests` or `npm ci --prefix tests/interop`",
    ),
]

SUITES = [
    "eddsa-rdfc-2022",
    "eddsa-jcs-2022",
    "ecdsa-rdfc-2019",
    "ecdsa-rdfc-2019:P-384",
    "ecdsa-jcs-2019",
    "ecdsa-jcs-2019:P-384",
    "ecdsa-sd-2023",
    "Ed25519Signature2018",
]


def signed_by_digital_bazaar(suite: str, folder: Path, **request: Any) -> dict[str, Any]:
    path = folder / "request.json"
    # Ed25519Signature2018 is defined by the VC 1.1 context, as the 2019–2023 issuers that used it wrote them.
    version = "1.1" if suite == "Ed25519Signature2018" else "2.0"
    credential = OB3Issuer.did_key(web=MockWeb()).credential(version=version)
    path.write_text(json.dumps({"credential": credential, **request}), encoding="utf-8")
    done = subprocess.run(
        [NODE or "node", str(HERE / "sign-credential.mjs"), suite, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    signed: dict[str, Any] = json.loads(done.stdout)
    return signed


def check(document: dict[str, Any]) -> Report:
    policy = VerifierPolicy(
        fetch=FetchPolicy(offline=True), recipients=(EARNER_EMAIL,), now=datetime(2026, 6, 1, tzinfo=UTC)
    )
    return verify(json.dumps(document), policy=policy)


SD_REQUEST = {
    "mandatoryPointers": ["/issuer", "/validFrom", "/name", "/id", "/type"],
    "selectivePointers": ["/credentialSubject"],
}


@pytest.mark.parametrize("suite", SUITES)
def test_a_credential_signed_by_digital_bazaars_suite_verifies_here(suite: str, tmp_path: Path) -> None:
    signed = signed_by_digital_bazaar(suite, tmp_path, **(SD_REQUEST if suite == "ecdsa-sd-2023" else {}))
    report = check(signed)
    assert report.status == "valid", report.to_dict()
    name = suite.split(":")[0]
    described = name if name.startswith("Ed25519") else f"DataIntegrityProof/{name}"
    signature = report.check("signature")
    assert signature is not None and signature.message == f"valid {described} proof"


@pytest.mark.parametrize("suite", SUITES)
def test_a_credential_signed_by_digital_bazaars_suite_and_changed_is_invalid(suite: str, tmp_path: Path) -> None:
    signed = signed_by_digital_bazaar(suite, tmp_path, **(SD_REQUEST if suite == "ecdsa-sd-2023" else {}))
    signed["credentialSubject"]["achievement"]["name"] = "Astronaut Badge"
    report = check(signed)
    assert report.status == "invalid", report.to_dict()
    signature = report.check("signature")
    assert signature is not None and signature.outcome == "failed"


def test_a_derived_proof_hiding_a_statement_verifies(tmp_path: Path) -> None:
    # The holder discloses the achievement but not the subject's identifier (selective disclosure).
    request = {
        "mandatoryPointers": ["/issuer", "/validFrom", "/name", "/id", "/type"],
        "selectivePointers": ["/credentialSubject/type", "/credentialSubject/achievement"],
    }
    signed = signed_by_digital_bazaar("ecdsa-sd-2023", tmp_path, **request)
    assert "identifier" not in signed["credentialSubject"]
    report = check(signed)
    signature = report.check("signature")
    assert signature is not None and signature.outcome == "passed", report.to_dict()


def test_an_undisclosed_statement_added_back_is_invalid(tmp_path: Path) -> None:
    request = {
        "mandatoryPointers": ["/issuer", "/validFrom", "/name", "/id", "/type"],
        "selectivePointers": ["/credentialSubject/type", "/credentialSubject/achievement"],
    }
    signed = signed_by_digital_bazaar("ecdsa-sd-2023", tmp_path, **request)
    signed["credentialSubject"]["id"] = "did:example:someone-else"
    report = check(signed)
    signature = report.check("signature")
    assert signature is not None and signature.outcome == "failed", report.to_dict()
