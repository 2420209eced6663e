"""``verify`` and ``verify_many``: from any badge source to a report with one result per check."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import aclosing
from typing import TYPE_CHECKING, Any

from ._errors import ExtractionError, InputTooLarge, JSONTooDeep
from ._extract import extract
from ._fetch import Fetcher, ResponseCache, run_sync
from ._foreign import Foreign, recognise, recognise_text
from ._json import MAX_JSON_DEPTH, nested_deeper_than, utc_iso
from ._ob2.verify import verify_assertion_json, verify_hosted, verify_signed
from ._payload import Payload, classify_payload
from ._policy import VerifierPolicy
from ._portfolio import EnvelopeProblem, envelope_kind, envelope_token, is_presentation
from ._registry import check_issuer_known
from ._report import Report
from ._run import Run

if TYPE_CHECKING:
    import httpx

__all__ = ["Source", "verify", "verify_async", "verify_many", "verify_many_async"]

Source = str | bytes | Payload
"""A URL, JSON or JWS text; the bytes of a file (baked image, QR photo, JSON); or an already extracted payload."""

_MAX_CONCURRENT_BADGES = 64


def _now_iso() -> str:
    return utc_iso(time.time())


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
            if nested_deeper_than(payload.claims) or nested_deeper_than(payload.jws_header):
                # Built by a caller rather than parsed here: the limit every parsed document meets, checked now.
                raise JSONTooDeep(MAX_JSON_DEPTH, "the badge JSON")
        elif isinstance(source, bytes):
            extraction = extract(source)
            payload, where = extraction.payload, extraction.location
        else:
            payload, where = classify_payload(source), "text"
    except InputTooLarge as exc:
        # A size limit protects the backpack; it says nothing against the badge.
        report.add("extracted", "error", str(exc))
        return None
    except ExtractionError as exc:
        foreign = _foreign_text(source)
        if foreign is not None:
            report.format = foreign.format
            report.add("extracted", "passed", "a document that is no Open Badge")
            report.add("format", "error", foreign.message)
            return None
        report.add("extracted", "failed", str(exc))
        return None
    if payload.problem:
        report.add("extracted", "failed", payload.problem)
        return None
    report.add("extracted", "passed", f"{payload.kind} payload from {where}")
    return payload


def _foreign_text(source: Source) -> Foreign | None:
    if isinstance(source, Payload):
        return None
    text = source.decode("utf-8", "replace") if isinstance(source, bytes) else source
    return recognise_text(text)


def _hosted_ob2(payload: Payload) -> bool:
    badge_id = (payload.claims or {}).get("id")
    return payload.kind == "json" and payload.version == "ob2" and str(badge_id).startswith(("http://", "https://"))


def _is_presentation_jwt(payload: Payload) -> bool:
    claims = payload.claims or {}
    typ = str((payload.jws_header or {}).get("typ") or "").lower().removeprefix("application/")
    if typ.startswith("vc+"):  # the media type says what it is, whatever claims it carries
        return False
    return isinstance(claims.get("vp"), dict) or typ.startswith("vp+") or is_presentation(claims)


async def _open_envelope(run: Run, envelope: dict[str, Any]) -> Payload | None:
    """The JWT inside an ``EnvelopedVerifiableCredential`` / ``EnvelopedVerifiablePresentation`` given on its own
    (a VC-API client sends VC-JOSE-COSE credentials that way). The envelope has no proof of its own: it is opened and
    what it holds is verified, in this same report."""
    report = run.report
    report.format = "envelope"
    kind = envelope_kind(envelope) or "credential"
    try:
        media, token = envelope_token(envelope, kind)
        inner = classify_payload(token, hint="ob3")
    except EnvelopeProblem as exc:
        report.add("envelope", "error" if exc.unsupported else "failed", str(exc))
        return None
    except ExtractionError as exc:
        report.add("envelope", "failed", f"the JWT in the enveloped {kind} is unreadable: {exc}")
        return None
    if inner.kind != "jws" or inner.claims is None:
        report.add("envelope", "failed", f"the data: URL of an enveloped {kind} must hold a compact JWT")
        return None
    holds = "presentation" if _is_presentation_jwt(inner) else "credential"
    if holds != kind:
        report.add("envelope", "failed", f"an enveloped {kind} holds a {holds}")
        return None
    report.add(
        "envelope", "passed", f"an enveloped {kind} ({media}): the JWT inside is verified, the envelope has no proof"
    )
    return inner


_PRESENTATION_FORMATS = ("bundle", "presentation", "presentation-jwt")


async def dispatch(run: Run, payload: Payload) -> None:
    """The one dispatcher: envelopes, presentations (the backpack's portfolios among them), OB 3.0, OB 0.5 to 2.0,
    documents that are no Open Badge (named and unverifiable); then, for a badge (not a presentation: its credentials
    get their own), whether its issuer is in the user's registries."""
    await _dispatch_format(run, payload)
    if run.policy.registries and run.report.format not in _PRESENTATION_FORMATS:
        run.stage = "issuer_known"
        await check_issuer_known(run.report, run.fetcher, run.policy.registries)


async def _dispatch_format(run: Run, payload: Payload) -> None:
    if payload.kind == "json" and payload.claims is not None and envelope_kind(payload.claims) is not None:
        inner = await _open_envelope(run, payload.claims)
        if inner is not None:
            await _dispatch_format(run, inner)
        return
    foreign = recognise(payload)
    if foreign is not None and foreign.format == "blockcerts" and _hosted_ob2(payload):
        foreign = None  # an OB 2.0 assertion its issuer hosts: that part is checked, the anchoring named (a warning)
    if foreign is not None:
        run.report.format = foreign.format
        run.report.badge = foreign.display
        run.report.add("format", "error", foreign.message)
        return
    # OB 3.0 and presentations load their machinery (PyLD, the cryptosuites, JOSE) when a badge needs it: a run of
    # hosted OB 2.0 badges never does.
    if payload.kind == "json" and payload.claims is not None and is_presentation(payload.claims):
        from ._presentation import verify_presentation

        await verify_presentation(run, payload.claims)
        return
    if payload.kind == "jws" and payload.claims is not None and _is_presentation_jwt(payload):
        from ._presentation import verify_presentation_jwt

        await verify_presentation_jwt(run, payload)
        return
    if payload.version == "ob3":
        from ._ob3.verify import verify_credential

        await verify_credential(run, payload)
        return
    if payload.kind == "jws":
        await verify_signed(run, payload)
    elif payload.kind == "url":
        await verify_hosted(run, payload.text, None)
    else:
        await verify_assertion_json(run, payload.claims or {})


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
    except InputTooLarge as exc:
        # A limit reached inside the verification (a document the verifier composed nesting too deeply for JSON-LD):
        # the backpack cannot check this badge, which says nothing against it.
        report.add(run.stage, "error", str(exc))
    return report


def _origin_of(source: Source) -> str:
    if isinstance(source, Payload):
        text = source.text if source.kind == "url" else (source.badge_id or "")
    elif isinstance(source, str):
        text = source.strip()
    else:
        return ""
    scheme, _, rest = text.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0].lower()}" if rest else ""


