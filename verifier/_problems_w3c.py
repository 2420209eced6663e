"""Standard problem types (RFC 9457 ProblemDetails) for every check that did not pass, so that a VC-API client or an
applicant-tracking system can branch on a failure without reading sentences.

The types are those of the W3C specifications: VC Data Model 2.0 §7.1 (``PARSING_ERROR``,
``CRYPTOGRAPHIC_SECURITY_ERROR``, ``MALFORMED_VALUE_ERROR``, ``RANGE_ERROR``), Data Integrity 1.0
(``PROOF_VERIFICATION_ERROR``, ``INVALID_DOMAIN_ERROR``, ``INVALID_CHALLENGE_ERROR``…) and Bitstring Status List 1.0
(``STATUS_RETRIEVAL_ERROR``, ``STATUS_VERIFICATION_ERROR``, ``STATUS_LIST_LENGTH_ERROR``). Each check id maps to the
type that names its failure; a check may name another one explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PROBLEM_TYPES", "ProblemType", "problem_for"]

_VC = "https://www.w3.org/TR/vc-data-model#"
_DI = "https://w3id.org/security#"
_STATUS = "https://www.w3.org/ns/credentials/status-list#"


@dataclass(frozen=True)
class ProblemType:
    title: str
    """The error name, e.g. ``CRYPTOGRAPHIC_SECURITY_ERROR``."""
    type: str
    """Its URL, as the specification defines it."""
    code: int


PROBLEM_TYPES: dict[str, ProblemType] = {
    name: ProblemType(name, base + name, code)
    for name, base, code in (
        ("PARSING_ERROR", _VC, -64),
        ("CRYPTOGRAPHIC_SECURITY_ERROR", _VC, -65),
        ("MALFORMED_VALUE_ERROR", _VC, -66),
        ("RANGE_ERROR", _VC, -67),
        ("PROOF_GENERATION_ERROR", _DI, -16),
        ("PROOF_VERIFICATION_ERROR", _DI, -17),
        ("PROOF_TRANSFORMATION_ERROR", _DI, -18),
        ("INVALID_DOMAIN_ERROR", _DI, -19),
        ("INVALID_CHALLENGE_ERROR", _DI, -20),
        ("STATUS_RETRIEVAL_ERROR", _STATUS, -128),
        ("STATUS_VERIFICATION_ERROR", _STATUS, -129),
        ("STATUS_LIST_LENGTH_ERROR", _STATUS, -130),
    )
}

# check id -> (problem when it failed or warned, problem when it could not run)
_BY_CHECK: dict[str, tuple[str, str]] = {
    "extracted": ("PARSING_ERROR", "PARSING_ERROR"),
    "format": ("MALFORMED_VALUE_ERROR", "MALFORMED_VALUE_ERROR"),
    "fetched": ("MALFORMED_VALUE_ERROR", "PARSING_ERROR"),
    "hosted_copy": ("MALFORMED_VALUE_ERROR", "MALFORMED_VALUE_ERROR"),
    "json_ld": ("PARSING_ERROR", "PARSING_ERROR"),
    "context": ("MALFORMED_VALUE_ERROR", "MALFORMED_VALUE_ERROR"),
    "type": ("MALFORMED_VALUE_ERROR", "MALFORMED_VALUE_ERROR"),
    "properties": ("MALFORMED_VALUE_ERROR", "MALFORMED_VALUE_ERROR"),
    "data_model": ("MALFORMED_VALUE_ERROR", "MALFORMED_VALUE_ERROR"),
    "badge_class": ("MALFORMED_VALUE_ERROR", "PARSING_ERROR"),
    "issuer": ("MALFORMED_VALUE_ERROR", "PARSING_ERROR"),
    "origin": ("CRYPTOGRAPHIC_SECURITY_ERROR", "CRYPTOGRAPHIC_SECURITY_ERROR"),
    "signature": ("PROOF_VERIFICATION_ERROR", "PROOF_VERIFICATION_ERROR"),
    "key_owner": ("CRYPTOGRAPHIC_SECURITY_ERROR", "PROOF_VERIFICATION_ERROR"),
    "related_resource": ("CRYPTOGRAPHIC_SECURITY_ERROR", "PARSING_ERROR"),
    "jwt_claims": ("MALFORMED_VALUE_ERROR", "MALFORMED_VALUE_ERROR"),
    "recipient": ("MALFORMED_VALUE_ERROR", "MALFORMED_VALUE_ERROR"),
    "issued_on": ("RANGE_ERROR", "RANGE_ERROR"),
    "valid_from": ("RANGE_ERROR", "RANGE_ERROR"),
    "expiry": ("RANGE_ERROR", "RANGE_ERROR"),
    "revocation": ("STATUS_VERIFICATION_ERROR", "STATUS_RETRIEVAL_ERROR"),
    "endorsements": ("PROOF_VERIFICATION_ERROR", "PROOF_VERIFICATION_ERROR"),
    "holder": ("PROOF_VERIFICATION_ERROR", "PROOF_VERIFICATION_ERROR"),
    "challenge": ("INVALID_CHALLENGE_ERROR", "INVALID_CHALLENGE_ERROR"),
}

# No W3C specification types these: an issuer missing from the user's registries is a remark about trust, not a
# defect of the credential.
_NO_STANDARD_TYPE = frozenset({"issuer_known"})


def problem_for(check_id: str, outcome: str, message: str = "", explicit: str | None = None) -> ProblemType | None:
    """The problem type of a check's outcome; None for a check that passed or was skipped."""
    if outcome in ("passed", "skipped") or check_id in _NO_STANDARD_TYPE:
        return None
    if explicit is not None and explicit in PROBLEM_TYPES:
        return PROBLEM_TYPES[explicit]
    if check_id == "challenge" and "domain" in message and "challenge" not in message:
        return PROBLEM_TYPES["INVALID_DOMAIN_ERROR"]
    if check_id == "revocation" and "STATUS_LIST_LENGTH_ERROR" in message:
        return PROBLEM_TYPES["STATUS_LIST_LENGTH_ERROR"]
    failed, unrun = _BY_CHECK.get(check_id, ("MALFORMED_VALUE_ERROR", "PARSING_ERROR"))
    return PROBLEM_TYPES[unrun if outcome == "error" else failed]
