"""Verifiable Presentations (VC Data Model 1.1 and 2.0), the backpack's portfolio being one of them.

A presentation is verified in two parts. Its own: JSON-LD safe mode, then the holder's proof — a Data Integrity proof
(or, for a ``vp+jwt``, the JWS) made by the holder's key for ``authentication`` (``assertionMethod`` is accepted too,
as the backpack's earlier portfolios used it), and, when the verifier asks for them, the ``challenge`` it handed out and
its ``domain``. Then every credential inside, each into its own report, as if given alone: the credentials are the
holder's, so they are not compared with the verifier's identities. A presentation whose own checks hold is as good as
its worst credential.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ._did.resolve import ResolvedKey
from ._json import as_list, node_id, text_of
from ._jsonld import UnknownContext, expand_safely
from ._ob2.verify import verify_hosted
from ._ob3 import vcjwt
from ._ob3.jwtkeys import jwt_key, key_listing
from ._ob3.proofs import try_data_integrity_proofs
from ._payload import Payload
from ._portfolio import Item, is_portfolio, presentation_items
from ._report import Report
from ._run import Run

__all__ = ["HOLDER_PURPOSES", "verify_presentation", "verify_presentation_jwt"]

HOLDER_PURPOSES = ("authentication", "assertionMethod")


def _controls(resolved: ResolvedKey, holder_id: str | None) -> bool:
    return holder_id is not None and resolved.controller.split("#", 1)[0] == holder_id.split("#", 1)[0]


def _describe_holder(report: Report, document: dict[str, Any]) -> str | None:
    report.badge_id = text_of(document.get("id")) or report.badge_id
    report.badge.name = text_of(document.get("name"))
    report.badge.description = text_of(document.get("description"))
    holder_id = node_id(document.get("holder"))
    report.badge.recipient = holder_id
    return holder_id


def _check_challenge(run: Run, challenge: Any, domain: Any, purpose: Any) -> None:
    """The ``challenge`` check, when the verifier expects a challenge or a domain: the holder's proof answers this
    verifier's request, not an earlier one (a replay) nor another verifier's."""
    expected_challenge, expected_domain = run.policy.expected_challenge, run.policy.expected_domain
    if expected_challenge is None and expected_domain is None:
        return
    problems = []
    if expected_challenge is not None and challenge != expected_challenge:
        problems.append(f"the proof answers the challenge {challenge!r}, not the one asked ({expected_challenge!r})")
    if expected_domain is not None and expected_domain not in as_list(domain):
        problems.append(f"the proof is for the domain {domain!r}, not {expected_domain!r}")
    if expected_challenge is not None and purpose != "authentication":
        problems.append(f"a proof answering a challenge must have the purpose 'authentication', not {purpose!r}")
    if problems:
        run.report.add("challenge", "failed", "; ".join(problems))
    else:
        asked = " and ".join(w for w, v in (("challenge", expected_challenge), ("domain", expected_domain)) if v)
        run.report.add("challenge", "passed", f"the holder's proof answers this verifier's {asked}")


async def _holder_proof(run: Run, document: dict[str, Any], expanded: list[dict[str, Any]] | None) -> None:
    report = run.report
    holder_id = node_id(document.get("holder"))
    what = "bundle" if is_portfolio(document) else "presentation"
    if not as_list(document.get("proof")):
        report.add("holder", "failed", f"the {what} is not signed by its holder (no proof)")
        return
    signers = [p.get("verificationMethod") for p in as_list(document.get("proof")) if isinstance(p, dict)]
    dids = {s.split("#", 1)[0] for s in signers if isinstance(s, str) and s.startswith("did:")}
    if holder_id is not None and dids and len(dids) == len(signers) and holder_id.split("#", 1)[0] not in dids:
        # Every proof is by a DID that is not the holder's: no signature can make it the holder's presentation.
        report.add("holder", "failed", f"signed by {', '.join(sorted(dids))}, not by the holder {holder_id}")
        return
    run.stage = "holder"
    attempts = await try_data_integrity_proofs(run, document, expanded, purposes=HOLDER_PURPOSES)
    if attempts.unknown_context is not None:
        report.add("holder", "error", attempts.unknown_context)
        return
    if attempts.all_valid:
        # Every proof holds; the holder's own must be among them.
        verified = attempts.verified
        proof, resolved = next(((p, r) for p, r in verified if _controls(r, holder_id)), verified[0])
        if holder_id is None:
            report.badge.recipient = resolved.controller
            report.add("holder", "passed", f"signed by {resolved.controller}, who presents it (no holder is named)")
        elif not _controls(resolved, holder_id):
            report.add("holder", "failed", f"signed by {resolved.controller}, not by the holder {holder_id}")
            return
        else:
            report.add("holder", "passed", f"signed by its holder {holder_id}; nothing was changed since")
        _check_challenge(run, proof.get("challenge"), proof.get("domain"), proof.get("proofPurpose"))
        return
    failed = attempts.of("failed")
    problems = [
        f"the holder's signature does not match: the {what} was changed after it was signed"
        if r.message.startswith("the ") and "signature does not match" in r.message
        else r.message
        for r in failed or attempts.of("error")
    ]
    report.add("holder", "failed" if failed else "error", "; ".join(dict.fromkeys(problems)))


async def _verify_item(run: Run, item: Item, checked_at: str) -> Report:
    report = Report(source=item.label, checked_at=checked_at)
    if item.payload is None:
        report.add("extracted", "error" if item.unsupported else "failed", item.problem or "the entry cannot be read")
        return report
    item_run = run.child_for_holder(report)
    if item.snapshot is not None:
        # A hosted badge is verified online; its snapshot only shows what it said at export time.
        assertion = item.snapshot.get("assertion")
        await verify_hosted(item_run, item.payload.text, assertion if isinstance(assertion, dict) else None)
        badge_class = item.snapshot.get("badgeClass")
        if isinstance(badge_class, dict) and not report.badge.name:
            report.badge.name = text_of(badge_class.get("name"))
    else:
        await item_run.dispatch(item.payload)
    return report


async def _verify_items(run: Run, document: dict[str, Any]) -> None:
    items = presentation_items(document)
    run.report.items = list(await asyncio.gather(*(_verify_item(run, i, run.report.checked_at) for i in items)))


async def verify_presentation(run: Run, document: dict[str, Any]) -> None:
    """A presentation given as JSON: safe mode, the holder's proof (and challenge), then every credential inside."""
    report = run.report
    report.format = "bundle" if is_portfolio(document) else "presentation"
    _describe_holder(report, document)
    try:
        expanded, problems = expand_safely(document)
    except UnknownContext as exc:
        report.add("json_ld", "error", str(exc))
        expanded, problems = None, []
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        report.add("json_ld", "failed", "; ".join(problems[:3]) + more)
    elif expanded is not None:
        report.add("json_ld", "passed", "every term of the presentation is defined by its contexts")
    await _holder_proof(run, document, expanded if not problems else None)
    await _verify_items(run, document)


