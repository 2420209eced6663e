"""OB 3.0 verification (OB 3.0 "Verification", VC Data Model 1.1/2.0): context and type, JSON-LD safe mode, proof
(Data Integrity or VC-JWT), key resolution and issuer binding, validity window, status, recipient, endorsements.

Like the OB 2.0 flow, it records one result per check; the pure parts live in ``integrity``, ``vcjwt``, ``status``,
``keys`` and ``did``.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from .. import _status as status
from .._errors import FetchError
from .._json import as_list, hash_matches, node_id, parse_datetime, text_of
from .._jsonld import UnknownContext, expand_safely, fetched_contexts
from .._payload import Payload, classify_payload
from .._report import BadgeDisplay, Report
from .._run import Run
from . import integrity, vcjwt
from .did import (
    DidResolutionError,
    ResolvedKey,
    UnsupportedDidMethod,
    VerificationMethodNotFound,
    resolve_verification_method,
)
from .keys import InvalidKey, UnsupportedKey, public_key_from_jwk

__all__ = ["verify_credential"]

VC1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
_OB3_CONTEXT = re.compile(r"^https://purl\.imsglobal\.org/spec/ob/v3p0/context(-3\.\d\.\d)?\.json$")
_OB3_CONTEXT_ALIASES = ("https://purl.imsglobal.org/spec/ob/v3p0/context/ob_v3p0.jsonld",)
_CREDENTIAL_TYPES = {"OpenBadgeCredential", "AchievementCredential", "EndorsementCredential"}
_MAX_ENDORSEMENTS = 20


def _check_context(report: Report, credential: dict[str, Any]) -> str | None:
    """The VC data model version ("1.1" or "2.0"), or None when the context is not an OB 3.0 one."""
    contexts = as_list(credential.get("@context"))
    first = contexts[0] if contexts else None
    version = {VC1_CONTEXT: "1.1", VC2_CONTEXT: "2.0"}.get(first) if isinstance(first, str) else None
    if version is None:
        report.add("context", "failed", f"@context must start with {VC2_CONTEXT} (or {VC1_CONTEXT}), not {first!r}")
        return None
    ob = [c for c in contexts[1:] if isinstance(c, str) and (_OB3_CONTEXT.match(c) or c in _OB3_CONTEXT_ALIASES)]
    if not ob:
        types = {t for t in as_list(credential.get("type")) if isinstance(t, str)}
        if types & _CREDENTIAL_TYPES:
            report.add("context", "failed", "@context does not include an Open Badges 3.0 context")
            return None
        # Not an Open Badge, but a Verifiable Credential all the same: verify it as one and say so.
        report.add("context", "warning", f"a VC {version} credential without an Open Badges context: not an Open Badge")
        return version
    note = "" if contexts[1] == ob[0] else " (the OB context is not second)"
    report.add("context", "passed" if not note else "warning", f"VC {version} with {ob[0].rsplit('/', 1)[-1]}{note}")
    return version


def _check_type(report: Report, credential: dict[str, Any]) -> bool:
    types = {t for t in as_list(credential.get("type")) if isinstance(t, str)}
    if "VerifiableCredential" in types and not types & _CREDENTIAL_TYPES and _is_generic(report):
        report.add("type", "warning", f"{', '.join(sorted(types))}: a Verifiable Credential, not an Open Badge")
        return True
    if "VerifiableCredential" not in types or not types & _CREDENTIAL_TYPES:
        report.add(
            "type", "failed", f"type must include VerifiableCredential and OpenBadgeCredential, not {sorted(types)}"
        )
        return False
    report.add("type", "passed", ", ".join(sorted(types - {"VerifiableCredential"})))
    return True


def _is_generic(report: Report) -> bool:
    check = report.check("context")
    return check is not None and check.outcome == "warning" and "not an Open Badge" in check.message


_MAX_FETCHED_CONTEXTS = 8


async def _check_json_ld(run: Run, credential: dict[str, Any]) -> list[dict[str, Any]] | None:
    """Safe-mode check; returns the expansion when the credential passes, for canonicalization to reuse."""
    report = run.report
    while True:
        try:
            expanded, problems = expand_safely(credential)
            break
        except UnknownContext as exc:
            extra = fetched_contexts.get()
            if not run.policy.fetch_unknown_contexts or (extra is not None and len(extra) >= _MAX_FETCHED_CONTEXTS):
                hint = "" if run.policy.fetch_unknown_contexts else "; --fetch-contexts allows fetching it"
                report.add("json_ld", "error", f"{exc}{hint}")
                return None
            document = await run.fetch_json(exc.url, "json_ld", "JSON-LD context")
            if document is None:
                return None
            fetched_contexts.set({**(extra or {}), exc.url.split("#", 1)[0]: document})
            report.add("json_ld", "warning", f"fetched the JSON-LD context {exc.url}, which is not bundled")
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        report.add("json_ld", "failed", "; ".join(problems[:3]) + more)
        return None
    if fetched_contexts.get():
        report.add(
            "json_ld",
            "warning",
            f"every term is defined, using fetched contexts: {', '.join(fetched_contexts.get() or {})}",
        )
    else:
        report.add("json_ld", "passed", "every term is defined by the credential's contexts")
    return expanded


def _issuer_id(credential: dict[str, Any]) -> str | None:
    return node_id(credential.get("issuer"))


def _dates(credential: dict[str, Any], version: str | None) -> tuple[Any, Any]:
    if version == "1.1" or ("validFrom" not in credential and "issuanceDate" in credential):
        return credential.get("issuanceDate"), credential.get("expirationDate")
    return credential.get("validFrom"), credential.get("validUntil")


def _check_properties(report: Report, credential: dict[str, Any], version: str | None) -> None:
    missing = [name for name in ("id", "issuer", "credentialSubject") if not credential.get(name)]
    valid_from, _ = _dates(credential, version)
    types = {t for t in as_list(credential.get("type")) if isinstance(t, str)}
    if valid_from is None and (version == "1.1" or types & _CREDENTIAL_TYPES):  # VC 2.0 itself makes it optional
        missing.append("issuanceDate" if version == "1.1" else "validFrom")
    if _issuer_id(credential) is None and "issuer" not in missing:
        missing.append("issuer.id")
    if missing:
        report.add("properties", "failed", f"the credential lacks {', '.join(missing)}")
        return
    subjects = as_list(credential.get("credentialSubject"))
    if not any(isinstance(s, dict) and (s.get("id") or s.get("identifier")) for s in subjects):
        # Required by OB 3.0, yet missing from many credentials other verifiers accept: a warning, not a failure.
        report.add("properties", "warning", "the credential subject has neither id nor identifier")
        return
    report.add("properties", "passed", "the credential has the required properties")


def _check_validity(report: Report, credential: dict[str, Any], version: str | None, run: Run) -> None:
    now, skew = run.policy.current_time(), run.policy.clock_skew
    start_raw, end_raw = _dates(credential, version)
    start, end = parse_datetime(start_raw), parse_datetime(end_raw)
    if start_raw is not None and start is None:
        report.add("valid_from", "failed", f"validFrom is not a date: {start_raw!r}")
    elif start is not None and start > now + skew:
        report.add("valid_from", "failed", f"not valid before {start.isoformat()}")
    elif start is not None:
        report.add("valid_from", "passed", f"valid from {start.date().isoformat()}")
    if end_raw is None:
        report.add("expiry", "passed", "does not expire")
    elif end is None:
        report.add("expiry", "failed", f"validUntil is not a date: {end_raw!r}")
    elif end <= now:
        report.add("expiry", "failed", f"expired on {end.date().isoformat()}")
    else:
        report.add("expiry", "passed", f"valid until {end.date().isoformat()}")


def _is_issuers(resolved: ResolvedKey, issuer_id: str | None) -> bool:
    return issuer_id is not None and resolved.controller.split("#", 1)[0] == issuer_id.split("#", 1)[0]


def _check_binding(report: Report, resolved: ResolvedKey, issuer_id: str | None) -> None:
    controller = resolved.controller
    where = {"fragment": " (key taken from the method's fragment)"}.get(resolved.source, "")
    if _is_issuers(resolved, issuer_id):
        report.add("key_owner", "passed", f"signed by the issuer's key {resolved.vm_id}{where}")
    elif issuer_id is not None and not issuer_id.startswith(("did:", "http://", "https://")):
        report.add("key_owner", "warning", f"the issuer id {issuer_id} cannot control keys; signed by {controller}")
    else:
        report.add("key_owner", "failed", f"signed by {controller}, not by the issuer {issuer_id}")


async def _resolve(run: Run, vm_id: str) -> ResolvedKey | None:
    run.stage = "key_owner"
    try:
        return await resolve_verification_method(
            vm_id,
            run.fetcher,
            trust_fragment=run.policy.trust_fragment_keys,  # type: ignore[arg-type]
        )
    except FetchError as exc:
        run.report.add("key_owner", "error", f"could not resolve the key {vm_id}: {exc}")
    except DidResolutionError as exc:
        outcome = "failed" if isinstance(exc, UnsupportedDidMethod | VerificationMethodNotFound) else "error"
        run.report.add("key_owner", outcome, f"cannot use the key {vm_id}: {exc}")
    except (InvalidKey, UnsupportedKey) as exc:
        run.report.add("key_owner", "failed", f"cannot use the key {vm_id}: {exc}")
    return None


async def _check_embedded_proofs(
    run: Run, credential: dict[str, Any], issuer_id: str | None, expanded: list[dict[str, Any]] | None = None
) -> bool:
    report = run.report
    proofs = as_list(credential.get("proof"))
    if not proofs:
        report.add("signature", "failed", "the credential has no proof")
        return False
    problems: list[str] = []
    verified: list[tuple[dict[str, Any], ResolvedKey]] = []
    key_problem = None
    for proof in proofs:
        problem = integrity.proof_problem(proof)
        if problem:
            problems.append(problem)
            continue
        resolved = await _resolve(run, proof["verificationMethod"])
        if resolved is None:
            key_problem = key_problem or report.check("key_owner")  # another proof may still verify
            continue
        if resolved.public_key.kind != "Ed25519":
            problems.append(f"the key {resolved.vm_id} is {resolved.public_key.kind}, not Ed25519")
            continue
        run.stage = "signature"
        try:
            valid = integrity.verify_eddsa_proof(
                credential,
                proof,
                resolved.public_key.key,  # type: ignore[arg-type]
                expanded_unsecured=integrity.expanded_without_proof(expanded) if expanded else None,
            )
        except integrity.ProofProblem as exc:
            problems.append(str(exc))
            continue
        except UnknownContext as exc:
            report.add("signature", "error", str(exc))
            return False
        if valid:
            verified.append((proof, resolved))
            if _is_issuers(resolved, issuer_id):
                break
            continue
        problems.append(f"the {integrity.describe_proof(proof)} signature does not match the credential")
    if verified:
        # Any one valid proof is enough: the issuer's own if there is one, else the first (its binding is reported).
        proof, resolved = next(((p, r) for p, r in verified if _is_issuers(r, issuer_id)), verified[0])
        report.add("signature", "passed", f"valid {integrity.describe_proof(proof)} proof")
        _check_binding(report, resolved, issuer_id)
        return True
    if key_problem is not None:
        report.add(key_problem.id, key_problem.outcome, key_problem.message)
        return False
    report.add("signature", "failed", "; ".join(dict.fromkeys(problems)))
    return False


async def _jwt_key(run: Run, header: dict[str, Any], issuer_id: str | None) -> tuple[Any, str] | None:
    """The verification key of a VC-JWT and how it was obtained ("kid" or "jwk")."""
    kid = header.get("kid")
    if isinstance(kid, str) and kid.startswith(("did:", "http://", "https://")):
        resolved = await _resolve(run, kid)
        return (resolved, "kid") if resolved else None
    if isinstance(kid, str) and issuer_id and issuer_id.startswith("did:"):
        resolved = await _resolve(run, f"{issuer_id}#{kid.lstrip('#')}")
        return (resolved, "kid") if resolved else None
    try:
        return public_key_from_jwk(header["jwk"]), "jwk"
    except (InvalidKey, UnsupportedKey, KeyError, TypeError) as exc:
        run.report.add("key_owner", "failed", f"the JWS header's jwk is unusable: {exc}")
        return None


async def _jwk_in_issuer_set(run: Run, jwk: dict[str, Any], issuer_id: str | None) -> bool | None:
    """Key provenance for an inline jwk: is it in ``https://<issuer authority>/.well-known/jwks.json``?"""
    parts = urlsplit(issuer_id or "")
    if parts.scheme != "https" or not parts.netloc:
        return None
    try:
        result = await run.fetcher.fetch(f"https://{parts.netloc}/.well-known/jwks.json", kind="json")
        keys = json.loads(result.body).get("keys", []) if result.ok else None
    except (FetchError, ValueError, AttributeError):
        return None
    if not isinstance(keys, list):
        return None
    material = ("kty", "crv", "x", "y", "n", "e")
    return any(isinstance(k, dict) and all(k.get(f) == jwk.get(f) for f in material) for k in keys)


