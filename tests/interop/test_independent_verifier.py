"""The backpack's Data Integrity proofs checked by an independent implementation: Digital Bazaar's JavaScript
libraries (jsonld.js, rdf-canonize, jsonld-signatures, @digitalbazaar/data-integrity, the eddsa-rdfc-2022
cryptosuite, the did:key driver, @digitalbazaar/vc), run by ``tests/interop/verify-proof.mjs``.

The two sides share only the JSON-LD context files of ``verifier/contexts``: a canonicalization or proof-config
difference between PyLD and jsonld.js shows up here as a valid bundle rejected. Needs node and the pinned packages
(``scripts/setup --tests`` installs them, or ``npm ci --prefix tests/interop``); skipped otherwise.
"""

from __future__ import annotations

import copy
import difflib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from verifier import FetchPolicy
from verifier._jsonld import canonicalize
from wallet.badge_collections import add_badges, create_collection
from wallet.bundle import build_bundle
from wallet.demo import seed_demo
from wallet.store import Store
from wallet.verification import stored_payload

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "verify-proof.mjs"
NODE = shutil.which("node")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(NODE is None, reason="node is not installed: the independent (JavaScript) verifier cannot run"),
    pytest.mark.skipif(
        not (HERE / "node_modules" / ".package-lock.json").is_file(),  # npm writes it last: an install completed
        reason="tests/interop/node_modules is missing: run `scripts/setup --tests` or `npm ci --prefix tests/interop`",
    ),
]

# The demo badges put in the collection: OB 2.0 hosted and signed, OB 3.0 Data Integrity and VC-JWT.
PICKED = ["Python Foundations", "Data Literacy", "Accessible Web Design", "Git Essentials"]


