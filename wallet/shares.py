"""Share links: what the earner chose to make public — one collection or one badge, never the whole backpack.

A share is an unguessable token (256 bits from ``secrets``), optionally expiring, revocable at once. The public base
URL comes from the backpack's settings (``wallet.settings``: ``BACKPACK_PUBLIC_URL``, else the saved public URL, else
the local ``backpack serve`` address). Stored in the ``shares`` table.
"""

from __future__ import annotations

import hmac
import mimetypes
import re
import secrets
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

from verifier import CheckResult, Report, VerifierError

from . import badge_collections
from .errors import AmbiguousId, NotFound, WalletError
from .settings import DEFAULT_PUBLIC_URL
from .settings import public_url as _settings_public_url
from .store import BadgeRecord, Store, now_iso
from .verification import stored_payload

__all__ = [
    "DEFAULT_PUBLIC_URL",
    "PUBLIC_IMAGE_TYPES",
    "PublicBadge",
    "Share",
    "ShareError",
    "active_share_for_badge",
    "create_share",
    "exposed_identities",
    "find_share",
    "holder_binding",
    "list_shares",
    "public_badge",
    "public_badge_from_report",
    "public_image_type",
    "public_report",
    "public_url",
    "recipient_did",
    "revoke_share",
    "share_targets",
    "share_url",
]

ShareKind = Literal["collection", "badge"]


class ShareError(WalletError):
    code = "share_invalid"


@dataclass(frozen=True)
class Share:
    token: str
    kind: ShareKind
    target: str
    """The collection id or the badge id."""
    label: str
    created_at: str
    expires_at: str | None = None
    revoked_at: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Share:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def state(self, now: datetime | None = None) -> Literal["active", "expired", "revoked"]:
        if self.revoked_at:
            return "revoked"
        if self.expires_at and datetime.fromisoformat(self.expires_at.replace("Z", "+00:00")) <= (
            now or datetime.now(UTC)
        ):
            return "expired"
        return "active"


def _new_token() -> str:
    """256 random bits, url-safe; never starting with "-", which a command line would take for an option."""
    while True:
        token = secrets.token_urlsafe(32)
        if not token.startswith("-"):
            return token


def public_url(store: Store | None = None) -> str:
    """The web view's public base URL: ``BACKPACK_PUBLIC_URL``, else the backpack's setting, else the local one."""
    return _settings_public_url(store)


def share_url(store: Store, share: Share) -> str:
    return f"{public_url(store)}/s/{share.token}"


def create_share(store: Store, ref: str, *, expires_in: timedelta | None = None) -> Share:
    """Share a collection (by name or id) or a single badge (by id)."""
    kind: ShareKind
    try:
        collection = badge_collections.get_collection(store, ref)
        kind, target, label = "collection", collection.id, collection.name
    except NotFound:
        try:
            record = store.get_badge(ref)
        except AmbiguousId:
            raise
        except NotFound:
            raise NotFound(f"no collection named {ref!r} and no badge with that id in this backpack") from None
        kind, target, label = "badge", record.id, record.info.name or record.id
    if expires_in is not None and expires_in <= timedelta(0):
        raise ShareError("the expiry must be in the future")
    expires_at = None
    if expires_in is not None:
        expires_at = (datetime.now(UTC) + expires_in).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    share = Share(
        token=_new_token(),
        kind=kind,
        target=target,
        label=label,
        created_at=now_iso(),
        expires_at=expires_at,
    )
    with store.transaction(write=True) as db:
        db.insert("shares", share.to_dict())
    return share


def list_shares(store: Store) -> list[Share]:
    with store.transaction() as db:
        return [Share.from_dict(row) for row in db.all("shares")]


def find_share(store: Store, token: str) -> Share | None:
    """The share with exactly this token (any state), or None. Tokens are compared in full, never by prefix, and
    in constant time, each one: how long a lookup takes says nothing about how close a guess came."""
    if not token or len(token) > 100:
        return None
    wanted = token.encode("utf-8", "surrogatepass")
    with store.transaction() as db:
        rows = db.all("shares")
    found: dict[str, Any] | None = None
    for row in rows:
        if hmac.compare_digest(str(row.get("token", "")).encode("utf-8", "surrogatepass"), wanted) and found is None:
            found = dict(row)
    return Share.from_dict(found) if found is not None else None


def _token_of(ref: str) -> str:
    return ref.rstrip("/").rsplit("/s/", 1)[-1] if "/s/" in ref else ref.strip()