async def _check_jwt(
    run: Run, token: str, credential: dict[str, Any], claims: dict[str, Any], version: str | None
) -> bool:
    report = run.report
    issuer_id = _issuer_id(credential)
    try:
        header, _ = vcjwt.parse_jwt(token)
    except vcjwt.JwtProblem as exc:
        outcome = "failed"
        report.add("key_owner" if "kid or a jwk" in str(exc) else "signature", outcome, str(exc))
        return False
    found = await _jwt_key(run, header, issuer_id)
    if found is None:
        return False
    key_or_resolved, how = found
    public_key = key_or_resolved.public_key if how == "kid" else key_or_resolved
    run.stage = "signature"
    try:
        valid = vcjwt.verify_jwt_signature(token, public_key)
    except vcjwt.JwtProblem as exc:
        report.add("signature", "failed", str(exc))
        return False
    if not valid:
        report.add("signature", "failed", f"the {header['alg']} signature of the JWT does not verify")
        return False
    report.add("signature", "passed", f"valid {header['alg']} VC-JWT signature")
    if how == "kid":
        _check_binding(report, key_or_resolved, issuer_id)
    else:
        listed = await _jwk_in_issuer_set(run, header["jwk"], issuer_id)
        if listed:
            report.add("key_owner", "passed", "the inline key is in the issuer's /.well-known/jwks.json")
        elif listed is False:
            report.add("key_owner", "failed", "the inline key is not in the issuer's /.well-known/jwks.json")
        else:
            report.add("key_owner", "warning", "the key is inline in the JWT: it proves integrity, not who issued it")
    valid_from = parse_datetime(_dates(credential, version)[0])
    problems = vcjwt.claim_checks(claims, credential, issuer_id=issuer_id, valid_from=valid_from)
    failed = [m for o, m in problems if o == "failed"]
    if failed:
        report.add("jwt_claims", "failed", "; ".join(failed))
    elif problems:
        report.add("jwt_claims", "warning", "; ".join(m for _, m in problems))
    else:
        report.add("jwt_claims", "passed", "iss, jti, nbf and sub agree with the credential")
    return True


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
        await _verify_status_list(run, entry, _issuer_id(credential))
        check = report.check("revocation")
        if check is not None and check.outcome != "passed":
            return