def node_verify(document: dict[str, Any], folder: Path) -> dict[str, Any]:
    """verify-proof.mjs's verdict on ``document``: {"verified", "error", "checker", ...}."""
    path = folder / "document.json"
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    done = subprocess.run(
        [NODE or "node", str(SCRIPT), str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode in (0, 1), f"verify-proof.mjs failed (exit {done.returncode}): {done.stderr}"
    result = json.loads(done.stdout)
    assert result["verified"] is (done.returncode == 0), result
    return result


def node_nquads(document: dict[str, Any], folder: Path) -> dict[str, str | None]:
    """jsonld.js's RDFC-1.0 N-Quads of the document without its proof and of its proof configuration."""
    path = folder / "nquads.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    done = subprocess.run(
        [NODE or "node", str(SCRIPT), "--nquads", str(path)], capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(done.stdout)


def python_nquads(document: dict[str, Any]) -> dict[str, str | None]:
    """PyLD's N-Quads of the same two inputs, as verifier/_ob3/integrity.py hash_data builds them."""
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    proof = document.get("proof")
    config = {key: value for key, value in proof.items() if key != "proofValue"} if isinstance(proof, dict) else None
    return {
        "document": canonicalize(unsecured),
        "proofConfig": canonicalize({**config, "@context": document["@context"]}) if config else None,
    }


# Control characters shown as <U+000B>, so a raw one (which str.splitlines also splits at) reads in a diff.
_VISIBLE = {code: f"<U+{code:04X}>" for code in [*range(0x0A), *range(0x0B, 0x20), 0x7F]}


def _visible(nquads: str | None) -> list[str]:
    return (nquads or "").translate(_VISIBLE).split("\n")


def nquads_difference(document: dict[str, Any], folder: Path) -> str:
    """Where PyLD (the backpack) and jsonld.js (Digital Bazaar) canonicalize differently; empty when they agree."""
    ours, theirs = python_nquads(document), node_nquads(document, folder)
    lines = []
    for part in ("proofConfig", "document"):
        lines += difflib.unified_diff(
            _visible(ours[part]),
            _visible(theirs[part]),
            f"{part} (PyLD)",
            f"{part} (jsonld.js)",
            lineterm="",
            n=0,
        )
    return "\n".join(lines)


@pytest.fixture(scope="module")
def backpack(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("interop") / "backpack")
    assert seed_demo(store) == 8
    return store


@pytest.fixture(scope="module")
def bundle(backpack: Store) -> dict[str, Any]:
    by_name = {record.summary.get("name"): record.id for record in backpack.list_badges()}
    create_collection(
        backpack,
        "Web developer path",
        # Non-ASCII, a quote, a backslash and a line break: escaped alike by PyLD and rdf-canonize.
        description='From Python to accessible, versioned web work — "café" ☁ 😀\\\nNext: security.',
        tags=["web", "path"],
        planned=["Security Basics"],
    )
    collection = add_badges(backpack, "Web developer path", [by_name[name] for name in PICKED])
    signed, warnings = build_bundle(backpack, collection, fetch_policy=FetchPolicy(offline=True))
    assert warnings == []
    kinds = {badge["kind"] for badge in signed["portfolio"]["openBadges2"]}
    assert kinds == {"hosted", "signed"}
    assert [c["type"] for c in signed["verifiableCredential"]] == [
        ["VerifiableCredential", "OpenBadgeCredential"],
        "EnvelopedVerifiableCredential",
    ]
    return signed


def test_the_independent_verifier_accepts_the_bundle(bundle: dict[str, Any], tmp_path: Path) -> None:
    result = node_verify(bundle, tmp_path)
    assert result == {"verified": True, "error": None, "checker": "jsigs.verify", "credentials": result["credentials"]}
    # The embedded OB 3.0 credential's own (issuer) proof checks out too.
    assert [c["verified"] for c in result["credentials"]] == [True]


def test_both_canonicalize_the_bundle_alike(bundle: dict[str, Any], tmp_path: Path) -> None:
    """The bytes the signature covers are the same on both sides (the diagnostic to read when a proof is rejected)."""
    assert nquads_difference(bundle, tmp_path) == ""


def _flip(text: str, index: int) -> str:
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]


def _rename(bundle: dict[str, Any]) -> None:
    bundle["name"] = "Senior web developer path"


def _rename_in_portfolio(bundle: dict[str, Any]) -> None:
    # Inside the `portfolio` JSON literal (@json): signed as a literal, so a change there must show too.
    bundle["portfolio"]["collection"]["name"] = "Senior web developer path"


def _reorder(bundle: dict[str, Any]) -> None:
    bundle["portfolio"]["order"].reverse()


def _credential_byte(bundle: dict[str, Any]) -> None:
    achievement = bundle["verifiableCredential"][0]["credentialSubject"]["achievement"]
    achievement["name"] = _flip(achievement["name"], 0)


def _jwt_byte(bundle: dict[str, Any]) -> None:
    envelope = bundle["verifiableCredential"][1]
    envelope["id"] = _flip(envelope["id"], len(envelope["id"]) - 10)


def _ob2_jws_byte(bundle: dict[str, Any]) -> None:
    signed = next(badge for badge in bundle["portfolio"]["openBadges2"] if badge["kind"] == "signed")
    signed["jws"] = _flip(signed["jws"], len(signed["jws"]) // 2)


def _hosted_snapshot(bundle: dict[str, Any]) -> None:
    hosted = next(badge for badge in bundle["portfolio"]["openBadges2"] if badge["kind"] == "hosted")
    hosted["snapshot"]["assertion"]["issuedOn"] = "2020-01-01T00:00:00Z"


def _proof_value(bundle: dict[str, Any]) -> None:
    bundle["proof"]["proofValue"] = _flip(bundle["proof"]["proofValue"], 20)


def _proof_created(bundle: dict[str, Any]) -> None:
    bundle["proof"]["created"] = "2020-01-01T00:00:00Z"


@pytest.mark.parametrize(
    "tamper",
    [
        _rename,
        _rename_in_portfolio,
        _reorder,
        _credential_byte,
        _jwt_byte,
        _ob2_jws_byte,
        _hosted_snapshot,
        _proof_value,
        _proof_created,
    ],
    ids=lambda tamper: tamper.__name__.strip("_"),
)
def test_the_independent_verifier_rejects_a_changed_bundle(bundle: dict[str, Any], tmp_path: Path, tamper) -> None:
    changed = copy.deepcopy(bundle)
    tamper(changed)
    result = node_verify(changed, tmp_path)
    assert result["verified"] is False
    assert "Invalid signature" in result["error"]


def test_the_independent_verifier_accepts_an_issued_ob3_credential(backpack: Store, tmp_path: Path) -> None:
    record = next(r for r in backpack.list_badges() if r.summary.get("name") == "Accessible Web Design")
    credential = stored_payload(backpack, record).claims
    assert credential is not None and credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert node_verify(credential, tmp_path) == {"verified": True, "error": None, "checker": "vc.verifyCredential"}

    changed = copy.deepcopy(credential)
    changed["credentialSubject"]["achievement"]["criteria"]["narrative"] += " (and more)"
    result = node_verify(changed, tmp_path)
    assert result["verified"] is False
    assert "Invalid signature" in result["error"]


def test_the_independent_verifier_fetches_nothing(bundle: dict[str, Any], tmp_path: Path) -> None:
    """A context outside verifier/contexts is refused, not fetched: the check runs offline and sees our files only."""
    changed = copy.deepcopy(bundle)
    changed["@context"] = [*changed["@context"], "https://example.com/unknown-context.jsonld"]
    result = node_verify(changed, tmp_path)
    assert result["verified"] is False
    assert "refused to load https://example.com/unknown-context.jsonld" in result["error"]


def test_control_characters_canonicalize_as_rdfc_1_0_says(backpack: Store, tmp_path: Path) -> None:
    by_name = {record.summary.get("name"): record.id for record in backpack.list_badges()}
    create_collection(backpack, "Pasted from a word processor", description="Line one\u000bLine two\fPage two")
    collection = add_badges(backpack, "Pasted from a word processor", [by_name["Accessible Web Design"]])
    signed, _warnings = build_bundle(backpack, collection, fetch_policy=FetchPolicy(offline=True))
    assert nquads_difference(signed, tmp_path) == ""
    assert node_verify(signed, tmp_path)["verified"] is True
