"""Problem documents (RFC 9457) by which a share page or a share host says why a link is gone.

A hosted assertion that answers ``410 Gone`` was revoked by its issuer. A shared portfolio link that answers 410 was
withdrawn by its holder, or ran out: that is not the issuer's act, and a verifier must not say it is. The page tells
which by answering a machine (``Accept: application/ld+json`` or ``application/problem+json``) with one of these.
"""

from __future__ import annotations

from typing import Literal

from ._json import parse_json

__all__ = ["LINK_EXPIRED", "LINK_WITHDRAWN", "GoneReason", "gone_problem", "gone_reason"]

LINK_WITHDRAWN = "urn:openbadges-backpack:problem:link-withdrawn"
LINK_EXPIRED = "urn:openbadges-backpack:problem:link-expired"
_MAX_PROBLEM_BYTES = 16 * 1024

GoneReason = Literal["withdrawn", "expired"]


def gone_problem(reason: GoneReason, detail: str) -> dict[str, object]:
    """The problem document a share page answers with its 410 for a link its holder withdrew, or that expired."""
    return {
        "type": LINK_WITHDRAWN if reason == "withdrawn" else LINK_EXPIRED,
        "title": "withdrawn by its holder" if reason == "withdrawn" else "the link has expired",
        "status": 410,
        "detail": detail,
    }


def gone_reason(body: bytes) -> GoneReason | None:
    """Why a 410 page says it is gone, when it is one of these problem documents; None for anything else."""
    if not body or len(body) > _MAX_PROBLEM_BYTES or body.lstrip()[:1] != b"{":
        return None
    try:
        document = parse_json(body)
    except ValueError:
        return None
    kind = document.get("type") if isinstance(document, dict) else None
    if kind == LINK_WITHDRAWN:
        return "withdrawn"
    if kind == LINK_EXPIRED:
        return "expired"
    return None
