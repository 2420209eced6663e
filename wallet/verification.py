"""Verification from the wallet's side: the earner's identities, the persistent HTTP cache, stored reports."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from verifier import FetchPolicy, Payload, Report, Source, VerifierError, VerifierPolicy, classify_payload, verify_many
from verifier.extraction import DEFAULT_LIMITS, BadgeVersion

from .cache import StoreResponseCache
from .errors import SourceError
from .files import read_file_limited
from .settings import issuer_registries, load_settings
from .store import BadgeRecord, Store

__all__ = ["earner_identities", "is_stale", "refresh_stale", "stored_payload", "verify_records", "verify_sources"]


def earner_identities(store: Store, extra: Iterable[str] = ()) -> tuple[str, ...]:
    values = [*extra, *(row["value"] for row in store.list_identities())]
    return tuple(dict.fromkeys(v for v in values if v))


def stored_payload(store: Store, record: BadgeRecord) -> Payload:
    text = store.read_blob(record.payload_blob).decode("utf-8")
    hint: BadgeVersion = record.version if record.version in ("ob0", "ob1", "ob2", "ob3") else "unknown"  # type: ignore[assignment]
    return classify_payload(text, hint=hint)


def _policy(
    store: Store,
    fetch_policy: FetchPolicy,
    recipients: Iterable[str],
    fetch_contexts: bool = False,
    challenge: str | None = None,
    domain: str | None = None,
) -> VerifierPolicy:
    return VerifierPolicy(
        fetch=fetch_policy,
        recipients=earner_identities(store, recipients),
        fetch_unknown_contexts=fetch_contexts,
        expected_challenge=challenge,
        expected_domain=domain,
        registries=issuer_registries(load_settings(store)),
    )


def verify_records(
    store: Store,
    records: Sequence[BadgeRecord],
    *,
    fetch_policy: FetchPolicy,
    recipients: Iterable[str] = (),
    fetch_contexts: bool = False,
) -> list[tuple[BadgeRecord, Report]]:
    """Verify stored badges concurrently, keep each report with its badge, and return both."""
    if not records:
        return []
    cache = StoreResponseCache(store)
    reports = verify_many(
        [stored_payload(store, record) for record in records],
        policy=_policy(store, fetch_policy, recipients, fetch_contexts),
        labels=[record.source.ref for record in records],
        cache=cache,
    )
    cache.flush()
    saved = {
        r.id: r for r in store.save_reports({rec.id: rep.to_dict() for rec, rep in zip(records, reports, strict=True)})
    }
    return [(saved.get(record.id, record), report) for record, report in zip(records, reports, strict=True)]


def is_stale(record: BadgeRecord, max_age: timedelta, *, now: datetime | None = None) -> bool:
    """Whether the badge's last result is older than ``max_age``, or missing, or of an unknown time."""
    if record.checked_at is None:
        return True
    try:
        checked = datetime.fromisoformat(record.checked_at.replace("Z", "+00:00"))
    except ValueError:
        return True
    if checked.tzinfo is None:
        checked = checked.replace(tzinfo=UTC)
    return (now or datetime.now(UTC)) - checked > max_age


def refresh_stale(
    store: Store,
    ids: Iterable[str],
    *,
    fetch_policy: FetchPolicy,
    max_age: timedelta,
    now: datetime | None = None,
) -> list[BadgeRecord]:
    """Verify again those of the badges ``ids`` whose result is stale (``is_stale``); return them, updated.

    Staleness is judged on the stored records when this runs, so a refresh that was scheduled twice verifies once.
    """
    wanted = set(ids)
    due = [record for record in store.list_badges() if record.id in wanted and is_stale(record, max_age, now=now)]
    return [record for record, _report in verify_records(store, due, fetch_policy=fetch_policy)]


def _read(source: str, stdin: bytes | None) -> Source:
    if source == "-":
        return stdin or b""  # bytes: standard input may hold a baked image as well as text
    if source.startswith(("http://", "https://")):
        return source
    return read_file_limited(Path(source), DEFAULT_LIMITS)


def verify_sources(
    store: Store,
    sources: Sequence[str],
    *,
    fetch_policy: FetchPolicy,
    recipients: Iterable[str] = (),
    stdin: bytes | None = None,
    fetch_contexts: bool = False,
    challenge: str | None = None,
    domain: str | None = None,
    on_report: Callable[[int, Report], None] | None = None,
    keep_reports: bool = True,
) -> list[Report]:
    """Verify files, URLs or text without storing the badges (the HTTP cache is still used and refreshed).

    ``challenge`` and ``domain``: what a presentation's holder proof must answer (a verifier's own request).
    ``on_report(index, report)``: called as each report is ready, in the order they finish (to stream them out);
    with ``keep_reports=False`` none is kept after that and the list returned is empty."""
    inputs: list[Source] = []
    unreadable: dict[int, Report] = {}
    for index, source in enumerate(sources):
        try:
            inputs.append(_read(source, stdin))
        except (SourceError, VerifierError) as exc:
            report = Report(source=source, checked_at="")
            report.add("extracted", "failed", str(exc))
            unreadable[index] = report
            inputs.append(b"")
    cache = StoreResponseCache(store) if store.exists() else None

    def finished(index: int, report: Report) -> Report:
        # An input that could not be read at all reports that, not the verifier's view of zero bytes.
        if index not in unreadable:
            return report
        unreadable[index].checked_at = report.checked_at
        return unreadable[index]

    reports = verify_many(
        inputs,
        policy=_policy(store, fetch_policy, recipients, fetch_contexts, challenge, domain),
        labels=list(sources),
        cache=cache,
        on_report=None if on_report is None else lambda index, report: on_report(index, finished(index, report)),
        keep_reports=keep_reports,
    )
    if cache is not None:
        cache.flush()
    return [finished(index, report) for index, report in enumerate(reports)]
