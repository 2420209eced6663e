"""Import: read a source (file, folder, URL, standard input), extract its badge(s), store them unverified."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from verifier import (
    DEFAULT_LIMITS,
    Extraction,
    FetchPolicy,
    FoundPayload,
    InputTooLarge,
    Limits,
    MalformedInput,
    VerifierError,
    extract,
    fetch_url,
    summarize,
)
from verifier._bundle import bundle_payloads, is_bundle
from verifier._limits import describe_size

from .errors import SourceError, WalletError
from .settings import fetch_policy, load_settings
from .store import BadgeRecord, SourceRef, Store, badge_id_for_key, compact_summary, now_iso

__all__ = ["ImportResult", "LoadedSource", "expand_sources", "import_sources", "load_source", "import_bytes"]


@dataclass(frozen=True)
class LoadedSource:
    kind: str  # "file" | "url" | "text"
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


def read_file_limited(path: Path, limits: Limits = DEFAULT_LIMITS) -> bytes:
    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            raise InputTooLarge(f"file refused: larger than {describe_size(limits.max_file_bytes)}")
        with path.open("rb") as handle:
            data = handle.read(limits.max_file_bytes + 1)
    except FileNotFoundError as exc:
        raise SourceError(f"no such file: {path}") from exc
    except IsADirectoryError as exc:
        raise SourceError(f"{path} is a folder") from exc
    except PermissionError as exc:
        raise SourceError(f"permission denied: {path}") from exc
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror}") from exc
    if len(data) > limits.max_file_bytes:
        raise InputTooLarge(f"file refused: larger than {describe_size(limits.max_file_bytes)}")
    return data


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
    store: Store, loaded: LoadedSource, *, limits: Limits = DEFAULT_LIMITS
) -> list[tuple[BadgeRecord, bool]]:
    extraction = extract(loaded.data, limits=limits)
    stored: list[tuple[BadgeRecord, bool]] = []
    to_import = _payloads_to_import(extraction)
    for found in to_import:
        if found.payload.problem:
            raise MalformedInput(found.payload.problem)
    source_blob = store.put_blob(loaded.data)
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
            payload_blob=store.put_blob(payload.text.encode("utf-8")),
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
        stored.append(store.upsert_badge(record))
    return stored


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
