"""The demo: sample badges the project generates itself, so a new user sees the product at work at once.

Eight badges in the forms a learner meets in practice. OB 2.0 (issuer "Open Learning Lab"): hosted assertions baked
in PNGs (one valid, one expired), a signed assertion (JWS) baked in an SVG, and a phone photo of a printed badge card
whose QR code points at a revoked assertion. OB 3.0 (a did:key issuer, "European Skills Academy"):
eddsa-rdfc-2022 credentials baked in PNG/SVG (one valid with a status-list entry, one expired, one revoked through
the issuer's signed status list) and an EdDSA VC-JWT baked in an SVG.

The demo lives in the user's own backpack, so that what the first screen shows is what the next command acts on: the
badges form the "Demo" collection, issued to a demo identity, and ``remove_demo`` takes them (and that identity) out
again. The OB 2.0 issuer lives under an ``.example`` domain, which never resolves: its documents and the OB 3.0
issuer's status list are put in the backpack's cache, fresh for a century, so verification runs for real against
them without any network. They stay after the demo is removed, so the sample files (``demo-files/`` of the
repository, or of the backpack folder) import and verify with the same statuses at any time.

The issuers' keys are fixed, not generated: the sample files shipped with the repository must keep verifying against
the documents any version of the backpack puts in its cache. They sign nothing but these samples.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import segno
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jws
from joserfc.jwk import OKPKey, RSAKey
from PIL import Image, ImageDraw, ImageFilter

from verifier import FetchPolicy, bake, classify_payload
from verifier.http import CachedResponse
from verifier.signing import encode_multikey, sign_eddsa_rdfc_2022

from . import badge_collections
from .cache import StoreResponseCache
from .errors import NotFound
from .importer import LoadedSource, import_bytes
from .store import BadgeRecord, Store
from .verification import verify_records

__all__ = [
    "DEMO_COLLECTION",
    "DEMO_IDENTITY",
    "DemoContent",
    "DemoRemoval",
    "demo_content",
    "demo_files",
    "has_demo",
    "offer_demo",
    "remove_demo",
    "seed_demo",
    "write_demo_files",
]

DEMO_IDENTITY = "ada.lovelace@example.com"
DEMO_COLLECTION = "Demo"
_DEMO_SETTING = "demo"
_CACHED_FOR = 100 * 365 * 24 * 3600.0  # the demo issuers never change: their documents never go stale
_ACADEMY_SEED = hashlib.sha256(b"openbadges-backpack demo issuer: European Skills Academy").digest()
_LAB_KEY_PEM = """-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDtYrMES/xGkxFW
H7+H6e6M5MtheKNR7Ee9WowvkMv8gvZemlFZgksbqiaSOH3A1NXzj55koQ4xobDA
6cB91cOoDiquEVQ8TuK2Y8vvEeens1b8SDdqJQ0vJShXAh0XXegwm6CoKH9vpzzI
eXDYXs0k3Kspu7A1t85DJrntczamYMMtkJgxzQIcLBlMKmYeZA67KC+ENFTYAxpk
8+Y0a8WNcyHjBFesEOKVNQ4bJubflXMoosGzrcp2YXhsRGfUWEocstC27i+xRpBY
fRK1ZBBQ7DL52KfqGOPL5qSyAxHhx3zskLETGTEA/neSw2JU4gbl2cg5R5xubkZC
1UNFFdctAgMBAAECggEAGDBUeX2cqTxXKeV2SM0nh6fQqY/3ZGOlM8BERJyGjKZz
oFQtMee664i9AW1MMxf87SKXSz22CoylTCMFgE0F8NvwsWgGo1aOd3NX1naGmmoF
1RMuwlwgKcupfqQyfq0M+dcB2eC2i5QI94yYWRPf53+s2UXMwMyH8gPCMlXpHa7Q
MPrQYoGWTpQPbDa9ZolfE69SboNYymcd+sFLVtujyWXkvxMWkCLr0bdSC00M/KFR
wHBV/saqBBVLL0f6R0MHZu6iqOYZdcKpMjOqpDLScbKm614Jg85ZaxV86X8ktrHm
WOY7JubOvVTBNnc2Hl++nnMMn6zRVwxwxqJqi7zOAQKBgQD+YlY/XshY8ykDmJdh
nYyjrNhlrkJzQzh1XMxQXPsjOE6WyDia+NYE+NOSueO9wjldVFzysEGwgy25FTYa
84o12vhUNwwDZ7E2RQgzb8R5Xrc1bbRXK0I4wMG2ssMktwcFAgSv6BurBgWdycbe
nBUbpgXug5jQHg/MhmJJ1q3DwQKBgQDu5Lhqj6BsH/Nxsc39yLpgDTkW+MLozDov
MgtKZI0haT4Rn3DSHuTYEPOfnvB/6r75eH7pMReUvwQ9hCtzoB9S0hiTXW4BNFdd
uRtKJ5bmvUNN0d/katBVlB5CcwTOWhwzueqJSjJJLQ6HAwJRrCe8A2ywR8KKOtVR
+uOiLOD+bQKBgEuN14IA286XgiIAS04B5kiiyK8Cn9fuKjGpe0GPLEQcsDLWiwF0
UNSvNt/IeFze9/zBVs36DbiobYcgRq6gkPdH7yPMKbRFMvwkargkRR2rRQ0IZVzS
i1uh3Kcv1wfrmJkjLVM1xCn6ouZnjLqHbzmECRT7XwLJOvYLH9xAd+HBAoGBAI4r
O7zfAN+YHC77W9W+kXv8Io+TN5uHftD7fVCmin7pvPCL7H5/uD0FyZai5gmaUFDy
7sQkXR4+l21srNdA4aNOOSXqIj9BQQUb1ivJZ7qlw9oaHp43Gwjy/xcYkDGl2sbF
y9gsecSmtdCPb9/fDj6L4zD9Y78TyEPjhXjMMJH5AoGBALJ1tEF1g1iQ/glIxneD
do3zAwjXLY5mj/t5N8H96lco+/VkDzWv+w1mKzcDlJWtAq1pFBGZp1cwvIkUTZi9
/+oLRJJqpqbTbzWVEzEty3fsj7N4Qfp59rwYSO4L21v8fM+f4PqexS7lSaN29zUU
Oqqymz5cmIok0ZaJTajSlx2k
-----END PRIVATE KEY-----"""
_SALT = "demo-salt"
_ISSUER = {
    "@context": "https://w3id.org/openbadges/v2",
    "id": "https://badges.open-learning-lab.example/issuer.json",
    "type": "Issuer",
    "name": "Open Learning Lab",
    "url": "https://open-learning-lab.example",
    "email": "badges@open-learning-lab.example",
    "publicKey": ["https://badges.open-learning-lab.example/keys/1.json"],
    "revocationList": "https://badges.open-learning-lab.example/revocations.json",
}


def _hashed_recipient() -> dict[str, object]:
    digest = hashlib.sha256((DEMO_IDENTITY + _SALT).encode()).hexdigest()
    return {"type": "email", "hashed": True, "salt": _SALT, "identity": f"sha256${digest}"}


def _badge_png(label: str, colour: str) -> bytes:
    image = Image.new("RGBA", (256, 256), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, 248, 248), fill=colour, outline="white", width=10)
    draw.text((128, 128), label, fill="white", anchor="mm", font_size=64)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _badge_svg(label: str, colour: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">\n'
        f'  <polygon points="128,8 240,72 240,184 128,248 16,184 16,72" fill="{colour}" stroke="white" '
        'stroke-width="8"/>\n'
        f'  <text x="128" y="150" font-size="64" text-anchor="middle" fill="white" font-family="sans-serif">{label}'
        "</text>\n</svg>\n"
    ).encode()


_BASE = "https://badges.open-learning-lab.example"
_KEY_URL = f"{_BASE}/keys/1.json"
_REVOCATIONS_URL = f"{_BASE}/revocations.json"
_OB2_CONTEXT = "https://w3id.org/openbadges/v2"


def _badge_class(slug: str, name: str, description: str) -> dict[str, object]:
    return {
        "@context": _OB2_CONTEXT,
        "type": "BadgeClass",
        "id": f"{_BASE}/badges/{slug}.json",
        "name": name,
        "description": description,
        "image": f"{_BASE}/badges/{slug}.png",
        "criteria": {"narrative": f"Completed the {name} course and its final project."},
        "issuer": _ISSUER["id"],
        "alignment": [
            {
                "targetName": "Digital competence",
                "targetUrl": "http://data.europa.eu/esco/skill/S5",
                "targetFramework": "ESCO",
                "targetCode": "S5",
            }
        ],
    }


def _ob2_assertion(slug: str, issued_on: str, *, expires: str | None = None) -> dict[str, object]:
    assertion: dict[str, object] = {
        "@context": _OB2_CONTEXT,
        "type": "Assertion",
        "id": f"{_BASE}/assertions/{slug}.json",
        "recipient": _hashed_recipient(),
        "issuedOn": issued_on,
        "verification": {"type": "hosted"},
        "badge": f"{_BASE}/badges/{slug}.json",
    }
    if expires:
        assertion["expires"] = expires
    return assertion


_ACADEMY = "https://european-skills-academy.example"
_STATUS_LIST_URL = f"{_ACADEMY}/status/1"
_STATUS_LIST_ENTRIES = 131_072


def _ob3_credential(
    issuer_did: str,
    slug: str,
    name: str,
    description: str,
    valid_from: str,
    valid_until: str | None = None,
    *,
    status_index: int | None = None,
) -> dict[str, object]:
    digest = hashlib.sha256(slug.encode()).hexdigest()
    credential: dict[str, object] = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": f"urn:uuid:{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-8{digest[17:20]}-{digest[20:32]}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": name,
        "issuer": {"id": issuer_did, "type": ["Profile"], "name": "European Skills Academy", "url": _ACADEMY},
        "validFrom": valid_from,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": "sha256$" + hashlib.sha256((DEMO_IDENTITY + _SALT).encode()).hexdigest(),
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": _SALT,
                }
            ],
            "achievement": {
                "id": f"{_ACADEMY}/achievements/{slug}",
                "type": ["Achievement"],
                "achievementType": "Competency",
                "name": name,
                "description": description,
                "criteria": {"narrative": f"Passed the {name} assessment."},
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": "Digital competence",
                        "targetUrl": "http://data.europa.eu/esco/skill/S5",
                        "targetFramework": "ESCO",
                        "targetCode": "S5",
                    }
                ],
            },
        },
    }
    if valid_until:
        credential["validUntil"] = valid_until
    if status_index is not None:
        credential["credentialStatus"] = {
            "id": f"{_STATUS_LIST_URL}#{status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(status_index),
            "statusListCredential": _STATUS_LIST_URL,
        }
    return credential


def _status_list(issuer_did: str, revoked: set[int]) -> dict[str, object]:
    bits = bytearray(_STATUS_LIST_ENTRIES // 8)
    for index in revoked:
        bits[index // 8] |= 0x80 >> (index % 8)  # bit 0 is the most significant bit of byte 0
    encoded = base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).decode().rstrip("=")
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": _STATUS_LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{_STATUS_LIST_URL}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": "u" + encoded,
        },
    }


def _qr_photo(url: str) -> bytes:
    """A printed badge card photographed by a phone: off-white paper, slight rotation, blur, JPEG compression."""
    qr = io.BytesIO()
    segno.make(url, error="m").save(qr, kind="png", scale=8, border=4)
    code = Image.open(io.BytesIO(qr.getvalue())).convert("RGB")
    card = Image.new("RGB", (900, 620), (244, 240, 228))
    draw = ImageDraw.Draw(card)
    draw.text((40, 40), "Community Mentor", fill=(40, 40, 60), font_size=44)
    draw.text((40, 100), "Open Learning Lab · scan to verify", fill=(90, 90, 110), font_size=26)
    card.paste(code, (520, 200))
    photo = card.rotate(4, expand=True, fillcolor=(70, 60, 50)).filter(ImageFilter.GaussianBlur(0.8))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=72)
    return out.getvalue()


@dataclass(frozen=True)
class DemoContent:
    files: dict[str, bytes]
    """The badge files a learner would have, by file name."""
    documents: dict[str, tuple[int, Mapping[str, object]]]
    """What the demo issuer serves: URL -> (HTTP status, JSON document)."""


def demo_content() -> DemoContent:
    classes = {
        "python-foundations": ("Python Foundations", "Writes, tests and packages small Python programs."),
        "data-literacy": ("Data Literacy", "Reads, cleans and charts real-world data sets."),
        "spreadsheet-basics": ("Spreadsheet Basics", "Formulas, tables and charts in a spreadsheet."),
        "community-mentor": ("Community Mentor", "Mentored newcomers through their first contributions."),
    }
    hosted = _ob2_assertion("python-foundations", "2026-03-14T10:00:00Z")
    expired = _ob2_assertion("spreadsheet-basics", "2024-01-20T09:00:00Z", expires="2025-12-31T23:59:59Z")
    mentor = _ob2_assertion("community-mentor", "2025-11-02T16:00:00Z")
    signed = _ob2_assertion("data-literacy", "2026-05-02T09:30:00Z")
    signed["id"] = "urn:uuid:6b0e5c1e-3f0a-4d8e-9a51-2f4c7a9d1e01"
    signed["verification"] = {"type": "SignedBadge", "creator": _KEY_URL}
    rsa = RSAKey.import_key(_LAB_KEY_PEM)
    signed_jws = jws.serialize_compact({"alg": "RS256"}, json.dumps(signed).encode(), rsa)
    public_pem = rsa.as_pem(private=False).decode()

    documents: dict[str, tuple[int, Mapping[str, object]]] = {
        str(_ISSUER["id"]): (200, _ISSUER),
        _KEY_URL: (
            200,
            {
                "@context": _OB2_CONTEXT,
                "type": "CryptographicKey",
                "id": _KEY_URL,
                "owner": _ISSUER["id"],
                "publicKeyPem": public_pem,
            },
        ),
        _REVOCATIONS_URL: (
            200,
            {"@context": _OB2_CONTEXT, "type": "RevocationList", "id": _REVOCATIONS_URL, "revokedAssertions": []},
        ),
    }
    for slug, (name, description) in classes.items():
        documents[f"{_BASE}/badges/{slug}.json"] = (200, _badge_class(slug, name, description))
    for assertion in (hosted, expired):
        documents[str(assertion["id"])] = (200, assertion)
    documents[str(mentor["id"])] = (
        200,
        {
            "@context": _OB2_CONTEXT,
            "id": mentor["id"],
            "badge": mentor["badge"],
            "revoked": True,
            "revocationReason": "Issued in error",
        },
    )

    # OB 3.0: one did:key issuer signs Data Integrity credentials, a VC-JWT and its own status list.
    academy_key = Ed25519PrivateKey.from_private_bytes(_ACADEMY_SEED)
    multikey = encode_multikey(academy_key.public_key())
    academy, method = f"did:key:{multikey}", f"did:key:{multikey}#{multikey}"
    signed_at = "2025-01-01T00:00:00Z"

    def sign(document: dict[str, object]) -> dict[str, object]:
        return sign_eddsa_rdfc_2022(document, academy_key, method, created=signed_at)

    accessibility = sign(
        _ob3_credential(
            academy,
            "accessible-web-design",
            "Accessible Web Design",
            "Builds web pages that meet WCAG 2.2 AA.",
            "2025-09-01T00:00:00Z",
            "2029-09-01T00:00:00Z",
            status_index=3,
        )
    )
    leadership = sign(
        _ob3_credential(
            academy,
            "team-leadership",
            "Team Leadership",
            "Leads a small team through a project.",
            "2025-03-01T00:00:00Z",
            status_index=7,
        )
    )
    cloud = sign(
        _ob3_credential(
            academy,
            "cloud-fundamentals",
            "Cloud Fundamentals",
            "Deploys and monitors a small web service.",
            "2024-02-01T00:00:00Z",
            "2025-06-30T23:59:59Z",
        )
    )
    documents[_STATUS_LIST_URL] = (200, sign(_status_list(academy, revoked={7})))
    git = _ob3_credential(
        academy, "git-essentials", "Git Essentials", "Branches, merges and reviews with Git.", "2026-02-10T00:00:00Z"
    )
    git_claims = {**git, "iss": academy, "jti": git["id"], "nbf": 1770681600}
    jwk = OKPKey.import_key(
        academy_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # joserfc calls the "EdDSA" name deprecated (RFC 9864); verifiers expect it
        git_jwt = jws.serialize_compact(
            {"alg": "EdDSA", "typ": "JWT", "kid": method}, json.dumps(git_claims).encode(), jwk, algorithms=["EdDSA"]
        )
    files = {
        "python-foundations.png": bake(_badge_png("Py", "#3f6fb5"), classify_payload(json.dumps(hosted))),
        "spreadsheet-basics.png": bake(_badge_png("XL", "#b58a3f"), classify_payload(json.dumps(expired))),
        "data-literacy.svg": bake(_badge_svg("DL", "#2f8f6b"), classify_payload(signed_jws)),
        "accessible-web-design.png": bake(_badge_png("A11y", "#8a3fb5"), classify_payload(json.dumps(accessibility))),
        "team-leadership.svg": bake(_badge_svg("TL", "#8f2f5a"), classify_payload(json.dumps(leadership))),
        "cloud-fundamentals.png": bake(_badge_png("☁", "#2f6f8f"), classify_payload(json.dumps(cloud))),
        "git-essentials.svg": bake(_badge_svg("Git", "#c2552f"), classify_payload(git_jwt)),
        "community-mentor-card.jpg": _qr_photo(str(mentor["id"])),
    }
    return DemoContent(files, documents)


def demo_files() -> dict[str, bytes]:
    """The demo badge files, by file name."""
    return demo_content().files


def write_demo_files(folder: Path) -> list[Path]:
    """Write the sample badge files into ``folder`` (created if needed); returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in demo_files().items():
        path = folder / name
        path.write_bytes(data)
        paths.append(path)
    return paths


