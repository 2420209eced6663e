"""The backpack's portfolio format, in one place: what a holder-signed portfolio looks like, how to read the badges
out of one, and how a share page says a link is gone.

A portfolio is a Verifiable Presentation (VC Data Model 2.0) signed by its holder; ``verifier.verify`` verifies one
like any other badge source. See ``verifier._bundle`` for the format's description.
"""

from __future__ import annotations

from ._portfolio import BUNDLE_CONTEXT, BUNDLE_TYPE, bundle_payloads, is_bundle, is_portfolio, is_presentation
from ._problems import LINK_EXPIRED, LINK_WITHDRAWN, GoneReason, gone_problem, gone_reason

__all__ = [
    "BUNDLE_CONTEXT",
    "BUNDLE_TYPE",
    "LINK_EXPIRED",
    "LINK_WITHDRAWN",
    "GoneReason",
    "bundle_payloads",
    "gone_problem",
    "gone_reason",
    "is_bundle",
    "is_portfolio",
    "is_presentation",
]
