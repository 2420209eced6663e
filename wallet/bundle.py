"""Export a collection as a portfolio bundle: a Verifiable Presentation signed by the wallet's holder key.

See ``verifier/_bundle.py`` for its layout. OB 3.0 credentials go in as issued; OB 2.0 badges go in the
``portfolio`` JSON literal: a signed badge as its JWS, a hosted badge as its URL with a snapshot of its assertion,
badge class and issuer fetched at export time (marked as a snapshot: a hosted badge can only be re-verified online).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from verifier import FetchPolicy
from verifier.extraction import parse_json
from verifier.portfolio import BUNDLE_CONTEXT, BUNDLE_TYPE
from verifier.signing import sign_eddsa_rdfc_2022

from .badge_collections import Collection, get_collection
from .cache import StoreResponseCache
from .errors import WalletError
from .exporting import write_file
from .holder import holder
from .settings import load_settings
from .store import BadgeRecord, Store, now_iso
from .verification import stored_payload, verify_records

__all__ = ["BundleError", "build_bundle", "signed_by", "write_bundle"]

VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"


class BundleError(WalletError):
    code = "bundle_failed"


def _cached_json(cache: StoreResponseCache, url: Any) -> dict[str, Any] | None:
    entry = cache.get(url) if isinstance(url, str) else None
    if entry is None or entry.status != 200:
        return None
    try:
        document = parse_json(entry.body)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def _hosted_snapshot(cache: StoreResponseCache, url: str, fallback: dict[str, Any] | None) -> dict[str, Any]:
    assertion = _cached_json(cache, url) or fallback or {}
    badge = assertion.get("badge")
    badge_class = badge if isinstance(badge, dict) else _cached_json(cache, badge) or {}
    issuer = badge_class.get("issuer")
    issuer_profile = issuer if isinstance(issuer, dict) else _cached_json(cache, issuer) or {}
    return {"assertion": assertion, "badgeClass": badge_class, "issuer": issuer_profile}


def signed_by(bundle: dict[str, Any]) -> str:
    """Who signed a bundle, as a person reads it: the holder's DID, after their display name when it carries one."""
    holder_node = bundle.get("holder")
    if isinstance(holder_node, dict):
        did, name = str(holder_node.get("id", "")), holder_node.get("name")
        return f"{name} ({did})" if isinstance(name, str) and name else did
    return str(holder_node)


def build_bundle(
    store: Store, collection: Collection, *, fetch_policy: FetchPolicy, refresh: bool = True
) -> tuple[dict[str, Any], list[str]]:
    """The signed bundle of ``collection`` and the warnings met (badges that could not be included).

    With ``refresh`` the badges are verified first, so hosted snapshots are as fresh as the network allows.
    """
    records: list[BadgeRecord] = [store.get_badge(badge_id) for badge_id in collection.badge_ids]
    if not records:
        raise BundleError(f"the collection {collection.name!r} has no badges to export")
    if refresh:
        verify_records(store, records, fetch_policy=fetch_policy)
    cache = StoreResponseCache(store)
    exported_at = now_iso()
    credentials: list[dict[str, Any]] = []
    open_badges_2: list[dict[str, Any]] = []
    order: list[dict[str, Any]] = []
    warnings: list[str] = []
    for record in records:
        payload = stored_payload(store, record)
        name = record.info.name
        if record.version in ("ob0", "ob1"):
            label = "0.5" if record.version == "ob0" else "1.x"
            warnings.append(
                f"{record.id} ({name or 'unnamed'}) is an Open Badges {label} badge: portfolios carry OB 2.0 and 3.0"
            )
            continue
        if payload.version == "ob3" and payload.kind == "json" and payload.claims is not None:
            credentials.append(payload.claims)
            order.append({"badge": record.id, "name": name, "credential": payload.claims.get("id")})
        elif payload.version == "ob3" and payload.kind == "jws":
            envelope = f"data:application/vc+jwt,{payload.text}"
            credentials.append({"@context": VC2_CONTEXT, "id": envelope, "type": "EnvelopedVerifiableCredential"})
            order.append({"badge": record.id, "name": name, "credential": (payload.credential or {}).get("id")})
        elif payload.kind == "jws":
            open_badges_2.append({"kind": "signed", "jws": payload.text})
            order.append({"badge": record.id, "name": name, "assertion": (payload.claims or {}).get("id")})
        elif record.key.startswith("id:http"):
            url = record.key.removeprefix("id:")
            snapshot = _hosted_snapshot(cache, url, payload.claims if payload.kind == "json" else None)
            open_badges_2.append(
                {
                    "kind": "hosted",
                    "url": url,
                    "snapshot": snapshot,
                    "snapshotAt": exported_at,
                    "note": "a snapshot taken at export time: a hosted badge can only be re-verified online",
                }
            )
            order.append({"badge": record.id, "name": name, "assertion": url})
        else:
            warnings.append(f"{record.id} ({name or 'unnamed'}) cannot be put in a bundle: no verifiable form")
    if not credentials and not open_badges_2:
        raise BundleError(f"none of the badges of {collection.name!r} can be put in a bundle: {'; '.join(warnings)}")
    portfolio = {
        "collection": {
            "name": collection.name,
            "description": collection.description,
            "tags": collection.tags,
            "planned": collection.planned,
        },
        "order": order,
        "openBadges2": open_badges_2,
        "exportedAt": exported_at,
        "generator": "openbadges-backpack",
    }
    me = holder(store)
    name = load_settings(store).display_name
    presentation: dict[str, Any] = {
        "@context": [VC2_CONTEXT, BUNDLE_CONTEXT],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiablePresentation", BUNDLE_TYPE],
        # The holder's display name goes inside the signature: a host or a verifier shows it as the holder's own.
        "holder": {"id": me.did, "name": name} if name else me.did,
        "name": collection.name,
        "portfolio": portfolio,
    }
    if collection.description:
        presentation["description"] = collection.description
    if credentials:
        presentation["verifiableCredential"] = credentials
    try:
        signed = sign_eddsa_rdfc_2022(presentation, me.key, me.verification_method, created=exported_at)
    except Exception as exc:  # noqa: BLE001 - a credential whose context is not bundled cannot be canonicalized
        raise BundleError(f"the bundle cannot be signed: {exc}") from exc
    return signed, warnings


def write_bundle(
    store: Store, collection_ref: str, output: Path, *, fetch_policy: FetchPolicy
) -> tuple[Collection, dict[str, Any], list[str]]:
    """Write the signed portfolio bundle of a collection (by name or id) to ``output``: the collection, the bundle
    and the warnings met. Its badges are verified first (see :func:`build_bundle`)."""
    if output.is_dir():
        raise BundleError(f"{output} is a folder: give the bundle's file name")
    collection = get_collection(store, collection_ref)
    bundle, problems = build_bundle(store, collection, fetch_policy=fetch_policy)
    write_file(output, (json.dumps(bundle, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return collection, bundle, problems