def _schedule(sources: Sequence[Source]) -> list[int]:
    """The order to start the badges in: grouped by the origin of their URL (input order within a group). A badge's
    documents mostly live at its own origin, so a group reuses one pool's warm connections and its issuer's documents
    while they are in memory; interleaved issuers (as a backpack lists them) would each find their pool evicted and
    reconnect for nearly every badge once there are more origins than open pools."""
    return sorted(range(len(sources)), key=lambda index: _origin_of(sources[index]))


async def _verify_each(
    sources: Sequence[Source],
    labels: Sequence[str | None],
    fetcher: Fetcher,
    policy: VerifierPolicy,
) -> AsyncGenerator[tuple[int, Report], None]:
    """``(index, report)`` for every source, as each finishes. At most ``_MAX_CONCURRENT_BADGES`` badges are under way:
    a task is created when a slot frees, so 10,000 sources never mean 10,000 coroutines alive at once. Each badge has
    a task of its own: its own deadline, and its own copy of the context variables (a JSON-LD context it fetched)."""
    upcoming = iter(_schedule(sources))
    running: set[asyncio.Task[tuple[int, Report]]] = set()
    finished: deque[asyncio.Task[tuple[int, Report]]] = deque()
    arrived = asyncio.Event()

    async def one(index: int) -> tuple[int, Report]:
        return index, await _verify_one(sources[index], fetcher, policy, labels[index])

    def done(task: asyncio.Task[tuple[int, Report]]) -> None:
        # A callback per task rather than asyncio.wait, which adds and removes one on every running task each time.
        running.discard(task)
        finished.append(task)
        arrived.set()

    def start() -> None:
        for index in upcoming:
            task = asyncio.ensure_future(one(index))
            task.add_done_callback(done)
            running.add(task)
            if len(running) >= _MAX_CONCURRENT_BADGES:
                return

    start()
    try:
        while running or finished:
            if not finished:
                arrived.clear()
                await arrived.wait()
            task = finished.popleft()
            start()
            yield task.result()
    finally:
        for task in running:
            task.cancel()


async def verify_many_async(
    sources: Sequence[Source],
    *,
    policy: VerifierPolicy | None = None,
    labels: Sequence[str | None] | None = None,
    cache: ResponseCache | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    on_report: Callable[[int, Report], None] | None = None,
    keep_reports: bool = True,
) -> list[Report]:
    """Verify many badges concurrently, sharing one fetcher: each document is fetched at most once.

    ``on_report(index, report)`` is called as each badge's report is ready, in the order they finish (a caller can
    stream them out); the list returned is in the order of ``sources``. ``keep_reports=False``: for a caller that
    streams them out, no report is kept once handed over (10,000 reports held are ~30 MB), and the list is empty."""
    policy = policy or VerifierPolicy()
    labels = labels or [None] * len(sources)
    if len(labels) != len(sources):
        raise ValueError("labels and sources differ in length")
    reports: list[Report | None] = [None] * len(sources)
    async with Fetcher(policy.fetch, cache=cache, transport=transport) as fetcher:
        async with aclosing(_verify_each(sources, labels, fetcher, policy)) as each:  # cancelled: no badge left running
            async for index, report in each:
                if keep_reports:
                    reports[index] = report
                if on_report is not None:
                    on_report(index, report)
    return [report for report in reports if report is not None]


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
    on_report: Callable[[int, Report], None] | None = None,
    keep_reports: bool = True,
) -> list[Report]:
    """Synchronous ``verify_many_async`` (runs its own event loop); ``on_report`` runs in that loop's thread."""
    return run_sync(
        verify_many_async(
            sources,
            policy=policy,
            labels=labels,
            cache=cache,
            transport=transport,
            on_report=on_report,
            keep_reports=keep_reports,
        )
    )


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
