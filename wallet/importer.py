"""Import: read a source (file, folder, URL, standard input), extract its badge(s), store them unverified."""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from verifier import (
    Extraction,
    FetchPolicy,
    Limits,
    MalformedInput,
    Payload,
    Report,
    VerifierError,
    VerifierPolicy,
    classify_payload,
    extract,
    summarize,
    verify_many,
)
from verifier.extraction import DEFAULT_LIMITS, FoundPayload, decode_raster, scan_qr_codes
from verifier.http import fetch_url
from verifier.portfolio import bundle_payloads, is_bundle

from .cache import StoreResponseCache
from .errors import SourceError, WalletError
from .files import read_file_limited
from .holder import holder
from .receiving import Received, ReceiveLink, ReceiveOptions, recognise, redeem
from .settings import fetch_policy, load_settings
from .store import BadgeRecord, SourceRef, Store, badge_id_for_key, compact_summary, now_iso
from .verification import earner_identities
from .verification import verify_records as verify_stored

__all__ = [
    "ImportOutcome",
    "ImportProgress",
    "ImportResult",
    "LoadedSource",
    "expand_sources",
    "import_and_verify",
    "import_bytes",
    "import_sources",
    "import_uploads",
    "link_in_bytes",
    "load_source",
    "receive_link",
]


@dataclass(frozen=True)
class LoadedSource:
    kind: str  # "file" | "url" | "text" | "offer" (received from an issuer: ``wallet.receiving``)
    ref: str
    data: bytes


@dataclass(frozen=True)
class ImportResult:
    source: str
    record: BadgeRecord | None = None
    created: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def load_source(
    source: str, *, policy: FetchPolicy | None = None, limits: Limits = DEFAULT_LIMITS, stdin: bytes | None = None
) -> LoadedSource:
    """Read one source: ``-`` (standard input, given as ``stdin``), an http(s) URL, or a file path."""
    if source == "-":
        return LoadedSource("text", "<stdin>", stdin or b"")
    if _is_url(source):
        result = fetch_url(source, policy=policy)
        return LoadedSource("url", source, result.body)
    return LoadedSource("file", source, read_file_limited(Path(source), limits))


def expand_sources(sources: list[str]) -> Iterator[str]:
    """Sources with folders replaced by the files inside them (recursively, sorted, hidden files skipped)."""
    for source in sources:
        path = Path(source)
        if source != "-" and not _is_url(source) and path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield str(Path(root) / name)
        else:
            yield source


def _payloads_to_import(extraction: Extraction) -> tuple[FoundPayload, ...]:
    # Several QR codes in one photo are several badges; several payloads in a baked image are alternative
    # encodings of one badge (an SVG's body and its verify attribute), of which the first is the badge.
    first = extraction.found[0]
    claims = first.payload.claims
    if first.payload.kind == "json" and claims is not None and is_bundle(claims):
        # A portfolio bundle (someone's, or one's own from another machine): the badges inside it, one by one.
        return tuple(FoundPayload(p, f"{first.location}, in a portfolio bundle") for p in bundle_payloads(claims))
    return extraction.found if extraction.container == "image" else extraction.found[:1]


def import_bytes(
    store: Store, loaded: LoadedSource, *, limits: Limits = DEFAULT_LIMITS, extraction: Extraction | None = None
) -> list[tuple[BadgeRecord, bool]]:
    """Store the badge(s) in ``loaded`` (``extraction``: already made of its bytes), unverified."""
    return store.upsert_badges(_records_of(store, loaded, extraction or extract(loaded.data, limits=limits)))


