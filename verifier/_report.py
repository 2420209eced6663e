"""Verification reports: one result per check, an overall status derived from them, and a stable JSON form.

The JSON form is documented in ``docs/report.md`` and pinned by ``docs/report.schema.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ._problems_w3c import ProblemType, problem_for

__all__ = [
    "CHECK_IDS",
    "BadgeDisplay",
    "CheckResult",
    "Outcome",
    "Report",
    "Status",
    "REPORT_SCHEMA_VERSION",
]

REPORT_SCHEMA_VERSION = 1

Outcome = Literal["passed", "failed", "warning", "skipped", "error"]
Status = Literal["valid", "expired", "revoked", "unverifiable", "invalid"]

# Every check id a report may contain, with what it checks. A failure of `revocation` makes a badge revoked, of
# `expiry` expired; a failure of any other check makes it invalid. An `error` (the check could not run) makes it
# unverifiable unless something worse is already known.
CHECK_IDS: dict[str, str] = {
    "extracted": "a badge payload was found in the input (baked image, QR code, JSON, JWS or URL)",
    "envelope": "VC-JOSE-COSE: an enveloped credential or presentation, and a vc+jwt or vp+jwt, is well formed",
    "format": "the badge is in a format this verifier supports (Open Badges 0.5 to 3.0); other documents are named",
    "fetched": "the hosted assertion was fetched from its id URL",
    "hosted_copy": "a baked or pasted copy of a hosted assertion matches the hosted original",
    "json_ld": "the document is valid JSON-LD with known contexts; OB 3.0: every term defined (JSON-LD safe mode)",
    "context": "OB 3.0: @context starts with the VC context and includes an Open Badges 3.0 context",
    "type": "OB 3.0: type includes VerifiableCredential and OpenBadgeCredential (or Achievement/Endorsement)",
    "properties": "the assertion, badge class and issuer have the properties the spec requires",
    "badge_class": "the badge class was obtained (embedded or fetched)",
    "issuer": "the issuer profile was obtained (embedded or fetched)",
    "origin": "the hosted assertion is within the issuer's verification scope (allowed origins, startsWith)",
    "signature": "the signature (OB 2.0 JWS, OB 3.0 Data Integrity proof or VC-JWT) is valid, with an allowed alg",
    "key_owner": "the signing key was resolved and belongs to the issuer (OB 2.0 key owner; OB 3.0 key controller)",
    "data_model": "VC Data Model rules: typed evidence/termsOfUse/… objects, subjects making claims, relatedResource",
    "related_resource": "each relatedResource the credential pins was fetched and matches its digest",
    "jwt_claims": "OB 3.0 VC-JWT: the iss, jti, nbf, sub claims agree with the credential",
    "recipient": "the badge was issued to one of the earner's identities",
    "issued_on": "the issue date is valid and not in the future",
    "valid_from": "OB 3.0: the credential is already valid (validFrom / issuanceDate not in the future)",
    "expiry": "the badge has not expired",
    "revocation": "the badge has not been revoked or suspended (revoked flag, 410 Gone, revocation or status list)",
    "endorsements": "OB 3.0: the embedded endorsements verify (shown; they do not change the badge's status)",
    "holder": "presentation or portfolio bundle: it is signed by its holder's key, over the whole presentation",
    "challenge": "presentation: the holder's proof answers the verifier's challenge and names its domain",
    "issuer_known": "the issuer is listed in a registry the verifier's user chose (a warning when it is not)",
}

_INTEGRITY_FAILURE_EXEMPT = {"revocation", "expiry"}
_STATUS_ORDER: list[Status] = ["invalid", "revoked", "expired", "unverifiable", "valid"]


@dataclass(frozen=True)
class CheckResult:
    id: str
    outcome: Outcome
    message: str

    def __post_init__(self) -> None:
        if self.id not in CHECK_IDS:
            raise ValueError(f"unknown check id {self.id!r}")

    @property
    def problem(self) -> ProblemType | None:
        """The standard (W3C) problem type of this outcome; None when the check passed or was skipped."""
        return problem_for(self.id, self.outcome, self.message)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "outcome": self.outcome, "message": self.message}
        problem = self.problem
        if problem is not None:
            data["problem"] = {"type": problem.type, "title": problem.title, "code": problem.code}
        return data


@dataclass
class BadgeDisplay:
    """What a person wants to see about a badge. Issuer-controlled text: escape it when rendering."""

    name: str | None = None
    description: str | None = None
    image: str | None = None
    criteria: str | None = None
    criteria_url: str | None = None
    issuer_name: str | None = None
    issuer_url: str | None = None
    issuer_id: str | None = None
    issuer_name_confirmed: bool | None = None
    """True: ``issuer_name`` is an issuer registry's; False: registries were consulted and none lists the issuer, so
    the name is the issuer's own claim (self-asserted); None: no registry was consulted."""
    recipient: str | None = None
    issued_on: str | None = None
    expires: str | None = None
    alignments: list[dict[str, str]] = field(default_factory=list)
    evidence: list[dict[str, str]] = field(default_factory=list)
    endorsements: list[str] = field(default_factory=list)
    revocation_reason: str | None = None


