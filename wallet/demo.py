"""The demo backpack: sample badges the project generates itself, so a new user sees the product at work at once.

Five badges in the forms a learner meets in practice: an OB 2.0 hosted assertion baked in a PNG, an OB 2.0 signed
assertion (JWS) baked in an SVG, an OB 3.0 credential baked in a PNG, an OB 3.0 VC-JWT baked in an SVG, and a phone
photo of a printed badge card with a QR code. The issuers live under ``.example`` domains, which never resolve.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import segno
from joserfc import jws
from joserfc.jwk import ECKey, RSAKey
from PIL import Image, ImageDraw, ImageFilter

from verifier import bake, classify_payload

from .importer import LoadedSource, import_bytes
from .store import Store

__all__ = ["DEMO_IDENTITY", "demo_files", "seed_demo"]

DEMO_IDENTITY = "ada.lovelace@example.com"
_SALT = "demo-salt"
_ISSUER = {
    "id": "https://badges.open-learning-lab.example/issuer.json",
    "type": "Profile",
    "name": "Open Learning Lab",
    "url": "https://open-learning-lab.example",
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


def _ob2_assertion(slug: str, name: str, description: str, issued_on: str) -> dict[str, object]:
    base = "https://badges.open-learning-lab.example"
    return {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": f"{base}/assertions/{slug}.json",
        "recipient": _hashed_recipient(),
        "issuedOn": issued_on,
        "verification": {"type": "hosted"},
        "badge": {
            "id": f"{base}/badges/{slug}.json",
            "type": "BadgeClass",
            "name": name,
            "description": description,
            "image": f"{base}/badges/{slug}.png",
            "criteria": {"narrative": f"Completed the {name} course and its final project."},
            "issuer": _ISSUER,
        },
    }


def _ob3_credential(slug: str, name: str, description: str, valid_from: str, valid_until: str | None) -> dict:
    credential: dict[str, object] = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": f"urn:uuid:{hashlib.sha256(slug.encode()).hexdigest()[:8]}-demo-4000-8000-{slug[:12]:0<12}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": name,
        "issuer": {
            "id": "https://european-skills-academy.example/issuers/1",
            "type": ["Profile"],
            "name": "European Skills Academy",
        },
        "validFrom": valid_from,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": DEMO_IDENTITY,
                    "identityType": "emailAddress",
                    "hashed": False,
                }
            ],
            "achievement": {
                "id": f"https://european-skills-academy.example/achievements/{slug}",
                "type": ["Achievement"],
                "name": name,
                "description": description,
                "criteria": {"narrative": f"Passed the {name} assessment."},
            },
        },
    }
    if valid_until:
        credential["validUntil"] = valid_until
    return credential


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


def demo_files() -> dict[str, bytes]:
    """The demo badge files, by file name."""
    hosted = _ob2_assertion(
        "python-foundations",
        "Python Foundations",
        "Writes, tests and packages small Python programs.",
        "2026-03-14T10:00:00Z",
    )
    signed = _ob2_assertion(
        "data-literacy",
        "Data Literacy",
        "Reads, cleans and charts real-world data sets.",
        "2026-05-02T09:30:00Z",
    )
    signed["verification"] = {
        "type": "SignedBadge",
        "creator": "https://badges.open-learning-lab.example/keys/1.json",
    }
    rsa = RSAKey.generate_key(2048)
    signed_jws = jws.serialize_compact({"alg": "RS256"}, json.dumps(signed).encode(), rsa)

    accessibility = _ob3_credential(
        "accessible-web-design",
        "Accessible Web Design",
        "Builds web pages that meet WCAG 2.2 AA.",
        "2025-09-01T00:00:00Z",
        "2027-09-01T00:00:00Z",
    )
    git = _ob3_credential(
        "git-essentials", "Git Essentials", "Branches, merges and reviews with Git.", "2026-02-10T00:00:00Z", None
    )
    p256 = ECKey.generate_key("P-256")
    git_claims = {**git, "iss": git["issuer"]["id"], "jti": git["id"], "nbf": 1770681600}  # type: ignore[index]
    git_jwt = jws.serialize_compact(
        {"alg": "ES256", "typ": "JWT", "jwk": p256.as_dict(private=False)},
        json.dumps(git_claims).encode(),
        p256,
    )
    return {
        "python-foundations.png": bake(_badge_png("Py", "#3f6fb5"), classify_payload(json.dumps(hosted))),
        "data-literacy.svg": bake(_badge_svg("DL", "#2f8f6b"), classify_payload(signed_jws)),
        "accessible-web-design.png": bake(_badge_png("A11y", "#8a3fb5"), classify_payload(json.dumps(accessibility))),
        "git-essentials.svg": bake(_badge_svg("Git", "#c2552f"), classify_payload(git_jwt)),
        "community-mentor-card.jpg": _qr_photo("https://badges.open-learning-lab.example/assertions/mentor.json"),
    }


def seed_demo(store: Store, *, folder: Path | None = None) -> int:
    """Write the demo files (into ``folder``, default ``<home>/demo-files``) and import them. Returns the count."""
    folder = folder or store.home / "demo-files"
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for name, data in demo_files().items():
        path = folder / name
        path.write_bytes(data)
        count += len(import_bytes(store, LoadedSource("file", str(path), data)))
    return count
