"""The verifier's policy: what it trusts, whom the badge must be issued to, what time it is, how it fetches."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ._fetch_policy import FetchPolicy
from ._registry import RegistrySource

__all__ = ["VerifierPolicy"]


@dataclass(frozen=True)
class VerifierPolicy:
    fetch: FetchPolicy = field(default_factory=FetchPolicy)
    recipients: tuple[str, ...] = ()
    """The earner's identities (emails, URLs, telephone numbers, DIDs); empty means the recipient is not checked."""
    clock_skew: timedelta = timedelta(minutes=5)
    now: datetime | None = None
    """A pinned clock (tests, "as of" checks); None means the current time."""
    trust_fragment_keys: bool = True
    """OB 3.0: take a key from an http(s) verification method's fragment (``…/issuer#z6Mk…``) without fetching."""
    status_list_issuer_must_match: bool = True
    """OB 3.0: a status list signed by anyone but the credential's issuer says nothing (DCC's fixtures differ)."""
    status_list_minimum_entries: int = 131_072
    """Bitstring Status List minimum length; DCC publishes 100,000-entry lists."""
    expected_challenge: str | None = None
    """Presentations: the challenge (nonce) this verifier handed out, which the holder's proof must answer; None
    when no challenge was asked for (a presentation read from a file or a link)."""
    expected_domain: str | None = None
    """Presentations: the domain the holder's proof must name (the verifier's own), or None."""
    fetch_unknown_contexts: bool = False
    """OB 3.0: fetch a JSON-LD context that is not bundled (through the guarded fetcher) instead of reporting the
    credential unverifiable. Off by default: a context decides what a signature covers."""
    registries: tuple[RegistrySource, ...] = ()
    """Issuer registries to look an authentic badge's issuer up in (the ``issuer_known`` check), most authoritative
    first: http(s) URLs, fetched through the run's fetcher (cached, usable offline), or registries already read
    (``parse_registry``, e.g. a local trust list). Empty: the check is absent."""

    def current_time(self) -> datetime:
        return self.now or datetime.now(UTC)