_BADGE_FIELDS = tuple(BadgeDisplay.__dataclass_fields__)


_SCALARS = frozenset((str, type(None), bool, int, float))
"""Exact types a report's value is nearly always: returned as they are, without a call to ``_plain`` each."""


def _plain(value: Any) -> Any:
    """A copy of JSON-shaped data, as ``dataclasses.asdict`` copies a field, at a fraction of its cost (a report of
    every badge is serialised: 10,000 in a recheck)."""
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    return value


@dataclass
class Report:
    source: str
    checked_at: str
    format: str | None = None
    badge_id: str | None = None
    badge: BadgeDisplay = field(default_factory=BadgeDisplay)
    checks: list[CheckResult] = field(default_factory=list)
    items: list[Report] = field(default_factory=list)
    """For a portfolio bundle: one report per badge inside it."""

    def add(self, check_id: str, outcome: Outcome, message: str) -> CheckResult:
        result = CheckResult(check_id, outcome, message)
        for check in self.checks:
            if check.id == check_id:
                # A check decided again: its new result replaces the old one, last in the list.
                self.checks = [c for c in self.checks if c.id != check_id] + [result]
                return result
        self.checks.append(result)
        return result

    def check(self, check_id: str) -> CheckResult | None:
        return next((c for c in self.checks if c.id == check_id), None)

    @property
    def status(self) -> Status:
        own = self._own_status()
        if own != "valid" or not self.items:
            return own
        # A bundle whose own proof holds is as good as its worst badge.
        return min((item.status for item in self.items), key=_STATUS_ORDER.index, default="valid")

    def _own_status(self) -> Status:
        failed = {c.id for c in self.checks if c.outcome == "failed"}
        if failed - _INTEGRITY_FAILURE_EXEMPT:
            return "invalid"
        if "revocation" in failed:
            return "revoked"
        if "expiry" in failed:
            return "expired"
        if any(c.outcome == "error" for c in self.checks) or not self.checks:
            return "unverifiable"
        return "valid"

    @property
    def decisive_check(self) -> CheckResult | None:
        """The check that explains the status: the first failure of the deciding kind, or the first error.
        For a bundle whose own checks hold, None: the explanation is in its items."""
        status = self._own_status()
        for check in self.checks:
            if status == "invalid" and check.outcome == "failed" and check.id not in _INTEGRITY_FAILURE_EXEMPT:
                return check
            if status == "revoked" and check.outcome == "failed" and check.id == "revocation":
                return check
            if status == "expired" and check.outcome == "failed" and check.id == "expiry":
                return check
            if status == "unverifiable" and check.outcome == "error":
                return check
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": REPORT_SCHEMA_VERSION,
            "source": self.source,
            "format": self.format,
            "badge_id": self.badge_id,
            "status": self.status,
            "checked_at": self.checked_at,
            "badge": self._badge_dict(),
            "checks": [c.to_dict() for c in self.checks],
            "items": [item.to_dict() for item in self.items],
        }

    def _badge_dict(self) -> dict[str, Any]:
        badge: dict[str, Any] = {}
        for name in _BADGE_FIELDS:
            value = getattr(self.badge, name)
            badge[name] = value if type(value) in _SCALARS else _plain(value)
        return badge

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        badge_fields = BadgeDisplay.__dataclass_fields__
        return cls(
            source=str(data.get("source") or ""),
            checked_at=str(data.get("checked_at") or ""),
            format=data.get("format"),
            badge_id=data.get("badge_id"),
            badge=BadgeDisplay(**{k: v for k, v in (data.get("badge") or {}).items() if k in badge_fields}),
            checks=[CheckResult(c["id"], c["outcome"], c["message"]) for c in data.get("checks", [])],
            items=[cls.from_dict(item) for item in data.get("items", [])],
        )