def _cache_documents(store: Store, content: DemoContent) -> None:
    cache = StoreResponseCache(store)
    now = time.time()
    for url, (status, document) in content.documents.items():
        body = json.dumps(document, indent=2).encode()
        cache.put(CachedResponse(url, status, "application/ld+json", body, fetched_at=now, max_age=_CACHED_FOR))
    cache.flush()


def seed_demo(store: Store, *, folder: Path | None = None) -> int:
    """Put the demo in ``store``: the demo issuers' documents in its cache, the demo identity, the sample files
    (written into ``folder``, default ``<home>/demo-files``) imported, verified and gathered in the "Demo"
    collection. Running it again refreshes the same badges. Returns the number of badges."""
    content = demo_content()
    folder = folder or store.home / "demo-files"
    folder.mkdir(parents=True, exist_ok=True)
    _cache_documents(store, content)
    previous = store.get_setting(_DEMO_SETTING) or {}
    already_added = bool(previous.get("identity_added")) and not previous.get("removed")
    _row, added = store.add_identity("email", DEMO_IDENTITY)
    records: list[BadgeRecord] = []
    for name, data in content.files.items():
        path = folder / name
        path.write_bytes(data)
        records.extend(record for record, _created in import_bytes(store, LoadedSource("file", str(path), data)))
    verify_records(store, records, fetch_policy=FetchPolicy(offline=True))
    ids = list(dict.fromkeys(record.id for record in records))
    names = {collection.name for collection in badge_collections.list_collections(store)}
    if DEMO_COLLECTION not in names:
        badge_collections.create_collection(
            store,
            DEMO_COLLECTION,
            description="Sample badges that show what the backpack does. Remove them with: backpack demo remove",
        )
    badge_collections.add_badges(store, DEMO_COLLECTION, ids)
    store.set_setting(_DEMO_SETTING, {"badges": ids, "identity_added": added or already_added, "removed": False})
    return len(records)


