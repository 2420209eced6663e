"""The owner's view at ``/``: the backpack as the TUI shows it (badges, every check, collections, shares), import by
upload, share and unshare, and what only the owner does with a share (Add to LinkedIn, the embed code).

Who may open it:

* **on this machine** — served by ``backpack serve`` on a loopback address (``OWNER_OPEN_ON_LOOPBACK``), to a browser
  on this machine (loopback client, loopback ``Host``: a DNS-rebinding page names another host), for a backpack
  whose share links are local too (no public URL, in the environment or saved);
* **anywhere else** — with the owner's key (``OWNER_TOKEN``, else ``BACKPACK_HOME/owner-token``, made once with
  mode 0600), given once as ``?token=…``, as Jupyter does: it sets a signed session cookie and the address bar
  loses the key at once.

Every act is a wallet function; this module parses the form and renders the answer. The app's CSRF check covers
every form (``webview.security``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from verifier import CheckResult
from wallet import badge_collections as collections
from wallet import shares
from wallet.check_words import plain_words
from wallet.errors import NotFound, WalletError
from wallet.exporting import parse_window
from wallet.importer import import_uploads
from wallet.receiving import ReceiveOptions
from wallet.settings import Settings, fetch_policy, is_loopback_host, load_settings
from wallet.status_words import words_for
from wallet.store import BadgeRecord, Store
from wallet.verification import verify_records

from .share import checked_ago, linkedin_add_url
from .store import get_store

__all__ = ["bp", "owner_token", "owner_url"]

bp = Blueprint("owner", __name__)

_SESSION_KEY = "owner"
_TOKEN_FILE = "owner-token"
EXPIRY_CHOICES = {"": "never", "7d": "in 7 days", "30d": "in 30 days", "90d": "in 90 days", "365d": "in a year"}


# -- who may open it ------------------------------------------------------------------------------------------------


def owner_token(home: Path, configured: str | None = None) -> str:
    """The owner's key: ``configured`` when given, else the backpack's own (created once, mode 0600)."""
    if configured:
        return configured
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = home / _TOKEN_FILE
    try:
        return path.read_text("ascii").strip()
    except FileNotFoundError:
        value = secrets.token_urlsafe(24)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker made it first: theirs wins
            return path.read_text("ascii").strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(value)
        return value


def owner_url(base: str, token: str | None) -> str:
    """The address that opens the owner's view: ``base`` with the key when one is needed."""
    return f"{base.rstrip('/')}/" + (f"?{urlencode({'token': token})}" if token else "")


def _token() -> str:
    # Read (or made) on the first visit to the owner's view: an app that serves only share pages writes nothing.
    token: str | None = current_app.extensions.get("backpack_owner_token")
    if token is None:
        token = owner_token(Path(current_app.config["BACKPACK_HOME"]), current_app.config.get("OWNER_TOKEN"))
        current_app.extensions["backpack_owner_token"] = token
    return token


def _mark(token: str) -> str:
    # What the session keeps: a digest, so the cookie never carries the key and a new key ends old sessions.
    return hashlib.sha256(f"backpack-owner:{token}".encode()).hexdigest()


def open_here(settings: Settings) -> bool:
    """Whether this request may see the owner's view without the key: see the module's docstring."""
    if not current_app.config.get("OWNER_OPEN_ON_LOOPBACK") or settings.public:
        return False
    host = urlsplit(f"//{request.host}").hostname or ""
    return is_loopback_host(request.remote_addr or "") and is_loopback_host(host)


@bp.before_request
def require_owner() -> Any:
    key = _token()
    given = request.args.get("token")
    if given is not None:
        if not hmac.compare_digest(_mark(given), _mark(key)):
            return _locked("This key does not open this backpack: copy the link `backpack serve` printed again.")
        session[_SESSION_KEY] = _mark(given)
        session.permanent = True
        rest = {k: v for k, v in request.args.items(multi=True) if k != "token"}
        # Away from the address bar (and from history and Referer headers) at once.
        return redirect(request.path + (f"?{urlencode(rest)}" if rest else ""), code=303)
    if open_here(load_settings(get_store())):
        return None
    marked = session.get(_SESSION_KEY)
    if isinstance(marked, str) and hmac.compare_digest(marked, _mark(key)):
        return None
    return _locked(None)