def revoke_share(store: Store, ref: str) -> list[Share]:
    """Revoke a share by token or URL, or every active share of a collection or badge (by name or id)."""
    token = _token_of(ref)
    with store.transaction(write=True) as db:
        rows = db.find("shares", token=token)
        if not rows:
            wanted = ref.strip().casefold()
            rows = [
                row
                for row in db.all("shares")
                if not row.get("revoked_at")
                and (row["label"].casefold() == wanted or (len(wanted) >= 4 and row["target"].startswith(wanted)))
            ]
        if not rows:
            raise NotFound(f"no share matches {ref!r} (give its URL, its token, or what it shares)")
        revoked_at = now_iso()
        db.update_each("shares", "token", {row["token"]: {"revoked_at": revoked_at} for row in rows})
        return [Share.from_dict({**row, "revoked_at": revoked_at}) for row in rows]


def active_share_for_badge(store: Store, badge_id: str) -> Share | None:
    """The newest active single-badge share of a badge (what a printed card's QR code should point at)."""
    active = [s for s in list_shares(store) if s.kind == "badge" and s.target == badge_id and s.state() == "active"]
    return max(active, key=lambda s: s.created_at) if active else None


# -- what a share page shows ------------------------------------------------------------------------------------------

PUBLIC_IMAGE_TYPES = frozenset({"image/png", "image/svg+xml", "image/jpeg", "image/webp", "image/gif"})
_PUBLIC_NAME = "Open Badge"
_NOT_CHECKED = "the recipient was not checked"
_NOT_HOLDERS = "issued to someone other than this portfolio's holder"
_HOLDERS_KEY = "issued to the holder of this page's key (the portfolio on this page is signed with it)"
_OTHER_DID = "issued to a DID other than this page's key: ask the candidate to prove it is theirs"
_KIND_NAMES = {
    "email": "an e-mail address",
    "url": "a web address",
    "telephone": "a phone number",
    "did": "a DID",
    "identifier": "an identifier",
}
"""How a page names the kind of identity a badge was issued to (OB 2.0 ``type``, OB 3.0 ``identityType``)."""
_KIND_ALIASES = {"emailaddress": "email", "mailto": "email", "phonenumber": "telephone", "tel": "telephone"}
_ASK = "ask the candidate for it, then check it on the verify page"
# Sentences pages showed before: a share host keeps public reports, and redacting them again must keep their words.
_EARLIER_SENTENCES = (
    "issued to the owner of this portfolio (their identity is not shown)",
    "not issued to the owner of this portfolio",
    "issued to the holder who published this page (they proved it with their key)",
    "issued to an identity of the holder that this host does not check (an email or another identifier)",
)


def _kind_words(kind: str, *, hashed: bool) -> str:
    if hashed:
        return f"issued to a hashed {_KIND_NAMES[kind].split(' ', 1)[1]}: {_ASK}"
    return f"issued to {_KIND_NAMES[kind]} (not shown here): {_ASK}"


_PUBLIC_SENTENCES = frozenset(
    {
        *_EARLIER_SENTENCES,
        _NOT_CHECKED,
        _NOT_HOLDERS,
        _HOLDERS_KEY,
        _OTHER_DID,
        *(_kind_words(kind, hashed=hashed) for kind in _KIND_NAMES for hashed in (False, True)),
    }
)


def _identity_kind(recipient: str) -> tuple[str, bool]:
    """The kind of identity a report's ``badge.recipient`` names ("hashed email", an address, a DID…), and whether
    it is hashed."""
    if recipient.startswith("hashed "):
        raw = recipient.removeprefix("hashed ").strip().lower()
        kind = _KIND_ALIASES.get(raw, raw)
        return (kind if kind in _KIND_NAMES else "identifier"), True
    scheme = recipient.split(":", 1)[0].lower() if ":" in recipient else ""
    if scheme == "did":
        return "did", False
    if scheme in ("http", "https"):
        return "url", False
    if scheme in _KIND_ALIASES:
        return _KIND_ALIASES[scheme], False
    if "@" in recipient and "/" not in recipient:
        return "email", False
    return "identifier", False


