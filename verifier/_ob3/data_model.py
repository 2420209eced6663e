"""VC Data Model 2.0 shape rules the JSON-LD context cannot enforce, and ``relatedResource`` integrity.

* ``evidence``, ``termsOfUse``, ``refreshService``, ``credentialSchema`` and ``credentialStatus`` objects must each
  have a ``type`` (VC DM 2.0 §4.12–4.14, §5.4, §5.6);
* every ``credentialSubject`` object must make a claim: more than an ``id`` (§4.7);
* ``relatedResource`` entries need an ``id`` and a digest (``digestSRI`` or ``digestMultibase``), at most one entry per
  ``id`` (§5.3); the resource is fetched under the usual limits and its digest compared (the ``related_resource``
  check), so a credential that pins a picture, a schema or a context cannot be served with another one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from typing import Any

from .._did.keys import base58btc_decode
from .._errors import FetchError
from .._json import as_list
from .._report import Report
from .._run import Run

__all__ = ["check_data_model", "check_related_resources", "digest_matches"]

_TYPED = ("evidence", "termsOfUse", "refreshService", "credentialSchema", "credentialStatus")
_MAX_RESOURCES = 16
_SRI = {"sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}
# multihash codes: https://github.com/multiformats/multicodec
_MULTIHASH = {0x12: ("sha256", 32), 0x13: ("sha512", 64), 0x20: ("sha384", 48), 0x16: ("sha3_256", 32)}


def check_data_model(report: Report, credential: dict[str, Any]) -> None:
    """The ``data_model`` check: typed objects, subjects that make claims, well-formed related resources."""
    problems: list[str] = []
    for name in _TYPED:
        for item in as_list(credential.get(name)):
            if isinstance(item, dict) and not item.get("type"):
                problems.append(f"a {name} object has no type")
    for subject in as_list(credential.get("credentialSubject")):
        if isinstance(subject, dict) and not [key for key in subject if key not in ("id", "@id")]:
            problems.append("a credentialSubject makes no claim (it holds nothing but an id)")
    seen: set[str] = set()
    for entry in as_list(credential.get("relatedResource")):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry["id"]:
            problems.append("a relatedResource entry has no id")
            continue
        if entry["id"] in seen:
            problems.append(f"the relatedResource {entry['id']} is listed twice")
        seen.add(entry["id"])
        if not isinstance(entry.get("digestSRI"), str) and not isinstance(entry.get("digestMultibase"), str):
            problems.append(f"the relatedResource {entry['id']} has neither digestSRI nor digestMultibase")
    if problems:
        report.add("data_model", "failed", "; ".join(dict.fromkeys(problems)))
    else:
        report.add("data_model", "passed", "the credential follows the VC Data Model's shape rules")


def _sri_matches(sri: str, body: bytes) -> bool | None:
    """Whether ``body`` matches one of the SRI hashes (``sha384-<base64>`` …); None when none is understood."""
    verdict: bool | None = None
    for token in sri.split():
        algorithm, _, encoded = token.partition("-")
        if algorithm.lower() not in _SRI:
            continue
        try:
            expected = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        except (binascii.Error, ValueError):
            return False
        computed = hashlib.new(_SRI[algorithm.lower()], body).digest()
        if hmac.compare_digest(expected, computed):
            return True
        verdict = False
    return verdict


def _multibase_matches(value: str, body: bytes) -> bool | None:
    """Whether ``body`` matches a multibase-encoded multihash (``z…`` base58btc or ``u…`` base64url)."""
    try:
        if value.startswith("z"):
            raw = base58btc_decode(value[1:])
        elif value.startswith("u"):
            raw = base64.urlsafe_b64decode(value[1:] + "=" * (-len(value[1:]) % 4))
        else:
            return None
    except (ValueError, binascii.Error):
        return False
    if len(raw) < 2 or raw[0] not in _MULTIHASH:
        return None
    algorithm, size = _MULTIHASH[raw[0]]
    if raw[1] != size or len(raw) != size + 2:
        return False
    return hmac.compare_digest(raw[2:], hashlib.new(algorithm, body).digest())


def digest_matches(entry: dict[str, Any], body: bytes) -> bool | None:
    """Whether the resource's bytes match every digest the entry gives; None when no digest is understood."""
    verdicts = []
    if isinstance(entry.get("digestSRI"), str):
        verdicts.append(_sri_matches(entry["digestSRI"], body))
    if isinstance(entry.get("digestMultibase"), str):
        verdicts.append(_multibase_matches(entry["digestMultibase"], body))
    known = [v for v in verdicts if v is not None]
    if not known:
        return None
    return all(known)


async def check_related_resources(run: Run, credential: dict[str, Any]) -> None:
    """The ``related_resource`` check: each pinned resource fetched and its digest compared."""
    entries = [
        e
        for e in as_list(credential.get("relatedResource"))
        if isinstance(e, dict) and isinstance(e.get("id"), str) and e["id"].startswith(("https://", "http://"))
    ]
    if not entries:
        return
    run.stage = "related_resource"
    report = run.report
    for entry in entries[:_MAX_RESOURCES]:
        url = entry["id"]
        try:
            result = await run.fetcher.fetch(url, kind="any")
        except FetchError as exc:
            report.add("related_resource", "error", f"could not fetch the related resource {url}: {exc}")
            return
        if not result.ok:
            report.add("related_resource", "error", f"could not fetch the related resource {url}: {result.status}")
            return
        verdict = digest_matches(entry, result.body)
        if verdict is None:
            report.add("related_resource", "error", f"the digest of {url} uses an algorithm this verifier lacks")
            return
        if not verdict:
            report.add("related_resource", "failed", f"the related resource {url} is not the one the issuer pinned")
            return
    report.add("related_resource", "passed", f"{len(entries[:_MAX_RESOURCES])} related resources match their digests")