def _locked(problem: str | None) -> Response:
    response = Response(render_template("owner/locked.html", problem=problem), status=403)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.after_request
def private(response: Response) -> Response:
    # The owner's pages hold private data (identities, every share): never kept by a cache, never sent as Referer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# -- what the pages show --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BadgeRow:
    record: BadgeRecord
    symbol: str
    word: str
    checked_ago: str

    @property
    def status(self) -> str:
        return self.record.status


@dataclass(frozen=True)
class CheckRow:
    check: CheckResult
    plain: str
    """The sentence a person reads (``wallet.check_words``); ``check.message`` is the technical detail."""


@dataclass(frozen=True)
class ShareRow:
    share: shares.Share
    state: str
    url: str


def _now() -> datetime:
    return datetime.now(UTC)


def _row(record: BadgeRecord, now: datetime) -> BadgeRow:
    words = words_for(record.status)
    return BadgeRow(record, words.symbol, words.word, checked_ago(record.checked_at, now))


def _records(store: Store) -> list[BadgeRecord]:
    if not store.exists():
        return []
    # Newest first, as the TUI and `backpack list` show them: by issue date, then by import.
    return sorted(store.list_badges(), key=lambda r: (r.info.issued_on or "", r.imported_at), reverse=True)


def _share_rows(store: Store) -> list[ShareRow]:
    found = sorted(shares.list_shares(store), key=lambda s: s.created_at, reverse=True) if store.exists() else []
    return [ShareRow(s, s.state(), shares.share_url(store, s)) for s in found]


def _badge(store: Store, badge_id: str) -> BadgeRecord:
    try:
        return store.get_badge(badge_id)
    except (NotFound, WalletError):
        abort(404, description="There is no such badge in this backpack.")


def _share(store: Store, token: str) -> shares.Share:
    share = shares.find_share(store, token)
    if share is None:
        abort(404, description="There is no such share in this backpack.")
    return share


@bp.get("/")
def index() -> Any:
    store = get_store()
    now = _now()
    records = _records(store)
    by_id = {r.id: r for r in records}
    found = collections.list_collections(store) if store.exists() else []
    return render_template(
        "owner/index.html",
        badges=[_row(r, now) for r in records],
        collections=[(c, collections.progress(c, by_id)) for c in found],
        shares=_share_rows(store),
        settings=load_settings(store),
        expiry_choices=EXPIRY_CHOICES,
    )


@bp.get("/badges/<badge_id>")
def badge(badge_id: str) -> Any:
    store = get_store()
    record = _badge(store, badge_id)
    report = record.report
    checks = [CheckRow(c, plain_words(c)) for c in report.checks] if report else []
    in_collections = [c for c in collections.list_collections(store) if record.id in c.badge_ids]
    return render_template(
        "owner/badge.html",
        row=_row(record, _now()),
        report=report,
        checks=checks,
        collections=in_collections,
        shares=[s for s in _share_rows(store) if s.share.kind == "badge" and s.share.target == record.id],
        expiry_choices=EXPIRY_CHOICES,
    )


@bp.get("/collections/<collection_id>")
def collection(collection_id: str) -> Any:
    store = get_store()
    try:
        found = collections.get_collection(store, collection_id)
    except NotFound:
        abort(404, description="There is no such collection in this backpack.")
    by_id = {r.id: r for r in store.list_badges()}
    now = _now()
    return render_template(
        "owner/collection.html",
        collection=found,
        progress=collections.progress(found, by_id),
        badges=[_row(by_id[b], now) for b in found.badge_ids if b in by_id],
        shares=[s for s in _share_rows(store) if s.share.kind == "collection" and s.share.target == found.id],
        expiry_choices=EXPIRY_CHOICES,
    )


