"""OB 3.0 verification (OB 3.0 "Verification", VC Data Model 1.1/2.0): the order of the checks. The checks of the
credential's content are in ``credential``, proofs and keys in ``proofs``, status methods in ``verifier._status``.
"""

from __future__ import annotations

from typing import Any

from .. import _status as status
from .._json import as_list, as_object, node_id, text_of
from .._payload import Payload, classify_payload
from .._report import Outcome, Report
from .._run import Run
from . import vcjwt
from .credential import (
    VC1_CONTEXT,
    check_context,
    check_json_ld,
    check_properties,
    check_recipient,
    check_type,
    check_validity,
    display_of,
    issuer_id_of,
)
from .data_model import check_data_model, check_related_resources
from .proofs import check_embedded_proofs, check_jwt

__all__ = ["verify_credential"]

_MAX_ENDORSEMENTS = 20


async def _verify_status_list(run: Run, entry: status.StatusEntry, issuer_id: str | None) -> None:
    report = run.report
    what = "status list" if status.needs_list_credential(entry) else "revocation list"
    document = await run.fetch_json(entry.list_url, "revocation", what)
    if document is None:
        unusable = report.check("revocation")
        if unusable is not None and unusable.outcome == "failed":  # not a JSON object: says nothing of revocation
            report.add("revocation", "error", unusable.message)
        return
    if status.needs_list_credential(entry):
        list_report = Report(source=entry.list_url, checked_at=report.checked_at)
        await _verify_json_credential(run.child(list_report), document, status_list=True)
        if list_report.status != "valid":
            decisive = list_report.decisive_check
            why = f"{decisive.id}: {decisive.message}" if decisive else list_report.status
            report.add("revocation", "error", f"the status list {entry.list_url} cannot be trusted ({why})")
            return
        list_issuer = node_id(document.get("issuer"))
        if list_issuer != issuer_id and run.policy.status_list_issuer_must_match:
            report.add(
                "revocation", "error", f"the status list is issued by {list_issuer}, not the credential's issuer"
            )
            return
    read = status.list_method(entry)
    try:
        result = read(
            entry,
            document,
            credential_id=str(report.badge_id),
            minimum_entries=run.policy.status_list_minimum_entries,
        )
    except status.StatusError as exc:
        report.add("revocation", "error", f"the {what} {entry.list_url} is unusable: {exc}")
        return
    if entry.index is None:  # a revocation document, not a list of bits
        if result.revoked:
            report.badge.revocation_reason = result.reason
            report.add(
                "revocation", "failed", "revoked by the issuer" + (f": {result.reason}" if result.reason else "")
            )
        else:
            report.add("revocation", "passed", "not in the issuer's revocation list")
    elif result.revoked or result.suspended:
        word = "revoked" if result.revoked else "suspended"
        report.add("revocation", "failed", f"{word} (bit {entry.index} of {entry.list_url})")
    else:
        report.add("revocation", "passed", f"{result.message}: bit {entry.index} of the issuer's status list is 0")


async def _check_status(run: Run, credential: dict[str, Any]) -> None:
    report = run.report
    raw = credential.get("credentialStatus")
    if raw is None:
        report.add("revocation", "skipped", "the credential has no status to check")
        return
    run.stage = "revocation"
    try:
        entries = status.parse_status_entries(raw)
    except status.StatusError as exc:
        report.add("revocation", "error", f"the credentialStatus is malformed: {exc}")
        return
    known = [e for e in entries if isinstance(e, status.StatusEntry)]
    if not known:
        kinds = ", ".join(sorted({e.type for e in entries if isinstance(e, status.UnsupportedStatus)}))
        report.add("revocation", "error", f"unsupported status method {kinds}: revocation cannot be checked")
        return
    for entry in known:
        await _verify_status_list(run, entry, issuer_id_of(credential))
        check = report.check("revocation")
        if check is not None and check.outcome != "passed":
            return