def holder_binding(report: Report, *, holder_did: str | None = None, proven: bool = False) -> str:
    """What binds the badge of ``report`` to the holder of a page, in plain words for a reader of that page, without
    the identity itself (unless it is the page's own key, a DID the page already shows in its signed portfolio).

    ``holder_did`` is the DID whose key signs the page's portfolio. ``proven`` says the page's holder proved that
    key (a share host verified their proof); otherwise the words say what the holder's own backpack found: the
    recipient check of ``report`` (run against the holder's identities) decides whether it is theirs at all.
    """
    check = report.check("recipient")
    if check is not None and check.message in _PUBLIC_SENTENCES:
        return check.message  # already public (a host's stored report): its words stay
    recipient = report.badge.recipient or ""
    kind, hashed = _identity_kind(recipient)
    if kind == "did" and holder_did is not None and recipient.split("#", 1)[0] == holder_did.split("#", 1)[0]:
        return _HOLDERS_KEY  # whatever identities the holder added: the page's own signature binds it
    if not proven and (check is None or check.outcome != "passed"):
        return _NOT_HOLDERS if check is not None and check.outcome == "failed" else _NOT_CHECKED
    if not recipient:
        return _NOT_CHECKED
    if kind == "did":
        return _OTHER_DID
    return _kind_words(kind, hashed=hashed)


@dataclass(frozen=True)
class PublicBadge:
    """A shared badge as the public sees it: what the issuer says about it and how its verification went, never
    the earner's identities (emails, DIDs) nor a photo of a printed card (it may carry more than the badge)."""

    id: str
    name: str | None
    description: str | None
    issuer_name: str | None
    issued: str
    """The issue date (``YYYY-MM-DD``) or empty; ``expires`` likewise."""
    expires: str
    status: str
    checked_at: str | None
    report: Report | None
    image_type: str | None
    """The media type of the badge's picture (its source file) when the public may see it, else None."""
    alignments: list[dict[str, str]] = field(default_factory=list)

    @property
    def title(self) -> str:
        """The badge's name, or a neutral "Open Badge": a share page never shows where an unfetched badge lives."""
        return self.name or _PUBLIC_NAME


def recipient_did(report: Report) -> str | None:
    """The DID a credential was issued to, when its recipient is one (without a fragment); None otherwise."""
    recipient = report.badge.recipient
    if isinstance(recipient, str) and recipient.startswith("did:"):
        return recipient.split("#", 1)[0]
    return None


def _recipient_check(check: CheckResult, report: Report, holder_did: str | None, proven: bool) -> CheckResult:
    if check.message in _PUBLIC_SENTENCES:
        return check  # already public (a host's stored report): its words and outcome stay
    words = holder_binding(report, holder_did=holder_did, proven=proven)
    if words == _HOLDERS_KEY:
        return CheckResult("recipient", "passed", words)
    if proven:
        # The host checked the holder's proof, not their other identities: only the key is confirmed.
        return CheckResult("recipient", "passed" if words == _HOLDERS_KEY else "skipped", words)
    return CheckResult(check.id, check.outcome, words)


def public_report(report: Report, *, holder_did: str | None = None, proven: bool | None = None) -> Report:
    """A copy of ``report`` without the earner's identities: no recipient, and a recipient check that says in plain
    words what binds the badge to the page's holder (:func:`holder_binding`).

    ``holder_did`` is the DID whose key signs the page's portfolio. For a presentation its holder signed and a
    share host verified (``proven``, the default when ``holder_did`` is given), the recipient check then says
    whether the credential was issued to that DID, and what kind of identity it names otherwise; for the holder's
    own web view (``proven=False``), it keeps the outcome the holder's backpack found. Redacting a public report
    again changes nothing.
    """
    proven = holder_did is not None if proven is None else proven
    checks = [c if c.id != "recipient" else _recipient_check(c, report, holder_did, proven) for c in report.checks]
    if proven and not any(c.id == "recipient" for c in checks):
        checks.append(_recipient_check(CheckResult("recipient", "skipped", ""), report, holder_did, proven))
    return replace(
        report,
        badge=replace(report.badge, recipient=None),
        checks=checks,
        items=[public_report(item, holder_did=holder_did, proven=proven) for item in report.items],
    )


def public_image_type(image: str | None) -> str | None:
    """The media type of a badge's picture as its report names it (``badge.image``), when a page may show it: a
    ``data:`` URL's own type, an http(s) picture's type by its file name, or ``image/*`` when the name does not say
    (the issuer's server tells when the picture is fetched); None for anything else."""
    if not isinstance(image, str):
        return None
    if image.startswith("data:"):
        media = image[5:].split(",", 1)[0].split(";", 1)[0].strip().lower()
        return media if media in PUBLIC_IMAGE_TYPES else None
    if image.startswith(("https://", "http://")):
        guessed, _ = mimetypes.guess_type(urlsplit(image).path)
        return guessed if guessed in PUBLIC_IMAGE_TYPES else "image/*"
    return None


