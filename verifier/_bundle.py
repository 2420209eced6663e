"""Portfolio bundles: a Verifiable Presentation (VC Data Model 2.0) made by the backpack, signed by its holder.

The holder's ``DataIntegrityProof`` (``eddsa-rdfc-2022``, ``assertionMethod``, a did:key of the holder) covers the
whole presentation: the collection's name, description and order, every OB 3.0 credential (JSON with its own proof,
or a VC-JWT as an ``EnvelopedVerifiableCredential``), and, in the ``portfolio`` JSON literal, the OB 2.0 badges (a
signed badge's JWS; a hosted badge's URL with a snapshot of its documents taken at export time). Each badge inside is
then verified on its own, as if given alone.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ._did.resolve import DidResolutionError, resolve_verification_method
from ._json import as_list, as_object
from ._jsonld import UnknownContext, expand_safely
from ._ob2.verify import verify_hosted
from ._ob3 import integrity
from ._payload import Payload, classify_payload
from ._report import Report
from ._run import Run

__all__ = ["BUNDLE_CONTEXT", "BUNDLE_TYPE", "bundle_payloads", "is_bundle", "verify_bundle"]

BUNDLE_TYPE = "BadgePortfolio"
BUNDLE_CONTEXT: dict[str, Any] = {
    BUNDLE_TYPE: "urn:openbadges-backpack:BadgePortfolio",
    "portfolio": {"@id": "urn:openbadges-backpack:portfolio", "@type": "@json"},
}
_JWT_DATA_URL = "data:application/vc+jwt,"
_MAX_ITEMS = 500


def is_bundle(document: dict[str, Any]) -> bool:
    return "VerifiablePresentation" in as_list(document.get("type"))


async def _holder_proof(run: Run, document: dict[str, Any], expanded: list[dict[str, Any]] | None) -> None:
    report = run.report
    holder = document.get("holder")
    holder_id = holder.get("id") if isinstance(holder, dict) else holder
    proofs = [p for p in as_list(document.get("proof")) if isinstance(p, dict)]
    if not proofs:
        report.add("holder", "failed", "the bundle is not signed by its holder (no proof)")
        return
    problems = []
    for proof in proofs:
        problem = integrity.proof_problem(proof)
        if problem:
            problems.append(problem)
            continue
        try:
            resolved = await resolve_verification_method(proof["verificationMethod"], run.fetcher)
        except DidResolutionError as exc:
            problems.append(f"the holder key cannot be resolved: {exc}")
            continue
        if resolved.controller != holder_id:
            problems.append(f"signed by {resolved.controller}, not by the holder {holder_id}")
            continue
        if not isinstance(resolved.public_key.key, Ed25519PublicKey):
            problems.append("the holder key is not an Ed25519 key")
            continue
        try:
            valid = integrity.verify_eddsa_proof(
                document,
                proof,
                resolved.public_key.key,
                expanded_unsecured=integrity.expanded_without_proof(expanded) if expanded else None,
            )
        except (integrity.ProofProblem, UnknownContext) as exc:
            problems.append(str(exc))
            continue
        if valid:
            report.add("holder", "passed", f"signed by its holder {holder_id}; nothing was changed since")
            return
        problems.append("the holder's signature does not match: the bundle was changed after it was signed")
    report.add("holder", "failed", "; ".join(dict.fromkeys(problems)))


def _items(document: dict[str, Any]) -> list[tuple[str, Payload, dict[str, Any] | None]]:
    """(label, payload, hosted snapshot) for every badge in the bundle, in the bundle's order."""
    found: list[tuple[str, Payload, dict[str, Any] | None]] = []
    for credential in as_list(document.get("verifiableCredential")):
        if not isinstance(credential, dict):
            found.append(("unreadable entry", classify_payload(json.dumps({"entry": credential})), None))
            continue
        identifier = credential.get("id")
        if "EnvelopedVerifiableCredential" in as_list(credential.get("type")) and isinstance(identifier, str):
            if identifier.startswith(_JWT_DATA_URL):
                token = identifier[len(_JWT_DATA_URL) :]
                found.append(("VC-JWT", classify_payload(token, hint="ob3"), None))
            continue
        found.append((str(identifier or "credential"), classify_payload(json.dumps(credential), hint="ob3"), None))
    portfolio = as_object(document.get("portfolio"))
    for badge in as_list(portfolio.get("openBadges2")):
        if not isinstance(badge, dict):
            continue
        if badge.get("kind") == "signed" and isinstance(badge.get("jws"), str):
            found.append(("OB 2.0 signed badge", classify_payload(badge["jws"]), None))
        elif badge.get("kind") == "hosted" and isinstance(badge.get("url"), str):
            snapshot = badge.get("snapshot") if isinstance(badge.get("snapshot"), dict) else {}
            found.append((badge["url"], classify_payload(badge["url"]), snapshot))
    # The bundle's own order (a learning path's steps): each entry names its credential or assertion.
    order = [e.get("credential") or e.get("assertion") for e in as_list(portfolio.get("order")) if isinstance(e, dict)]
    rank = {key: index for index, key in enumerate(order) if isinstance(key, str)}

    def position(entry: tuple[str, Payload, dict[str, Any] | None]) -> int:
        return rank.get(entry[1].badge_id or "", len(rank))

    return sorted(found, key=position)[:_MAX_ITEMS]


