"""Issuer registries: lists, chosen by the verifier's user, of which issuer id belongs to which organisation.

A signature proves who holds a key, not who they are: a ``did:key`` issuer may call itself "Harvard". The
``issuer_known`` check looks the (authenticated) issuer up in every registry of ``VerifierPolicy.registries``:

* listed in one: ``passed``, and the name shown is the registry's (the first registry that lists it wins: give them
  most authoritative first, as the Digital Credentials Consortium's client does);
* listed in none: a ``warning`` ("not in any registry you use"), never a failure: authenticity is the signature's
  business, and an issuer may simply not be registered anywhere;
* a badge that is not authentic is not looked up (``skipped``): its issuer is not known at all.

Two formats are read (docs/registries.md):

* the Digital Credentials Consortium's registry (the ``dcc-legacy`` lists read by ``@digitalcredentials/issuer-
  registry-client``): ``{"meta": {"created", "updated"}, "registry": {"<issuer id>": {"name", "url", "location",
  "legalName"}}}``; early copies call ``registry`` ``entries``;
* the backpack's trust list, for a list of one's own kept in a file: ``{"type": "IssuerTrustList", "name",
  "updated", "issuers": [{"id", "name", "url"}]}``.

A registry given by URL is fetched through the run's fetcher (guarded, size-capped, cached: offline, the cached
copy is used), and the report says as of when each copy is.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ._errors import FetchError
from ._json import text_of
from ._report import Report

if TYPE_CHECKING:
    from ._fetch import Fetcher

__all__ = [
    "MAX_REGISTRY_ENTRIES",
    "TRUST_LIST_TYPE",
    "IssuerRegistry",
    "RegistryEntry",
    "RegistrySource",
    "check_issuer_known",
    "load_registries",
    "parse_registry",
]

TRUST_LIST_TYPE = "IssuerTrustList"
MAX_REGISTRY_ENTRIES = 100_000
_MAX_TEXT = 300
# Checks whose failure or error leaves the issuer unproven: then nobody is looked up.
_AUTHENTICITY = ("extracted", "format", "fetched", "origin", "issuer", "signature", "key_owner", "holder")
_NOT_AUTHENTICITY = ("expiry", "revocation", "issuer_known")


@dataclass(frozen=True)
class RegistryEntry:
    """What a registry says about one issuer id."""

    name: str | None = None
    url: str | None = None
    location: str | None = None


@dataclass(frozen=True)
class IssuerRegistry:
    """One registry as read: its entries by issuer id, where it came from and as of when."""

    name: str
    source: str
    """The URL it was fetched from, or the file it was read from."""
    entries: Mapping[str, RegistryEntry] = field(default_factory=dict)
    as_of: str | None = None
    """When this copy was obtained (fetched, or the file's modification time): UTC, ISO 8601, ``Z``."""
    updated: str | None = None
    """When the registry says it was last updated, if it says."""
    problem: str | None = None
    """Why it could not be read (then it has no entries)."""

    def lookup(self, issuer_id: str) -> RegistryEntry | None:
        """The entry of ``issuer_id`` (a DID or URL; a DID URL's fragment and a URL's trailing slash ignored)."""
        for key in dict.fromkeys((_key(issuer_id), _key(issuer_id.split("#", 1)[0]))):
            entry = self.entries.get(key)
            if entry is not None:
                return entry
        return None

    @property
    def label(self) -> str:
        return f"{self.name} (as of {self.as_of[:10]})" if self.as_of else self.name


RegistrySource = str | IssuerRegistry
"""An http(s) URL of a registry (fetched when needed), or a registry already read (a local trust list)."""


def _key(issuer_id: str) -> str:
    """How an issuer id is filed: as given, but an http(s) URL without its trailing slash (issuers write both)."""
    issuer_id = issuer_id.strip()
    return issuer_id.rstrip("/") if issuer_id.startswith(("https://", "http://")) else issuer_id


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _short(value: Any) -> str | None:
    text = text_of(value)
    return text[:_MAX_TEXT] if text else None


def _entry(value: Any) -> RegistryEntry:
    if not isinstance(value, dict):
        return RegistryEntry()
    url = _short(value.get("url"))
    return RegistryEntry(
        name=_short(value.get("name")) or _short(value.get("legalName")),
        url=url if url and url.startswith(("https://", "http://")) else None,
        location=_short(value.get("location")),
    )


def _unreadable(source: str, name: str | None, as_of: str | None, problem: str) -> IssuerRegistry:
    return IssuerRegistry(name=name or source, source=source, as_of=as_of, problem=problem)


def parse_registry(
    data: bytes | str | Mapping[str, Any], *, source: str, name: str | None = None, as_of: str | None = None
) -> IssuerRegistry:
    """Read a registry (either format). Never raises: an unreadable one has no entries and says why (``problem``).

    ``name`` overrides the name the document gives itself; without either, the registry is named by its source."""
    document: Any = data
    if isinstance(data, bytes | str):
        try:
            document = json.loads(data)
        except (ValueError, RecursionError):
            return _unreadable(source, name, as_of, "it is not JSON")
    if not isinstance(document, Mapping):
        return _unreadable(source, name, as_of, "it is not a JSON object")
    meta: Mapping[str, Any] = document["meta"] if isinstance(document.get("meta"), Mapping) else {}
    entries: dict[str, RegistryEntry] = {}
    if document.get("type") == TRUST_LIST_TYPE:
        issuers = document.get("issuers")
        if not isinstance(issuers, list):
            return _unreadable(source, name, as_of, "a trust list needs an 'issuers' array")
        for item in issuers[:MAX_REGISTRY_ENTRIES]:
            if isinstance(item, dict) and (issuer_id := text_of(item.get("id"))):
                entries[_key(issuer_id)] = _entry(item)
        updated = _short(document.get("updated"))
        own_name = _short(document.get("name"))
    else:
        listed = document.get("registry", document.get("entries"))
        if not isinstance(listed, Mapping):
            return _unreadable(
                source, name, as_of, f"neither a DCC issuer registry ('registry' object) nor a {TRUST_LIST_TYPE}"
            )
        for issuer_id, value in list(listed.items())[:MAX_REGISTRY_ENTRIES]:
            if isinstance(issuer_id, str) and issuer_id.strip():
                entries[_key(issuer_id)] = _entry(value)
        updated = _short(meta.get("updated")) or _short(meta.get("created"))
        own_name = _short(meta.get("name")) or _short(document.get("name"))
    return IssuerRegistry(name=name or own_name or source, source=source, entries=entries, as_of=as_of, updated=updated)


async def _fetch_registry(fetcher: Fetcher, url: str) -> IssuerRegistry:
    try:
        result = await fetcher.fetch(url, kind="json")
        status, body, fetched_at = result.status, result.body, result.fetched_at
    except FetchError as exc:
        # A registry that cannot be reached now is still worth its last copy, however old: the report says its date.
        cached = fetcher.cache.get(url.split("#", 1)[0])
        if cached is None or cached.status != 200:
            return _unreadable(url, None, None, str(exc))
        status, body, fetched_at = cached.status, cached.body, cached.fetched_at
    if not 200 <= status < 300:
        return _unreadable(url, None, None, f"it answered {status}")
    return parse_registry(body, source=url, as_of=_iso(fetched_at or time.time()))


async def load_registries(fetcher: Fetcher, sources: Iterable[RegistrySource]) -> list[IssuerRegistry]:
    """The registries of ``sources``, in order: those given by URL fetched (or taken from the cache)."""
    return [
        source if isinstance(source, IssuerRegistry) else await _fetch_registry(fetcher, source) for source in sources
    ]


def _authentic(report: Report) -> bool:
    for check in report.checks:
        if check.outcome == "failed" and check.id not in _NOT_AUTHENTICITY:
            return False
        if check.outcome == "error" and check.id in _AUTHENTICITY:
            return False
    return True


def _names(registries: Sequence[IssuerRegistry]) -> str:
    return ", ".join(registry.label for registry in registries)


async def check_issuer_known(report: Report, fetcher: Fetcher, sources: Sequence[RegistrySource]) -> None:
    """The ``issuer_known`` check of a verified badge (absent when no registry is configured)."""
    if not sources:
        return
    issuer_id = report.badge.issuer_id
    if not _authentic(report):
        report.add("issuer_known", "skipped", "not looked up in your registries: the badge is not authentic")
        return
    if not issuer_id:
        report.add("issuer_known", "skipped", "not looked up in your registries: the badge names no issuer id")
        return
    registries = await load_registries(fetcher, sources)
    readable = [registry for registry in registries if registry.problem is None]
    unread = "; ".join(f"could not read {r.name}: {r.problem}" for r in registries if r.problem is not None)
    claimed = report.badge.issuer_name
    for registry in readable:
        entry = registry.lookup(issuer_id)
        if entry is None:
            continue
        report.badge.issuer_name_confirmed = True
        report.badge.issuer_name = entry.name or claimed
        if entry.url and not report.badge.issuer_url:
            report.badge.issuer_url = entry.url
        listed_as = f" as {entry.name!r}" if entry.name else ""
        differs = f" (it calls itself {claimed!r})" if claimed and entry.name and claimed != entry.name else ""
        report.add("issuer_known", "passed", f"the issuer is listed in {registry.label}{listed_as}{differs}")
        return
    report.badge.issuer_name_confirmed = False
    if readable:
        message = f"the issuer {issuer_id} is not in any registry you use ({_names(readable)})"
        message += f"; {unread}" if unread else ""
        message += ": its name is self-asserted"
    else:
        message = f"no registry you use could be read ({unread}): the issuer's name is self-asserted"
    report.add("issuer_known", "warning", message)