@bp.get("/shares/<token>")
def share(token: str) -> Any:
    store = get_store()
    found = _share(store, token)
    url = shares.share_url(store, found)
    if found.kind == "badge":
        records = [r for r in store.list_badges() if r.id == found.target]
    else:
        try:
            held = collections.get_collection(store, found.target)
        except NotFound:
            held = None
        by_id = {r.id: r for r in store.list_badges()}
        records = [by_id[b] for b in held.badge_ids if b in by_id] if held else []
    public = [shares.public_badge(r) for r in records]
    settings = load_settings(store)
    return render_template(
        "owner/share.html",
        share=found,
        state=found.state(),
        url=url,
        settings=settings,
        linkedin=[(b, linkedin_add_url(b, url)) for b in public],
        social_url="https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url}),
        embed_url=settings.base_url + url_for("share.embed", token=found.token),
    )


# -- what the owner does --------------------------------------------------------------------------------------------


@bp.post("/import")
def import_files() -> Any:
    files = [(f.filename or "upload", f.read()) for f in request.files.getlist("files") if f.filename]
    if not files:
        flash("Choose one or more badge files (PNG, SVG, JSON, a photo of a QR code) first.", "problem")
        return redirect(url_for("owner.index"))
    store = get_store()
    policy = fetch_policy(load_settings(store))
    tx_code = request.form.get("tx_code", "").strip()[:64] or None  # an issuer's PIN, for an offer photo
    outcome = import_uploads(store, files, policy=policy, receive=ReceiveOptions(policy=policy, tx_code=tx_code))
    for failed in outcome.failures:
        flash(f"{failed.source}: {failed.error}", "problem")
    # As checked: verification names a hosted badge that its file did not.
    checked = {record.id: record for record, _report in outcome.verified}
    imported = [checked.get(r.id, r) for r in outcome.records]
    if imported:
        names = ", ".join(r.display_name for r in imported)
        flash(f"Imported {len(imported)} badge{'s' if len(imported) != 1 else ''}: {names}", "done")
    if len(imported) == 1:
        return redirect(url_for("owner.badge", badge_id=imported[0].id))
    return redirect(url_for("owner.index"))


@bp.post("/badges/<badge_id>/check")
def check_again(badge_id: str) -> Any:
    store = get_store()
    record = _badge(store, badge_id)
    ((_, report),) = verify_records(store, [record], fetch_policy=fetch_policy(load_settings(store)))
    flash(f"Checked again: {words_for(report.status).word}.", "done")
    return redirect(url_for("owner.badge", badge_id=record.id))


@bp.post("/share")
def create() -> Any:
    ref = request.form.get("ref", "").strip()
    raw = request.form.get("expires", "")
    if raw not in EXPIRY_CHOICES:
        abort(400, description="Choose how long the link works from the list.")
    try:
        created = shares.create_share(get_store(), ref, expires_in=parse_window(raw) if raw else None)
    except WalletError as exc:
        abort(400, description=f"Nothing was shared: {exc}.")
    flash(f"Shared {created.label!r}: the link is below.", "done")
    return redirect(url_for("owner.share", token=created.token))


@bp.post("/shares/<token>/unshare")
def unshare(token: str) -> Any:
    store = get_store()
    found = _share(store, token)
    if found.state() == "active":
        shares.revoke_share(store, found.token)
        flash(f"The link to {found.label!r} is switched off: it answers “withdrawn” from now on.", "done")
    return redirect(url_for("owner.share", token=found.token))


def expires_in_words(value: str | None, now: datetime | None = None) -> str:
    """When a share's link stops working, in words."""
    if not value:
        return "works until you unshare it"
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    left = moment - (now or _now())
    if left <= timedelta(0):
        return f"expired on {value[:10]}"
    return f"works until {value[:10]}"


bp.add_app_template_filter(expires_in_words, "expires_in_words")