def has_demo(store: Store) -> bool:
    """Whether the demo badges are in this backpack (and not removed)."""
    state = store.get_setting(_DEMO_SETTING) or {}
    return bool(state.get("badges")) and not state.get("removed")


def offer_demo(store: Store) -> bool:
    """On a backpack's first opening, with no badge yet, put the demo in it. Once removed, it is not offered
    again (``backpack demo`` brings it back). Returns whether the demo was added."""
    if store.get_setting(_DEMO_SETTING) is not None or store.list_badges():
        return False
    seed_demo(store)
    return True


@dataclass(frozen=True)
class DemoRemoval:
    badges: list[BadgeRecord]
    """The demo badges removed (badges of the demo that the user removed already are not listed)."""
    identity_removed: bool
    """Whether the demo identity went too (it stays when the user had added it themselves)."""


def remove_demo(store: Store) -> DemoRemoval:
    """Take the demo out of the backpack: its badges, the "Demo" collection and the demo identity. The demo
    issuers' cached documents stay, so the sample files still verify when imported."""
    state = store.get_setting(_DEMO_SETTING) or {}
    removed: list[BadgeRecord] = []
    for badge_id in state.get("badges") or []:
        try:
            record, _collections = badge_collections.remove_badge(store, badge_id)
        except NotFound:
            continue  # removed by hand already
        removed.append(record)
    if any(collection.name == DEMO_COLLECTION for collection in badge_collections.list_collections(store)):
        badge_collections.delete_collection_and_shares(store, DEMO_COLLECTION)
    identity_removed = False
    if state.get("identity_added") and any(row["value"] == DEMO_IDENTITY for row in store.list_identities()):
        store.remove_identity(DEMO_IDENTITY)
        identity_removed = True
    store.set_setting(_DEMO_SETTING, {"badges": [], "identity_added": False, "removed": True})
    return DemoRemoval(removed, identity_removed)
