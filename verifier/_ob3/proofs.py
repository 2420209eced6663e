"""Proofs of OB 3.0 credentials: the loop over a document's Data Integrity proofs (every proof of a set must hold,
chained proofs over the proofs they follow), VC-JWT signatures, key resolution and the binding of the key to the
issuer. Portfolios and presentations use the same loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .._did.keys import InvalidKey, UnsupportedKey
from .._did.resolve import (
    DidResolutionError,
    ResolvedKey,
    UnsupportedDidMethod,
    VerificationMethodNotFound,
    resolve_verification_method,
)
from .._errors import FetchError
from .._json import as_list, parse_datetime
from .._jsonld import UnknownContext
from .._report import Outcome, Report
from .._run import Run
from . import integrity, vcjwt
from .credential import dates_of, issuer_id_of
from .jwtkeys import jwt_key, key_listing

__all__ = [
    "ProofAttempts",
    "ProofResult",
    "describe_valid",
    "check_binding",
    "check_embedded_proofs",
    "check_jwt",
    "is_issuers",
    "jwt_key",
    "resolve_key",
    "try_data_integrity_proofs",
]


def is_issuers(resolved: ResolvedKey, issuer_id: str | None) -> bool:
    return issuer_id is not None and resolved.controller.split("#", 1)[0] == issuer_id.split("#", 1)[0]


def check_binding(report: Report, resolved: ResolvedKey, issuer_id: str | None) -> None:
    controller = resolved.controller
    where = {"fragment": " (key taken from the method's fragment)"}.get(resolved.source, "")
    if is_issuers(resolved, issuer_id):
        report.add("key_owner", "passed", f"signed by the issuer's key {resolved.vm_id}{where}")
    elif issuer_id is not None and not issuer_id.startswith(("did:", "http://", "https://")):
        report.add("key_owner", "warning", f"the issuer id {issuer_id} cannot control keys; signed by {controller}")
    else:
        report.add("key_owner", "failed", f"signed by {controller}, not by the issuer {issuer_id}")


CheckId = Literal["signature", "key_owner"]


@dataclass(frozen=True)
class ProofResult:
    """What checking one proof of a set found."""

    proof: Any
    outcome: Outcome
    """``passed``: the signature verifies; ``failed``: it cannot be valid; ``error``: it could not be checked."""
    message: str
    check: CheckId = "signature"
    """Whose fault a failure or error is: the proof's own (``signature``) or its key's (``key_owner``)."""
    resolved: ResolvedKey | None = None


@dataclass
class ProofAttempts:
    """What checking every Data Integrity proof of a document found; nothing is recorded in a report yet."""

    results: list[ProofResult] = field(default_factory=list)
    """One per proof, in document order."""
    unknown_context: str | None = None
    """The document cannot be canonicalized offline: nothing can be said of any proof."""

    @property
    def verified(self) -> list[tuple[dict[str, Any], ResolvedKey]]:
        """Proofs whose signature verifies, with the key that made them."""
        return [(r.proof, r.resolved) for r in self.results if r.outcome == "passed" and r.resolved is not None]

    def of(self, outcome: Outcome, check: CheckId | None = None) -> list[ProofResult]:
        return [r for r in self.results if r.outcome == outcome and (check is None or r.check == check)]

    @property
    def all_valid(self) -> bool:
        return bool(self.results) and all(r.outcome == "passed" for r in self.results)


async def _resolve_quietly(run: Run, vm_id: str, relationship: str) -> ResolvedKey | tuple[Outcome, str]:
    try:
        return await resolve_verification_method(
            vm_id,
            run.fetcher,
            relationship=relationship,
            trust_fragment=run.policy.trust_fragment_keys,
        )
    except FetchError as exc:
        return "error", f"could not resolve the key {vm_id}: {exc}"
    except DidResolutionError as exc:
        outcome: Outcome = "failed" if isinstance(exc, UnsupportedDidMethod | VerificationMethodNotFound) else "error"
        return outcome, f"cannot use the key {vm_id}: {exc}"
    except (InvalidKey, UnsupportedKey) as exc:
        return "failed", f"cannot use the key {vm_id}: {exc}"


async def resolve_key(
    run: Run, vm_id: str, *, relationship: str = "assertionMethod", check_id: str = "key_owner"
) -> ResolvedKey | None:
    """The key named by ``vm_id`` (an issuer's by default); a key that cannot be used is recorded as ``check_id``."""
    run.stage = check_id
    found = await _resolve_quietly(run, vm_id, relationship)
    if isinstance(found, ResolvedKey):
        return found
    run.report.add(check_id, *found)
    return None


def _input_document(document: dict[str, Any], proof: dict[str, Any]) -> dict[str, Any] | str:
    """What ``proof`` signed (Data Integrity 1.0, "Verify Proof Sets and Chains"): the document without its proofs,
    or, when the proof names a ``previousProof``, with exactly the proofs it names as ``proof``. A name that matches
    no proof of the document (a dangling chain) is returned as the reason the proof cannot be valid."""
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    previous = proof.get("previousProof")
    if previous is None:
        return unsecured
    wanted = as_list(previous)
    if not wanted or not all(isinstance(name, str) for name in wanted):
        return "the proof's previousProof is not a proof id or a list of them"
    all_proofs = [p for p in as_list(document.get("proof")) if isinstance(p, dict)]
    missing = [name for name in wanted if not any(p.get("id") == name for p in all_proofs)]
    if missing:
        return f"the proof's previousProof {missing[0]} names no proof of the document (a broken proof chain)"
    return {**unsecured, "proof": [p for p in all_proofs if p.get("id") in wanted]}


async def _check_one(
    run: Run,
    document: dict[str, Any],
    proof: Any,
    expanded: list[dict[str, Any]] | None,
    purposes: tuple[str, ...],
) -> ProofResult:
    unsupported = integrity.unsupported_problem(proof)
    if unsupported:
        return ProofResult(proof, "error", f"cannot check a proof: {unsupported}")
    problem = integrity.proof_problem(proof, purposes=purposes)
    if problem:
        return ProofResult(proof, "failed", problem)
    signed = _input_document(document, proof)
    if isinstance(signed, str):
        return ProofResult(proof, "failed", signed)
    run.stage = "key_owner"
    found = await _resolve_quietly(run, proof["verificationMethod"], proof["proofPurpose"])
    if not isinstance(found, ResolvedKey):
        return ProofResult(proof, found[0], found[1], check="key_owner")
    run.stage = "signature"
    chained = "proof" in signed
    try:
        valid = integrity.verify_proof(
            signed,
            proof,
            found.public_key,
            expanded_unsecured=integrity.expanded_without_proof(expanded) if expanded and not chained else None,
            purposes=purposes,
        )
    except integrity.ProofProblem as exc:
        return ProofResult(proof, "failed", str(exc), resolved=found)
    except integrity.Unverifiable as exc:
        return ProofResult(proof, "error", f"cannot check the {integrity.describe_proof(proof)} proof: {exc}")
    described = integrity.describe_proof(proof)
    if valid:
        return ProofResult(proof, "passed", f"{described} by {found.controller}", resolved=found)
    what = "presentation" if "VerifiablePresentation" in as_list(document.get("type")) else "credential"
    if chained:
        what += " and the proofs before it"
    return ProofResult(proof, "failed", f"the {described} signature does not match the {what}", resolved=found)


async def try_data_integrity_proofs(
    run: Run,
    document: dict[str, Any],
    expanded: list[dict[str, Any]] | None,
    *,
    purposes: tuple[str, ...] = ("assertionMethod",),
) -> ProofAttempts:
    """Check every Data Integrity proof of ``document`` (a credential or a presentation): a proof set holds only if
    each of its proofs does, and a proof chained to others (``previousProof``) is checked over the document with
    those proofs in it. Whose proofs they must be is the caller's decision."""
    attempts = ProofAttempts()
    for proof in as_list(document.get("proof")):
        try:
            attempts.results.append(await _check_one(run, document, proof, expanded, purposes))
        except UnknownContext as exc:
            attempts.unknown_context = str(exc)
            return attempts
    return attempts


def _joined(results: list[ProofResult]) -> str:
    return "; ".join(dict.fromkeys(r.message for r in results))


def describe_valid(attempts: ProofAttempts) -> str:
    """The ``passed`` sentence of a proof set: the one proof, or each of them."""
    if len(attempts.results) == 1:
        return f"valid {integrity.describe_proof(attempts.results[0].proof)} proof"
    return f"all {len(attempts.results)} proofs are valid: {_joined(attempts.results)}"


async def check_embedded_proofs(
    run: Run, credential: dict[str, Any], issuer_id: str | None, expanded: list[dict[str, Any]] | None = None
) -> bool:
    report = run.report
    if not as_list(credential.get("proof")):
        report.add("signature", "failed", "the credential has no proof")
        return False
    attempts = await try_data_integrity_proofs(run, credential, expanded)
    if attempts.unknown_context is not None:
        report.add("signature", "error", attempts.unknown_context)
        return False
    if attempts.all_valid:
        # Every proof holds; the issuer's own must be among them (the first one's signer is reported otherwise).
        verified = attempts.verified
        _proof, resolved = next(((p, r) for p, r in verified if is_issuers(r, issuer_id)), verified[0])
        report.add("signature", "passed", describe_valid(attempts))
        check_binding(report, resolved, issuer_id)
        return True
    # A proof that cannot be valid makes the credential invalid, whatever the others; else one that could not be
    # checked makes it unverifiable (an unsupported cryptosuite is never taken for a forgery).
    outcome: Outcome = "failed" if attempts.of("failed") else "error"
    for check in ("key_owner", "signature"):
        results = attempts.of(outcome, check)
        if results:
            report.add(check, outcome, _joined(results))
    return False


async def check_jwt(
    run: Run, token: str, credential: dict[str, Any], claims: dict[str, Any], version: str | None
) -> bool:
    report = run.report
    issuer_id = issuer_id_of(credential)
    try:
        header, _ = vcjwt.parse_jwt(token)
    except vcjwt.JwtProblem as exc:
        outcome: Outcome = "failed"
        report.add("key_owner" if "kid or a jwk" in str(exc) else "signature", outcome, str(exc))
        return False
    found = await jwt_key(run, header, issuer_id)
    if found is None:
        return False
    run.stage = "signature"
    try:
        valid = vcjwt.verify_jwt_signature(token, found.public_key)
    except vcjwt.JwtProblem as exc:
        report.add("signature", "failed", str(exc))
        return False
    if not valid:
        report.add("signature", "failed", f"the {header['alg']} signature of the JWT does not verify")
        return False
    report.add("signature", "passed", f"valid {header['alg']} VC-JWT signature")
    if found.resolved is not None:
        check_binding(report, found.resolved, issuer_id)
    elif found.listed is not None:
        report.add("key_owner", "passed", f"signed by the issuer's key {header.get('kid')}, listed in {found.listed}")
    else:
        run.stage = "key_owner"
        report.add("key_owner", *await key_listing(run, found, issuer_id, "assertionMethod"))
    valid_from = parse_datetime(dates_of(credential, version)[0])
    problems = vcjwt.claim_checks(claims, credential, issuer_id=issuer_id, valid_from=valid_from)
    failed = [m for o, m in problems if o == "failed"]
    if failed:
        report.add("jwt_claims", "failed", "; ".join(failed))
    elif problems:
        report.add("jwt_claims", "warning", "; ".join(m for _, m in problems))
    else:
        report.add("jwt_claims", "passed", "iss, jti, nbf and sub agree with the credential")
    return True
