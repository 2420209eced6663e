"""Proofs of OB 3.0 credentials: the loop over Data Integrity proofs (any one valid proof is enough), VC-JWT
signatures, key resolution and the binding of the key to the issuer. Portfolios and presentations use the same loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

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


@dataclass
class ProofAttempts:
    """What trying every Data Integrity proof of a document found; nothing is recorded in a report yet."""

    verified: list[tuple[dict[str, Any], ResolvedKey]] = field(default_factory=list)
    """Proofs whose signature verifies, with the key that made them."""
    problems: list[str] = field(default_factory=list)
    """Why each other proof failed."""
    key_problem: tuple[Outcome, str] | None = None
    """The first key that could not be resolved (``error``: could not check; ``failed``: unusable)."""
    unknown_context: str | None = None
    """The document cannot be canonicalized offline: nothing can be said of any proof."""


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


async def try_data_integrity_proofs(
    run: Run,
    document: dict[str, Any],
    expanded: list[dict[str, Any]] | None,
    *,
    purposes: tuple[str, ...] = ("assertionMethod",),
    preferred: Callable[[ResolvedKey], bool] = lambda _resolved: False,
) -> ProofAttempts:
    """Try each Data Integrity proof of ``document`` (a credential or a presentation) until a ``preferred`` signer's
    verifies: any one valid proof is enough, and the caller decides whose it must be."""
    attempts = ProofAttempts()
    for proof in as_list(document.get("proof")):
        problem = integrity.proof_problem(proof, purposes=purposes)
        if problem:
            attempts.problems.append(problem)
            continue
        run.stage = "key_owner"
        found = await _resolve_quietly(run, proof["verificationMethod"], proof["proofPurpose"])
        if not isinstance(found, ResolvedKey):
            attempts.key_problem = attempts.key_problem or found  # another proof may still verify
            continue
        if not isinstance(found.public_key.key, Ed25519PublicKey):
            attempts.problems.append(f"the key {found.vm_id} is {found.public_key.kind}, not Ed25519")
            continue
        run.stage = "signature"
        try:
            valid = integrity.verify_eddsa_proof(
                document,
                proof,
                found.public_key.key,
                expanded_unsecured=integrity.expanded_without_proof(expanded) if expanded else None,
                purposes=purposes,
            )
        except integrity.ProofProblem as exc:
            attempts.problems.append(str(exc))
            continue
        except UnknownContext as exc:
            attempts.unknown_context = str(exc)
            return attempts
        if valid:
            attempts.verified.append((proof, found))
            if preferred(found):
                break
            continue
        what = "presentation" if "VerifiablePresentation" in as_list(document.get("type")) else "credential"
        attempts.problems.append(f"the {integrity.describe_proof(proof)} signature does not match the {what}")
    return attempts


async def check_embedded_proofs(
    run: Run, credential: dict[str, Any], issuer_id: str | None, expanded: list[dict[str, Any]] | None = None
) -> bool:
    report = run.report
    if not as_list(credential.get("proof")):
        report.add("signature", "failed", "the credential has no proof")
        return False
    attempts = await try_data_integrity_proofs(
        run, credential, expanded, preferred=lambda resolved: is_issuers(resolved, issuer_id)
    )
    if attempts.unknown_context is not None:
        report.add("signature", "error", attempts.unknown_context)
        return False
    if attempts.verified:
        # Any one valid proof is enough: the issuer's own if there is one, else the first (its binding is reported).
        verified = attempts.verified
        proof, resolved = next(((p, r) for p, r in verified if is_issuers(r, issuer_id)), verified[0])
        report.add("signature", "passed", f"valid {integrity.describe_proof(proof)} proof")
        check_binding(report, resolved, issuer_id)
        return True
    if attempts.key_problem is not None:
        report.add("key_owner", *attempts.key_problem)
        return False
    report.add("signature", "failed", "; ".join(dict.fromkeys(attempts.problems)))
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