def _records_of(store: Store, loaded: LoadedSource, extraction: Extraction) -> list[BadgeRecord]:
    """The records of the badge(s) in ``loaded``, to store; their blobs are staged (``Store.upsert_badges`` makes
    them durable before the records refer to them)."""
    records: list[BadgeRecord] = []
    to_import = _payloads_to_import(extraction)
    for found in to_import:
        if found.payload.problem:
            raise MalformedInput(found.payload.problem)
    source_blob = store.stage_blob(loaded.data)
    for found in to_import:
        payload = found.payload
        badge_id = payload.badge_id
        key = f"id:{badge_id}" if badge_id else f"sha256:{payload.sha256}"
        timestamp = now_iso()
        record = BadgeRecord(
            id=badge_id_for_key(key),
            key=key,
            version=payload.version,
            payload_kind=payload.kind,
            payload_blob=store.stage_blob(payload.text.encode("utf-8")),
            summary=compact_summary(summarize(payload).to_dict()),
            source=SourceRef(
                kind=loaded.kind,
                ref=loaded.ref,
                blob=source_blob,
                media_type=extraction.media_type,
                container=extraction.container,
                location=found.location,
            ),
            imported_at=timestamp,
            updated_at=timestamp,
            warnings=list(extraction.warnings),
        )
        records.append(record)
    return records


# A batch of sources is stored in one write of the database (which rewrites the whole file): every so many sources
# or so many seconds, so that progress still reports stored badges soon, and never before the batch's work is
# several times the last write's cost, so that a large backpack's writes stay a bounded share of the time.
_BATCH_SOURCES = 100
_BATCH_SECONDS = 0.5
_WRITE_SHARE = 4.0


@dataclass
class _Staged:
    index: int
    source: str
    records: list[BadgeRecord] = field(default_factory=list)
    failure: ImportResult | None = None


class _Batch:
    """Sources read, their badges' records built and their blobs staged, not yet in the database. ``flush`` stores
    them in one write and hands each source's results to ``stored``, in order. A crash loses this batch at most."""

    def __init__(self, store: Store, stored: Callable[[int, str, list[ImportResult]], None]) -> None:
        self._store = store
        self._stored = stored
        self._staged: list[_Staged] = []
        self._started = 0.0
        self._last_write = 0.0

    def add(self, staged: _Staged) -> None:
        if not self._staged:
            self._started = time.monotonic()
        self._staged.append(staged)
        elapsed = time.monotonic() - self._started
        if (len(self._staged) >= _BATCH_SOURCES or elapsed >= _BATCH_SECONDS) and (
            elapsed >= _WRITE_SHARE * self._last_write
        ):
            self.flush()

    def flush(self) -> None:
        staged, self._staged = self._staged, []
        if not staged:
            return
        started = time.monotonic()
        stored = iter(self._store.upsert_badges([record for item in staged for record in item.records]))
        self._last_write = time.monotonic() - started
        for item in staged:
            results = [ImportResult(item.source, *next(stored)) for _record in item.records]
            self._stored(item.index, item.source, results if item.failure is None else [item.failure])

    @contextlib.contextmanager
    def flushed_on_failure(self) -> Iterator[None]:
        """What was read before a failure or an interrupt is stored all the same (unless storing is what failed)."""
        try:
            yield
        except BaseException:
            with contextlib.suppress(Exception):
                self.flush()
            raise
        self.flush()


def import_sources(
    store: Store,
    sources: list[str],
    *,
    policy: FetchPolicy | None = None,
    limits: Limits = DEFAULT_LIMITS,
    stdin: bytes | None = None,
) -> Iterator[ImportResult]:
    """Import every source, yielding one result per badge stored or per source that failed.

    Without ``policy``, URLs are fetched as the backpack's settings say (``wallet.settings``)."""
    if policy is None:
        policy = fetch_policy(load_settings(store))
    for source in expand_sources(sources):
        try:
            loaded = load_source(source, policy=policy, limits=limits, stdin=stdin)
            for record, created in import_bytes(store, loaded, limits=limits):
                yield ImportResult(source, record, created)
        except (VerifierError, SourceError) as exc:
            yield ImportResult(source, error=str(exc))
        except WalletError:
            raise  # a store problem is not about this source: stop rather than report every file as failed


# -- offers and requests: redeemed, verified, and only then stored ------------------------------------------------


