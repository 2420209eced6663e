"""The checks of an OB 3.0 credential's own content: context, type, JSON-LD safe mode, required properties, validity
window, recipient, and the data shown for it. One result per check, recorded in the run's report; no proof here."""

from __future__ import annotations

import re
from typing import Any

from .._json import as_list, as_object, hash_matches, node_id, parse_datetime, text_of
from .._jsonld import UnknownContext, expand_safely, fetched_contexts
from .._report import BadgeDisplay, Report
from .._run import Run

__all__ = [
    "CREDENTIAL_TYPES",
    "VC1_CONTEXT",
    "VC2_CONTEXT",
    "check_context",
    "check_json_ld",
    "check_properties",
    "check_recipient",
    "check_type",
    "check_validity",
    "dates_of",
    "display_of",
    "issuer_id_of",
]

VC1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
_OB3_CONTEXT = re.compile(r"^https://purl\.imsglobal\.org/spec/ob/v3p0/context(-3\.\d\.\d)?\.json$")
_OB3_CONTEXT_ALIASES = ("https://purl.imsglobal.org/spec/ob/v3p0/context/ob_v3p0.jsonld",)
CREDENTIAL_TYPES = {"OpenBadgeCredential", "AchievementCredential", "EndorsementCredential"}


def check_context(report: Report, credential: dict[str, Any]) -> str | None:
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
        if types & CREDENTIAL_TYPES:
            report.add("context", "failed", "@context does not include an Open Badges 3.0 context")
            return None
        # Not an Open Badge, but a Verifiable Credential all the same: verify it as one and say so.
        report.add("context", "warning", f"a VC {version} credential without an Open Badges context: not an Open Badge")
        return version
    note = "" if contexts[1] == ob[0] else " (the OB context is not second)"
    report.add("context", "passed" if not note else "warning", f"VC {version} with {ob[0].rsplit('/', 1)[-1]}{note}")
    return version


def check_type(report: Report, credential: dict[str, Any]) -> bool:
    types = {t for t in as_list(credential.get("type")) if isinstance(t, str)}
    if "VerifiableCredential" in types and not types & CREDENTIAL_TYPES and _is_generic(report):
        report.add("type", "warning", f"{', '.join(sorted(types))}: a Verifiable Credential, not an Open Badge")
        return True
    if "VerifiableCredential" not in types or not types & CREDENTIAL_TYPES:
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


async def check_json_ld(run: Run, credential: dict[str, Any]) -> list[dict[str, Any]] | None:
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


def issuer_id_of(credential: dict[str, Any]) -> str | None:
    return node_id(credential.get("issuer"))


def dates_of(credential: dict[str, Any], version: str | None) -> tuple[Any, Any]:
    if version == "1.1" or ("validFrom" not in credential and "issuanceDate" in credential):
        return credential.get("issuanceDate"), credential.get("expirationDate")
    return credential.get("validFrom"), credential.get("validUntil")


def check_properties(report: Report, credential: dict[str, Any], version: str | None) -> None:
    types = {t for t in as_list(credential.get("type")) if isinstance(t, str)}
    # An id is optional in VC 1.1 and 2.0; Open Badges 3.0 requires one.
    required = ("id", "issuer", "credentialSubject") if types & CREDENTIAL_TYPES else ("issuer", "credentialSubject")
    missing = [name for name in required if not credential.get(name)]
    valid_from, _ = dates_of(credential, version)
    if valid_from is None and (version == "1.1" or types & CREDENTIAL_TYPES):  # VC 2.0 itself makes it optional
        missing.append("issuanceDate" if version == "1.1" else "validFrom")
    if issuer_id_of(credential) is None and "issuer" not in missing:
        missing.append("issuer.id")
    if missing:
        report.add("properties", "failed", f"the credential lacks {', '.join(missing)}")
        return
    subjects = as_list(credential.get("credentialSubject"))
    identified = any(isinstance(s, dict) and (s.get("id") or s.get("identifier")) for s in subjects)
    if types & CREDENTIAL_TYPES and not identified:
        # Required by OB 3.0, yet missing from many credentials other verifiers accept: a warning, not a failure.
        report.add("properties", "warning", "the credential subject has neither id nor identifier")
        return
    report.add("properties", "passed", "the credential has the required properties")


def check_validity(report: Report, credential: dict[str, Any], version: str | None, run: Run) -> None:
    now, skew = run.policy.current_time(), run.policy.clock_skew
    start_raw, end_raw = dates_of(credential, version)
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


def check_recipient(report: Report, credential: dict[str, Any], identities: tuple[str, ...]) -> None:
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


def display_of(credential: dict[str, Any]) -> BadgeDisplay:
    subject = next((s for s in as_list(credential.get("credentialSubject")) if isinstance(s, dict)), {})
    achievement = as_object(subject.get("achievement"))
    issuer = as_object(credential.get("issuer"))
    criteria = as_object(achievement.get("criteria"))
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
        issuer_id=issuer_id_of(credential),
        recipient=recipient,
        issued_on=text_of(credential.get("awardedDate"))
        or text_of(credential.get("validFrom"))
        or text_of(credential.get("issuanceDate")),
        expires=text_of(credential.get("validUntil")) or text_of(credential.get("expirationDate")),
        alignments=alignments,
        evidence=evidence,
    )