def _check_recipient(report: Report, credential: dict[str, Any], identities: tuple[str, ...]) -> None:
    subjects = [s for s in as_list(credential.get("credentialSubject")) if isinstance(s, dict)]
    if not identities:
        report.add("recipient", "warning", "not checked: no identity to compare with")
        return
    for subject in subjects:
        if isinstance(subject.get("id"), str) and subject["id"] in identities:
            report.add("recipient", "passed", f"issued to {subject['id']}")
            return
        for identifier in as_list(subject.get("identifier")):
            if not isinstance(identifier, dict) or not isinstance(identifier.get("identityHash"), str):
                continue
            value, salt = identifier["identityHash"], identifier.get("salt") or ""
            hashed = identifier.get("hashed") is True or str(identifier.get("hashed")).lower() == "true"
            for candidate in identities:
                for variant in dict.fromkeys((candidate, candidate.lower())):
                    if (hashed and hash_matches(value, variant, str(salt))) or (
                        not hashed and value.lower() == variant.lower()
                    ):
                        kind = identifier.get("identityType", "identity")
                        report.add("recipient", "passed", f"issued to {candidate} ({kind})")
                        return
    report.add("recipient", "failed", f"issued to someone else: none of the identities given ({', '.join(identities)})")


def _display(credential: dict[str, Any]) -> BadgeDisplay:
    subject = next((s for s in as_list(credential.get("credentialSubject")) if isinstance(s, dict)), {})
    achievement = subject.get("achievement") if isinstance(subject.get("achievement"), dict) else {}
    issuer = credential.get("issuer") if isinstance(credential.get("issuer"), dict) else {}
    criteria = achievement.get("criteria") if isinstance(achievement.get("criteria"), dict) else {}
    identifier = next((i for i in as_list(subject.get("identifier")) if isinstance(i, dict)), {})
    recipient = text_of(subject.get("id"))
    if recipient is None and identifier:
        hashed = identifier.get("hashed") is True
        recipient = (
            f"hashed {identifier.get('identityType', 'identity')}"
            if hashed
            else text_of(identifier.get("identityHash"))
        )
    alignments = [
        {
            k: str(a[k])
            for k in ("targetName", "targetUrl", "targetDescription", "targetFramework", "targetCode", "targetType")
            if isinstance(a.get(k), str)
        }
        for a in as_list(achievement.get("alignment"))
        if isinstance(a, dict)
    ]
    evidence = [
        {k: str(e[k]) for k in ("id", "name", "narrative", "description") if text_of(e.get(k))}
        for e in as_list(credential.get("evidence"))
        if isinstance(e, dict)
    ]
    return BadgeDisplay(
        name=text_of(achievement.get("name")) or text_of(credential.get("name")),
        description=text_of(achievement.get("description")) or text_of(credential.get("description")),
        image=node_id(achievement.get("image")) or node_id(credential.get("image")),
        criteria=text_of(criteria.get("narrative")),
        criteria_url=text_of(criteria.get("id")),
        issuer_name=text_of(issuer.get("name")),
        issuer_url=text_of(issuer.get("url")),
        issuer_id=_issuer_id(credential),
        recipient=recipient,
        issued_on=text_of(credential.get("awardedDate"))
        or text_of(credential.get("validFrom"))
        or text_of(credential.get("issuanceDate")),
        expires=text_of(credential.get("validUntil")) or text_of(credential.get("expirationDate")),
        alignments=alignments,
        evidence=evidence,
    )