async def _check_endorsements(run: Run, credential: dict[str, Any]) -> None:
    subject = next((s for s in as_list(credential.get("credentialSubject")) if isinstance(s, dict)), {})
    achievement = as_object(subject.get("achievement"))
    holders = [credential, achievement, as_object(credential.get("issuer"))]
    embedded = [e for h in holders for e in as_list(h.get("endorsement")) if isinstance(e, dict)]
    jwts = [e for h in holders for e in as_list(h.get("endorsementJwt")) if isinstance(e, str)]
    if not embedded and not jwts:
        return
    results: list[str] = []
    valid = 0
    for item in (embedded + jwts)[:_MAX_ENDORSEMENTS]:
        nested = Report(source="endorsement", checked_at=run.report.checked_at)
        nested_run = run.child_for_holder(nested)
        if isinstance(item, str):
            await verify_credential(nested_run, classify_payload(item))
        else:
            await _verify_json_credential(nested_run, item)
        endorser = nested.badge.issuer_name or nested.badge.issuer_id or "unknown endorser"
        run.report.badge.endorsements.append(f"{endorser} ({nested.status})")
        valid += nested.status == "valid"
        results.append(f"{endorser}: {nested.status}")
    outcome: Outcome = "passed" if valid == len(results) else "warning"
    run.report.add("endorsements", outcome, f"{valid} of {len(results)} endorsements valid ({'; '.join(results)})")


async def _verify_json_credential(run: Run, credential: dict[str, Any], *, status_list: bool = False) -> None:
    report = run.report
    report.badge_id = text_of(credential.get("id")) or report.badge_id
    report.badge = display_of(credential)
    version = check_context(report, credential) if not status_list else "2.0"
    if not status_list:
        check_type(report, credential)
    elif VC1_CONTEXT in as_list(credential.get("@context")):
        version = "1.1"
    expanded = await check_json_ld(run, credential)
    check_properties(report, credential, version)
    check_data_model(report, credential)
    await check_embedded_proofs(run, credential, issuer_id_of(credential), expanded)
    check_validity(report, credential, version, run)
    if status_list:
        return
    await check_related_resources(run, credential)
    check_recipient(report, credential, run.policy.recipients)
    await _check_status(run, credential)
    await _check_endorsements(run, credential)


async def verify_credential(run: Run, payload: Payload) -> None:
    """Verify an OB 3.0 credential given as JSON or as a VC-JWT."""
    report = run.report
    if payload.kind == "url":
        document = await run.fetch_json(payload.text, "fetched", "credential")
        if document is None:
            return
        run.report.add("fetched", "passed", f"fetched from {payload.text}")
        report.format = "ob3-data-integrity"
        await _verify_json_credential(run, document)
        return
    if payload.kind == "json":
        report.format = "ob3-data-integrity"
        await _verify_json_credential(run, payload.claims or {})
        return
    report.format = "ob3-jwt"
    if vcjwt.is_sd_jwt(payload.text, payload.jws_header):
        report.add("format", "error", "an SD-JWT credential (selective disclosure, vc+sd-jwt): not supported yet")
        return
    claims = payload.claims or {}
    credential, jwt_version = vcjwt.credential_of(claims)
    report.badge_id = text_of(credential.get("id"))
    report.badge = display_of(credential)
    problem = vcjwt.enveloping_problem(payload.jws_header or {}, claims)
    if problem is not None:
        report.add("envelope", "failed", problem)
    version = check_context(report, credential)
    if version is not None and version != jwt_version:
        report.add("context", "failed", f"a VC {version} credential in a VC {jwt_version} JWT payload")
    check_type(report, credential)
    registered = ("iss", "sub", "aud", "exp", "nbf", "iat", "jti") if jwt_version == "2.0" else ()
    await check_json_ld(run, {k: v for k, v in credential.items() if k not in registered})
    check_properties(report, credential, version)
    check_data_model(report, credential)
    await check_jwt(run, payload.text, credential, claims, version)
    # exp/nbf claims bound the validity too when the credential itself does not say.
    merged = dict(credential)
    for claim, names in (("nbf", ("validFrom", "issuanceDate")), ("exp", ("validUntil", "expirationDate"))):
        stamp = vcjwt.numeric_date(claims.get(claim))
        target = names[0] if version != "1.1" else names[1]
        if stamp is not None and not merged.get(target):
            merged[target] = stamp.isoformat()
    check_validity(report, merged, version, run)
    await check_related_resources(run, credential)
    check_recipient(report, credential, run.policy.recipients)
    await _check_status(run, credential)
    await _check_endorsements(run, credential)