def public_badge(record: BadgeRecord, *, holder_did: str | None = None) -> PublicBadge:
    """What a share page may show of ``record``; ``holder_did`` is the DID whose key signs the page's portfolio."""
    info = record.info
    stored = record.report  # built afresh on each access: once here
    report = public_report(stored, holder_did=holder_did, proven=False) if stored else None
    media_type = record.source.media_type
    # A QR code's photo is not the badge's picture, and a photo may carry more (EXIF, the room around the card).
    shows_image = media_type in PUBLIC_IMAGE_TYPES and record.source.container != "image"
    return PublicBadge(
        id=record.id,
        name=info.name,
        description=info.description,
        issuer_name=info.issuer_name,
        issued=info.issued_date,
        expires=info.expires_date,
        status=report.status if report else "unchecked",
        checked_at=report.checked_at if report else None,
        report=report,
        image_type=media_type if shows_image else None,
        alignments=report.badge.alignments if report else [],
    )


def public_badge_from_report(badge_id: str, report: Report, *, checked_at: str | None = None) -> PublicBadge:
    """What a page may show of a badge known only by its verification report (a share host keeps no backpack
    record): the same view as :func:`public_badge`, its picture the one the report names. ``checked_at`` overrides
    the report's time (when the results were last confirmed)."""
    public = public_report(report)
    badge = public.badge
    return PublicBadge(
        id=badge_id,
        name=badge.name,
        description=badge.description,
        issuer_name=badge.issuer_name,
        issued=(badge.issued_on or "")[:10],
        expires=(badge.expires or "")[:10],
        status=public.status,
        checked_at=checked_at or public.checked_at,
        report=public,
        image_type=public_image_type(badge.image),
        alignments=badge.alignments,
    )


# -- identities a badge's own signed content reveals --------------------------------------------------------------

_EMAIL = re.compile(r"^(?:mailto:)?[^@\s]+@[^@\s]+\.[^@\s]+$", re.IGNORECASE)


def _plain_identities(credential: dict[str, Any]) -> list[str]:
    """E-mail addresses a credential names its earner by, in plain text: an OB 2.0 ``recipient`` or an OB 3.0
    ``identifier`` that is not hashed, or an e-mail as the subject's id. Hashed ones reveal nothing readable."""
    found: list[str] = []
    candidates: list[Any] = [credential.get("recipient")]
    subjects = credential.get("credentialSubject")
    for subject in subjects if isinstance(subjects, list) else [subjects]:
        if not isinstance(subject, dict):
            continue
        candidates.append({"identity": subject.get("id"), "hashed": False})
        candidates.append({"identity": subject.get("email"), "hashed": False})
        identifiers = subject.get("identifier")
        for identifier in identifiers if isinstance(identifiers, list) else [identifiers]:
            if isinstance(identifier, dict):
                candidates.append({"identity": identifier.get("identityHash"), "hashed": identifier.get("hashed")})
    for candidate in candidates:
        if not isinstance(candidate, dict) or candidate.get("hashed") not in (False, None, "false"):
            continue
        identity = candidate.get("identity")
        if isinstance(identity, str) and _EMAIL.match(identity.strip()) and identity.strip() not in found:
            found.append(identity.strip().removeprefix("mailto:"))
    return found


def exposed_identities(store: Store, records: list[BadgeRecord]) -> dict[str, list[str]]:
    """For each badge whose signed content names its earner by a plain-text e-mail: its display name and those
    e-mails. Sharing or publishing such a badge hands them to anyone with the link (inside the bundle and the
    downloadable image, which cannot be redacted without breaking the issuer's signature)."""
    exposed: dict[str, list[str]] = {}
    for record in records:
        try:
            credential = stored_payload(store, record).credential
        except (VerifierError, WalletError, OSError):
            continue
        identities = _plain_identities(credential) if isinstance(credential, dict) else []
        if identities:
            exposed[record.display_name] = identities
    return exposed


def share_targets(store: Store, ref: str) -> list[BadgeRecord]:
    """The badges a share of ``ref`` (a collection's name or id, or a badge id) would show."""
    try:
        collection = badge_collections.get_collection(store, ref)
    except NotFound:
        try:
            return [store.get_badge(ref)]
        except (NotFound, AmbiguousId):
            return []  # sharing it fails anyway, with its own message
    badges = {record.id: record for record in store.list_badges()}
    return [badges[b] for b in collection.badge_ids if b in badges]
