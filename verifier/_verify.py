"""``verify`` and ``verify_many``: from any badge source to a report with one result per check."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import httpx

from ._errors import ExtractionError
from ._extract import extract
from ._fetch import Fetcher, ResponseCache, run_sync
from ._ob2.verify import verify_hosted, verify_signed
from ._ob3.verify import verify_credential
from ._payload import Payload, classify_payload
from ._policy import VerifierPolicy
from ._portfolio import is_presentation
from ._presentation import verify_presentation, verify_presentation_jwt
from ._registry import check_issuer_known
from ._report import Report
from ._run import Run

__all__ = ["Source", "verify", "verify_async", "verify_many", "verify_many_async"]

Source = str | bytes | Payload
"""A URL, JSON or JWS text; the bytes of a file (baked image, QR photo, JSON); or an already extracted payload."""

_MAX_CONCURRENT_BADGES = 64


def _now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _label(source: Source) -> str:
    if isinstance(source, Payload):
        return source.badge_id or f"{source.kind} payload"
    if isinstance(source, bytes):
        return f"{len(source)} bytes"
    text = source.strip()
    return text if len(text) <= 200 else text[:197] + "…"


def _payload_of(source: Source, report: Report) -> Payload | None:
    try:
        if isinstance(source, Payload):
            payload = source
            where = "the stored badge"
        elif isinstance(source, bytes):
            extraction = extract(source)
            payload, where = extraction.payload, extraction.location
        else:
            payload, where = classify_payload(source), "text"
    except ExtractionError as exc:
        report.add("extracted", "failed", str(exc))
        return None
    if payload.problem:
        report.add("extracted", "failed", payload.problem)
        return None
    report.add("extracted", "passed", f"{payload.kind} payload from {where}")
    return payload


def _is_presentation_jwt(payload: Payload) -> bool:
    claims = payload.claims or {}
    typ = str((payload.jws_header or {}).get("typ") or "").lower()
    return isinstance(claims.get("vp"), dict) or typ.startswith(("vp+", "application/vp+")) or is_presentation(claims)


_PRESENTATION_FORMATS = ("bundle", "presentation", "presentation-jwt")


async def dispatch(run: Run, payload: Payload) -> None:
    """The one dispatcher: presentations (the backpack's portfolios among them), OB 3.0, OB 1.x, OB 2.0; then, for a
    badge (not a presentation: its credentials get their own), whether its issuer is in the user's registries."""
    await _dispatch_format(run, payload)
    if run.policy.registries and run.report.format not in _PRESENTATION_FORMATS:
        run.stage = "issuer_known"
        await check_issuer_known(run.report, run.fetcher, run.policy.registries)


async def _dispatch_format(run: Run, payload: Payload) -> None:
    report = run.report
    if payload.kind == "json" and payload.claims is not None and is_presentation(payload.claims):
        await verify_presentation(run, payload.claims)
        return
    if payload.kind == "jws" and payload.claims is not None and _is_presentation_jwt(payload):
        await verify_presentation_jwt(run, payload)
        return
    if payload.version == "ob3":
        await verify_credential(run, payload)
        return
    if payload.version == "ob1":
        report.format = "ob1"
        report.add("format", "error", "Open Badges 1.x badges are not supported: ask the issuer for an OB 2.0 badge")
        return
    if payload.kind == "jws":
        await verify_signed(run, payload)
    elif payload.kind == "url":
        await verify_hosted(run, payload.text, None)
    else:
        assertion = payload.claims or {}
        verification = assertion.get("verification") or assertion.get("verify") or {}
        kind = verification.get("type") if isinstance(verification, dict) else None
        if isinstance(kind, str) and kind.lower() in ("signedbadge", "signed"):
            report.format = "ob2-signed"
            report.add("signature", "error", "this is the JSON of a signed badge without its JWS: verify the JWS")
            return
        badge_id = assertion.get("id")
        if not isinstance(badge_id, str) or not badge_id.startswith(("http://", "https://")):
            report.format = "ob2-hosted"
            report.add("fetched", "failed", "a hosted assertion needs an http(s) id to be fetched from")
            return
        await verify_hosted(run, badge_id, assertion)


async def _verify_one(source: Source, fetcher: Fetcher, policy: VerifierPolicy, label: str | None) -> Report:
    report = Report(source=label or _label(source), checked_at=_now_iso())
    payload = _payload_of(source, report)
    if payload is None:
        return report
    run = Run(report, fetcher, policy, dispatch)
    try:
        async with asyncio.timeout(policy.fetch.deadline):
            await dispatch(run, payload)
    except TimeoutError:
        report.add(run.stage, "error", f"gave up after {policy.fetch.deadline:g} s waiting for the issuer")
    return report


async def verify_many_async(
    sources: Sequence[Source],
    *,
    policy: VerifierPolicy | None = None,
    labels: Sequence[str | None] | None = None,
    cache: ResponseCache | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[Report]:
    """Verify many badges concurrently, sharing one fetcher: each document is fetched at most once."""
    policy = policy or VerifierPolicy()
    labels = labels or [None] * len(sources)
    gate = asyncio.Semaphore(_MAX_CONCURRENT_BADGES)
    async with Fetcher(policy.fetch, cache=cache, transport=transport) as fetcher:

        async def one(source: Source, label: str | None) -> Report:
            async with gate:
                return await _verify_one(source, fetcher, policy, label)

        return list(await asyncio.gather(*(one(src, lbl) for src, lbl in zip(sources, labels, strict=True))))


async def verify_async(
    source: Source,
    *,
    policy: VerifierPolicy | None = None,
    label: str | None = None,
    cache: ResponseCache | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Report:
    """``verify`` for a caller that already runs an event loop."""
    reports = await verify_many_async([source], policy=policy, labels=[label], cache=cache, transport=transport)
    return reports[0]


def verify_many(
    sources: Sequence[Source],
    *,
    policy: VerifierPolicy | None = None,
    labels: Sequence[str | None] | None = None,
    cache: ResponseCache | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[Report]:
    """Synchronous ``verify_many_async`` (runs its own event loop)."""
    return run_sync(verify_many_async(sources, policy=policy, labels=labels, cache=cache, transport=transport))


def verify(
    source: Source,
    *,
    policy: VerifierPolicy | None = None,
    label: str | None = None,
    cache: ResponseCache | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Report:
    """Verify one badge. Badge problems are in the report; nothing is raised for a bad badge."""
    return verify_many([source], policy=policy, labels=[label], cache=cache, transport=transport)[0]
