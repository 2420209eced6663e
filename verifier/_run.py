"""One badge's verification in progress: its report, the shared fetcher, the policy, and the way back to dispatch.

Spec packages (``_ob2``, ``_ob3``, ``_presentation``) receive a ``Run`` and never import one another: when a document
turns out to be of another format (a hosted URL that serves an OB 3.0 credential or a portfolio, a presentation that
holds credentials), they hand it back through ``Run.dispatch``, which the one dispatcher (``_verify``) provides.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

from ._errors import FetchError, JSONTooDeep
from ._fetch import Fetcher, FetchResult
from ._json import parse_json
from ._payload import Payload
from ._policy import VerifierPolicy
from ._report import Report

__all__ = ["Dispatch", "Run", "same_location"]

Dispatch = Callable[["Run", Payload], Awaitable[None]]
"""Verify ``payload`` into ``run.report``, whatever its format."""


async def _no_dispatch(run: Run, payload: Payload) -> None:
    run.report.add("format", "error", "this kind of badge cannot be verified here")


class Run:
    """The state of one badge's verification: where it is, so a timeout can be reported on the right check."""

    def __init__(
        self, report: Report, fetcher: Fetcher, policy: VerifierPolicy, dispatch: Dispatch = _no_dispatch
    ) -> None:
        self.report = report
        self.fetcher = fetcher
        self.policy = policy
        self._dispatch = dispatch
        self.stage = "fetched"
        self.final_urls: dict[str, str] = {}
        """Where each fetched document really came from, after redirects."""

    async def dispatch(self, payload: Payload) -> None:
        """Verify ``payload`` into this run's report as the dispatcher would a badge given alone."""
        await self._dispatch(self, payload)

    def child(self, report: Report, *, policy: VerifierPolicy | None = None) -> Run:
        """A run for an item inside this one (a credential in a presentation): same fetcher, its own report."""
        return Run(report, self.fetcher, policy or self.policy, self._dispatch)

    def child_for_holder(self, report: Report) -> Run:
        """An item held by someone else: its recipient is the holder's, not the verifier's, so it is not compared."""
        return self.child(report, policy=dataclasses.replace(self.policy, recipients=()))

    def lives_at(self, declared: str | None, url: str) -> bool:
        """Whether a fetched document's own id names the place it was fetched from (or redirected to)."""
        return same_location(declared, url) or same_location(declared, self.final_urls.get(url, url))

    async def fetch_json(self, url: str, check_id: str, what: str, *, shared: bool = False) -> dict[str, Any] | None:
        """Fetch a JSON document; on failure record an ``error`` (could not check) and return None.

        ``shared``: the caller only reads the document, so every badge of the run may be given the one parsed copy
        (a badge class or issuer is then parsed once, not once per badge)."""
        self.stage = check_id
        try:
            result = await self.fetcher.fetch(url, kind="json")
        except FetchError as exc:
            self.report.add(check_id, "error", f"could not fetch the {what}: {exc}")
            return None
        if not result.ok:
            self.report.add(check_id, "error", f"could not fetch the {what}: {url} answered {result.status}")
            return None
        parsed = _parsed_shared(self.fetcher, result) if shared else _parsed(result.body)
        if isinstance(parsed, JSONTooDeep):
            # A limit of the backpack's: it cannot check, which says nothing against the badge.
            self.report.add(check_id, "error", f"the {what} at {url} is refused: {parsed}")
            return None
        if isinstance(parsed, ValueError):
            self.report.add(check_id, "failed", f"the {what} at {url} is not JSON")
            return None
        document = parsed
        if not isinstance(document, dict):
            self.report.add(check_id, "failed", f"the {what} at {url} is not a JSON object")
            return None
        self.final_urls[url] = result.final_url
        return document


def _parsed(body: bytes) -> Any:
    """The parsed document, or the ``ValueError`` (``JSONTooDeep`` is one) that says why there is none."""
    try:
        return parse_json(body)
    except ValueError as exc:
        return exc


def _parsed_shared(fetcher: Fetcher, result: FetchResult) -> Any:
    """``_parsed``, once per document of the run: every fetch of a URL in a run answers the same body."""
    key = ("json", result.url)
    entry = fetcher.memo.get(key)
    if entry is None or entry[0] is not result.body:
        entry = fetcher.memo[key] = (result.body, _parsed(result.body))
    return entry[1]


def same_location(declared: str | None, url: str) -> bool:
    """Same document location, ignoring the fragment, a trailing slash and http vs https (issuers upgrade)."""
    if not isinstance(declared, str):
        return False

    def key(value: str) -> str:
        host, _, path = (
            value.split("#", 1)[0].rstrip("/").removeprefix("https://").removeprefix("http://").partition("/")
        )
        return f"{host.lower()}/{path}"

    return key(declared) == key(url)