async def _check_endorsements(run: Run, credential: dict[str, Any]) -> None:
    subject = next((s for s in as_list(credential.get("credentialSubject")) if isinstance(s, dict)), {})
    achievement = subject.get("achievement") if isinstance(subject.get("achievement"), dict) else {}
    holders = [credential, achievement, credential.get("issuer") if isinstance(credential.get("issuer"), dict) else {}]
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
    outcome = "passed" if valid == len(results) else "warning"
    run.report.add("endorsements", outcome, f"{valid} of {len(results)} endorsements valid ({'; '.join(results)})")


async def _verify_json_credential(run: Run, credential: dict[str, Any], *, status_list: bool = False) -> None:
    report = run.report
    report.badge_id = text_of(credential.get("id")) or report.badge_id
    report.badge = _display(credential)
    version = _check_context(report, credential) if not status_list else "2.0"
    if not status_list:
        _check_type(report, credential)
    elif VC1_CONTEXT in as_list(credential.get("@context")):
        version = "1.1"
    expanded = await _check_json_ld(run, credential)
    _check_properties(report, credential, version)
    await _check_embedded_proofs(run, credential, _issuer_id(credential), expanded)
    _check_validity(report, credential, version, run)
    if status_list:
        return
    _check_recipient(report, credential, run.policy.recipients)
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
    claims = payload.claims or {}
    credential, jwt_version = vcjwt.credential_of(claims)
    report.badge_id = text_of(credential.get("id"))
    report.badge = _display(credential)
    version = _check_context(report, credential)
    if version is not None and version != jwt_version:
        report.add("context", "failed", f"a VC {version} credential in a VC {jwt_version} JWT payload")
    _check_type(report, credential)
    registered = ("iss", "sub", "aud", "exp", "nbf", "iat", "jti") if jwt_version == "2.0" else ()
    await _check_json_ld(run, {k: v for k, v in credential.items() if k not in registered})
    _check_properties(report, credential, version)
    await _check_jwt(run, payload.text, credential, claims, version)
    # exp/nbf claims bound the validity too when the credential itself does not say.
    merged = dict(credential)
    for claim, names in (("nbf", ("validFrom", "issuanceDate")), ("exp", ("validUntil", "expirationDate"))):
        stamp = vcjwt.numeric_date(claims.get(claim))
        target = names[0] if version != "1.1" else names[1]
        if stamp is not None and not merged.get(target):
            merged[target] = stamp.isoformat()
    _check_validity(report, merged, version, run)
    _check_recipient(report, credential, run.policy.recipients)
    await _check_status(run, credential)
    await _check_endorsements(run, credential)