def _presentation_of(claims: dict[str, Any]) -> dict[str, Any]:
    """The presentation in a VP-JWT payload: VC 1.1 keeps it in ``vp``, VC-JOSE (2.0) is the payload itself."""
    return claims["vp"] if isinstance(claims.get("vp"), dict) else claims


async def verify_presentation_jwt(run: Run, payload: Payload) -> None:
    """A presentation given as a JWS (``vp+jwt``): the signature by the holder's key, ``nonce`` and ``aud`` as the
    challenge and the domain, then every credential inside."""
    report = run.report
    report.format = "presentation-jwt"
    try:
        header, claims = vcjwt.parse_jwt(payload.text, typs=vcjwt.PRESENTATION_TYPS)
    except vcjwt.JwtProblem as exc:
        report.add("holder", "failed", str(exc))
        return
    document = _presentation_of(claims)
    holder_id = _describe_holder(report, document) or text_of(claims.get("iss"))
    report.badge.recipient = holder_id
    problem = vcjwt.enveloping_problem(header, claims, "presentation")
    if problem is not None:
        report.add("envelope", "failed", problem)
    found = await jwt_key(run, header, holder_id, relationship="authentication", check_id="holder")
    if found is None:
        return
    try:
        valid = vcjwt.verify_jwt_signature(payload.text, found.public_key, typs=vcjwt.PRESENTATION_TYPS)
    except vcjwt.JwtProblem as exc:
        report.add("holder", "failed", str(exc))
        return
    if not valid:
        report.add("holder", "failed", "the holder's JWT signature does not verify: the presentation was changed")
        await _verify_items(run, document)
        return
    key = found.resolved
    if key is not None and holder_id is not None and not _controls(key, holder_id):
        report.add("holder", "failed", f"signed by {key.controller}, not by the holder {holder_id}")
    elif key is not None:
        report.add("holder", "passed", f"signed ({header['alg']}) by its holder {key.controller}")
    elif found.listed is not None:
        report.add("holder", "passed", f"signed ({header['alg']}) by its holder {holder_id}, key in {found.listed}")
    elif holder_id is None:
        report.add("holder", "failed", f"{found.unlisted} proves integrity only, and no holder is named to vouch")
    else:
        outcome, message = await key_listing(run, found, holder_id, "authentication")
        report.add("holder", outcome, message if outcome != "passed" else f"signed by its holder: {message}")
    if (holder := report.check("holder")) is not None and holder.outcome == "passed":
        _check_challenge(run, claims.get("nonce"), claims.get("aud"), "authentication")
    await _verify_items(run, document)