def link_in_bytes(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> tuple[ReceiveLink | None, Extraction | None]:
    """An offer or request link held by a source's bytes (a text file, a photo of a QR code), else the bytes'
    extraction (None when they hold no badge either: the import reports why)."""
    try:
        extraction = extract(data, limits=limits)
    except VerifierError:
        extraction = None
    if extraction is not None:
        for found in extraction.found:
            if found.payload.kind == "url" and (link := recognise(found.payload.text)) is not None:
                return link, None
        return None, extraction
    texts: list[str] = []
    try:
        texts = scan_qr_codes(decode_raster(data, limits=limits), limits=limits)
    except VerifierError:
        if len(data) <= limits.max_text_bytes:
            texts = [data.decode("utf-8", errors="replace")]
    for text in texts:
        if (link := recognise(text)) is not None:
            return link, None
    return None, None


def _subjects(payload: Payload) -> list[str]:
    claims = payload.claims or {}
    credential = claims.get("vc") if isinstance(claims.get("vc"), dict) else claims
    subjects = credential.get("credentialSubject") if isinstance(credential, dict) else None
    ids = [s["id"] for s in (subjects if isinstance(subjects, list) else [subjects]) if isinstance(s, dict)]
    if isinstance(claims.get("vc"), dict) and isinstance(claims.get("sub"), str):
        ids.append(claims["sub"])
    return [i.split("#", 1)[0] for i in ids if isinstance(i, str) and i]


def receive_link(
    store: Store,
    source: str,
    link: ReceiveLink,
    *,
    options: ReceiveOptions,
    recipients: Iterable[str] = (),
    fetch_contexts: bool = False,
) -> tuple[list[ImportResult], list[tuple[BadgeRecord, Report]]]:
    """Redeem an offer or request link (``wallet.receiving``): each credential the issuer hands over is verified
    first, and stored only when it is valid and for this backpack's holder; the others are failed results.

    What the issuer learns is the holder's did:key (``wallet.holder``), nothing else."""
    me = holder(store)
    source = source if len(source) <= 80 else source[:79] + "…"  # offer links run to kilobytes: shown shortened
    results: list[ImportResult] = []
    verified: list[tuple[BadgeRecord, Report]] = []
    cache = StoreResponseCache(store)
    policy = VerifierPolicy(
        fetch=options.policy,
        recipients=earner_identities(store, [*recipients, me.did]),
        fetch_unknown_contexts=fetch_contexts,
    )

    def accept(received: Received) -> bool:
        label = source if received.label == source else f"{source} [{received.label}]"
        if received.error is not None or received.credential is None:
            results.append(ImportResult(label, error=received.error or "the issuer handed over nothing"))
            return False
        credential = received.credential
        text = credential if isinstance(credential, str) else json.dumps(credential, ensure_ascii=False)
        try:
            payload = classify_payload(text)
        except VerifierError as exc:
            results.append(ImportResult(label, error=f"not stored: {exc}"))
            return False
        subjects = _subjects(payload)
        if subjects and me.did not in subjects:
            results.append(
                ImportResult(label, error=f"not stored: the credential is for {subjects[0]}, not for this backpack")
            )
            return False
        report = verify_many([payload], policy=policy, labels=[label], cache=cache)[0]
        if report.status != "valid":
            decisive = report.decisive_check
            reason = f": {decisive.message}" if decisive is not None else ""
            results.append(ImportResult(label, error=f"not stored: the credential is {report.status}{reason}"))
            return False
        for record, created in import_bytes(store, LoadedSource("offer", source, text.encode("utf-8"))):
            saved = {r.id: r for r in store.save_reports({record.id: report.to_dict()})}.get(record.id, record)
            results.append(ImportResult(source, saved, created))
            verified.append((saved, report))
        return True

    try:
        redeem(link, me, options, accept)
    except (VerifierError, SourceError) as exc:
        results.append(ImportResult(source, error=str(exc)))
    finally:
        cache.flush()
    return results, verified


# -- the user's act: import, then verify -------------------------------------------------------------------------

Stage = Literal["importing", "imported", "verifying", "verified"]
VerifyRecords = Callable[[list[BadgeRecord]], list[tuple[BadgeRecord, Report]]]


@dataclass(frozen=True)
class ImportProgress:
    """One step of :func:`import_and_verify`: before and after each source, before and after each verified chunk."""

    stage: Stage
    done: int
    total: int
    source: str = ""
    results: tuple[ImportResult, ...] = ()
    """What the source gave (``imported``)."""
    reports: tuple[tuple[BadgeRecord, Report], ...] = ()
    """The chunk's badges and their new reports (``verified``)."""


@dataclass
class ImportOutcome:
    results: list[ImportResult] = field(default_factory=list)
    """One per badge stored or per source that failed, in order."""
    verified: list[tuple[BadgeRecord, Report]] = field(default_factory=list)
    cancelled: bool = False

    @property
    def records(self) -> list[BadgeRecord]:
        """The badges imported or updated, each once (its latest stored version), in order."""
        unique = {r.record.id: r.record for r in self.results if r.record is not None}
        return list(unique.values())

    @property
    def failures(self) -> list[ImportResult]:
        return [r for r in self.results if r.record is None]


def import_and_verify(
    store: Store,
    sources: Sequence[str],
    *,
    policy: FetchPolicy | None = None,
    stdin: bytes | None = None,
    verify: bool = True,
    recipients: Iterable[str] = (),
    fetch_contexts: bool = False,
    verify_records: VerifyRecords | None = None,
    verify_chunk: int | None = None,
    progress: Callable[[ImportProgress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    receive: ReceiveOptions | None = None,
) -> ImportOutcome:
    """Import every source (folders expanded), then verify the badges imported: the one import of every front end.

    A source that cannot be read, or holds no badge, is a failed result and the others go on; a store failure
    (``WalletError``) stops everything. ``progress`` hears each step; ``cancelled`` is asked before each source and
    each verified chunk (``verify_chunk`` badges at a time, all at once by default), and a cancelled run returns what
    it did. ``verify_records`` replaces the wallet's verification (the TUI passes its own).

    An offer or request link (given as the source, in a text file, or in a photo of its QR code) is redeemed with
    ``receive`` (how to ask for a PIN, open a browser; by default neither): its credentials are verified before they
    are stored, and only the valid ones for this backpack's holder are.
    """
    if policy is None:
        policy = fetch_policy(load_settings(store))
    stop = cancelled or (lambda: False)
    tell = progress or (lambda _step: None)
    outcome = ImportOutcome()
    already_verified: set[str] = set()
    recipients = tuple(recipients)
    expanded = list(expand_sources(list(sources)))

    def imported(index: int, source: str, results: list[ImportResult]) -> None:
        outcome.results.extend(results)
        tell(ImportProgress("imported", index + 1, len(expanded), source, tuple(results)))

    batch = _Batch(store, imported)
    with batch.flushed_on_failure():
        for done, source in enumerate(expanded):
            if stop():
                outcome.cancelled = True
                break
            tell(ImportProgress("importing", done, len(expanded), source))
            try:
                step = _import_one(
                    store,
                    done,
                    source,
                    policy=policy,
                    stdin=stdin,
                    receive=receive or ReceiveOptions(policy=policy),
                    recipients=recipients,
                    fetch_contexts=fetch_contexts,
                    before_storing=batch.flush,
                )
            except WalletError:
                raise
            except Exception as exc:  # noqa: BLE001 - one odd file must not end the import of the others
                step = _Staged(done, source, failure=ImportResult(source, error=str(exc) or type(exc).__name__))
            if isinstance(step, _Staged):
                batch.add(step)
                continue
            results, received = step
            imported(done, source, results)
            if received:
                outcome.verified += received
                already_verified.update(record.id for record, _report in received)
                tell(ImportProgress("verified", done + 1, len(expanded), reports=tuple(received)))
    if outcome.cancelled:
        return outcome
    records = [record for record in outcome.records if record.id not in already_verified]
    if not verify or not records:
        return outcome
    check = verify_records or (
        lambda chunk: verify_stored(
            store, chunk, fetch_policy=policy, recipients=recipients, fetch_contexts=fetch_contexts
        )
    )
    size = verify_chunk or len(records)
    for start in range(0, len(records), size):
        if stop():
            outcome.cancelled = True
            return outcome
        chunk = records[start : start + size]
        tell(ImportProgress("verifying", start, len(records)))
        checked = check(chunk)
        outcome.verified += checked
        tell(ImportProgress("verified", start + len(chunk), len(records), reports=tuple(checked)))
    return outcome


def import_uploads(
    store: Store,
    files: Sequence[tuple[str, bytes]],
    *,
    policy: FetchPolicy | None = None,
    verify: bool = True,
    limits: Limits = DEFAULT_LIMITS,
    receive: ReceiveOptions | None = None,
) -> ImportOutcome:
    """Import files received as bytes (an upload in the web view), each named by its file name, then verify the
    badges imported: :func:`import_and_verify` for files that are not on this machine's disk. A file holding an
    issuer's offer or request link (a photo of its QR code, a text file) is redeemed as the CLI would
    (``receive``: how; by default no PIN and no browser login)."""
    if policy is None:
        policy = fetch_policy(load_settings(store))
    outcome = ImportOutcome()
    batch = _Batch(store, lambda _index, _name, results: outcome.results.extend(results))
    with batch.flushed_on_failure():
        for index, (name, data) in enumerate(files):
            if len(data) > limits.max_file_bytes:
                too_large = ImportResult(name, error=f"larger than {limits.max_file_bytes // 1_000_000} MB")
                batch.add(_Staged(index, name, failure=too_large))
                continue
            link, extraction = link_in_bytes(data, limits=limits)
            if link is not None:
                batch.flush()  # redeeming stores its badges at once: those of the files before it come first
                results, verified = receive_link(store, name, link, options=receive or ReceiveOptions(policy=policy))
                outcome.results += results
                outcome.verified += verified
                continue
            try:
                loaded = LoadedSource("file", name, data)
                records = _records_of(store, loaded, extraction or extract(data, limits=limits))
            except (VerifierError, SourceError) as exc:
                batch.add(_Staged(index, name, failure=ImportResult(name, error=str(exc))))
                continue
            batch.add(_Staged(index, name, records))
    received = {record.id for record, _report in outcome.verified}
    unverified = [record for record in outcome.records if record.id not in received]
    if verify and unverified:
        outcome.verified += verify_stored(store, unverified, fetch_policy=policy)
    return outcome


def _import_one(
    store: Store,
    index: int,
    source: str,
    *,
    policy: FetchPolicy,
    stdin: bytes | None,
    receive: ReceiveOptions,
    recipients: Iterable[str],
    fetch_contexts: bool,
    before_storing: Callable[[], None],
) -> _Staged | tuple[list[ImportResult], list[tuple[BadgeRecord, Report]]]:
    """One source: an offer or request link is redeemed (its badges verified and stored together), a URL fetched and
    stored, both after ``before_storing``; anything else is read and staged, to be stored with its batch."""
    link = recognise(source)
    if link is None and not _is_url(source):
        try:
            loaded = load_source(source, policy=policy, stdin=stdin)
        except (VerifierError, SourceError) as exc:
            return _Staged(index, source, failure=ImportResult(source, error=str(exc)))
        link, extraction = link_in_bytes(loaded.data)
        if link is None:
            try:
                # No extraction: the bytes hold no badge, and extracting again says why.
                return _Staged(index, source, _records_of(store, loaded, extraction or extract(loaded.data)))
            except VerifierError as exc:
                return _Staged(index, source, failure=ImportResult(source, error=str(exc)))
    before_storing()
    if link is not None:
        return receive_link(store, source, link, options=receive, recipients=recipients, fetch_contexts=fetch_contexts)
    return list(import_sources(store, [source], policy=policy, stdin=stdin)), []