def bundle_payloads(document: dict[str, Any]) -> list[Payload]:
    """The badges inside a bundle, as payloads to store: credentials as issued, a hosted badge as its snapshot's
    assertion when there is one (its id is the hosted URL, so it is the same badge), else its URL."""
    payloads = []
    for _label, payload, snapshot in _items(document):
        assertion = (snapshot or {}).get("assertion")
        if isinstance(assertion, dict) and assertion.get("id") == payload.text:
            payloads.append(classify_payload(json.dumps(assertion)))
        elif not (payload.kind == "json" and payload.claims and "entry" in payload.claims):
            payloads.append(payload)
    return payloads


async def verify_bundle(run: Run, document: dict[str, Any]) -> None:
    """Verify the holder's proof over the bundle, then every badge inside it as if given alone."""
    report = run.report
    report.format = "bundle"
    report.badge_id = document.get("id") if isinstance(document.get("id"), str) else None
    report.badge.name = document.get("name") if isinstance(document.get("name"), str) else None
    report.badge.description = document.get("description") if isinstance(document.get("description"), str) else None
    holder = document.get("holder")
    report.badge.recipient = holder.get("id") if isinstance(holder, dict) else holder
    try:
        expanded, problems = expand_safely(document)
    except UnknownContext as exc:
        report.add("json_ld", "error", str(exc))
        expanded, problems = None, []
    if problems:
        report.add("json_ld", "failed", "; ".join(problems[:3]))
    elif expanded is not None:
        report.add("json_ld", "passed", "every term of the bundle is defined by its contexts")
    await _holder_proof(run, document, expanded if not problems else None)

    async def one(label: str, payload: Payload, snapshot: dict[str, Any] | None) -> Report:
        item = Report(source=label, checked_at=report.checked_at)
        # The badges are the holder's, not the verifier's: whoever checks the bundle, the recipient is not theirs.
        item_run = run.child_for_holder(item)
        if snapshot is not None:
            # A hosted badge is verified online; its snapshot only shows what it said at export time.
            assertion = snapshot.get("assertion") if isinstance(snapshot.get("assertion"), dict) else None
            await verify_hosted(item_run, payload.text, assertion)
            item.badge.name = item.badge.name or _snapshot_name(snapshot)
        else:
            await item_run.dispatch(payload)
        return item

    report.items = list(await asyncio.gather(*(one(*entry) for entry in _items(document))))


def _snapshot_name(snapshot: dict[str, Any]) -> str | None:
    badge_class = snapshot.get("badgeClass")
    name = badge_class.get("name") if isinstance(badge_class, dict) else None
    return name if isinstance(name, str) else None
