"""Share pages: ``/s/<token>`` for a shared collection or badge, with live verification, and what hangs off it
(badge images, the page's QR code, the signed bundle, a compact embeddable view, a status feed for the page's script).

Public, so: requests are rate limited per client address (``SHARE_RATE`` a minute, every route), and an address
that asked for ``SHARE_MISS_RATE`` unknown tokens in a minute is refused for a while, whatever it asks, so guessing
learns nothing; tokens are compared in constant time (``wallet.shares.find_share``). Nothing is cacheable without
asking again (``Cache-Control: no-cache``, with an ETag on images): a link its holder revoked answers 410 at once,
from every worker, and its images go with it. The counters live in each worker's memory: with several workers an
address gets up to that many times the rate.
"""

from __future__ import annotations

import functools
import io
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import segno
from flask import Blueprint, Response, abort, current_app, g, jsonify, render_template, request, url_for
from flask.blueprints import BlueprintSetupState

from verifier import FetchPolicy
from verifier.portfolio import GoneReason, gone_problem
from wallet import badge_collections as collections
from wallet import shares
from wallet.bundle import BundleError, build_bundle
from wallet.errors import NotFound
from wallet.holder import holder
from wallet.link_preview import PREVIEW_SIZE, link_preview_png
from wallet.settings import fetch_policy, load_settings
from wallet.shares import PublicBadge
from wallet.status_words import words_for
from wallet.store import BadgeRecord, Store
from wallet.verification import is_stale, refresh_stale

from .security import RateLimiter, too_many_requests
from .store import get_rechecker, get_store

__all__ = [
    "BadgeView",
    "badge_view",
    "bp",
    "checked_ago",
    "gone_problem_response",
    "linkedin_add_url",
    "preview_badge",
    "wants_json_ld",
    "wants_machine_readable",
]

bp = Blueprint("share", __name__)

_RATE_KEY = "backpack.share_rate_limiter"
_MISS_KEY = "backpack.share_miss_limiter"
_PERIOD = 60.0  # SHARE_RATE and SHARE_MISS_RATE are per minute
_REVALIDATE = "no-cache"  # caches may keep a copy, but must ask again before using it: a revoke shows at once


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    config = state.app.config
    state.app.extensions[_RATE_KEY] = RateLimiter(int(config.get("SHARE_RATE", 300)), _PERIOD)
    state.app.extensions[_MISS_KEY] = RateLimiter(int(config.get("SHARE_MISS_RATE", 20)), _PERIOD)


def _client() -> str:
    return request.remote_addr or "unknown"


@bp.before_request
def _rate_limit() -> None:
    client = _client()
    if current_app.extensions[_MISS_KEY].exhausted(client):
        too_many_requests("Too many links that do not exist were asked for from this address: wait a minute.", 60)
    limiter: RateLimiter = current_app.extensions[_RATE_KEY]
    if not limiter.allow(client):
        too_many_requests(
            f"These pages allow {limiter.rate} requests a minute from one address: wait a minute and try again.",
            max(1, round(limiter.per / max(limiter.rate, 1))),
        )


@bp.after_request
def _revalidate(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", _REVALIDATE)
    return response


def _fetch_policy(store: Store) -> FetchPolicy:
    # The holder's own settings, as in the CLI and the TUI (the public /verify page never uses them).
    return fetch_policy(load_settings(store), allow_private_network=current_app.config["ALLOW_PRIVATE_NETWORK"] or None)


@dataclass
class BadgeView:
    """One badge on a share page: its public view (``wallet.shares.public_badge``) and how the page words it."""

    badge: PublicBadge
    symbol: str
    word: str
    checked_ago: str
    page_url: str
    binding: str | None
    """What binds the badge to the page's holder, in plain words (``wallet.shares.holder_binding``)."""

    @property
    def linkedin_url(self) -> str:
        # Built when asked for (the public pages never show it): URL-encoding it is a tenth of a page's cost.
        return linkedin_add_url(self.badge, self.page_url)


def checked_ago(checked_at: str | None, now: datetime) -> str:
    """When a badge was last checked, in words ("checked 3 hours ago")."""
    if not checked_at:
        return "never checked"
    try:
        seconds = (now - datetime.fromisoformat(checked_at.replace("Z", "+00:00"))).total_seconds()
    except ValueError:
        return "checked at an unknown time"
    if seconds < 90:
        return "checked just now"
    if seconds < 5400:
        return f"checked {round(seconds / 60)} minutes ago"
    if seconds < 129600:
        return f"checked {round(seconds / 3600)} hours ago"
    return f"checked {round(seconds / 86400)} days ago"


def linkedin_add_url(badge: PublicBadge, page_url: str) -> str:
    """LinkedIn's "add a certification to your profile" link for ``badge``, pointing back at ``page_url``."""
    params = {"startTask": "CERTIFICATION_NAME", "name": badge.title, "certUrl": page_url}
    if badge.issuer_name:
        params["organizationName"] = badge.issuer_name
    if len(badge.issued) >= 7 and badge.issued[:4].isdigit() and badge.issued[5:7].isdigit():
        params["issueYear"], params["issueMonth"] = badge.issued[:4], str(int(badge.issued[5:7]))
    if len(badge.expires) >= 7 and badge.expires[:4].isdigit() and badge.expires[5:7].isdigit():
        params["expirationYear"], params["expirationMonth"] = badge.expires[:4], str(int(badge.expires[5:7]))
    params["certId"] = badge.id
    return "https://www.linkedin.com/profile/add?" + urlencode(params)


def badge_view(badge: PublicBadge, page_url: str, now: datetime) -> BadgeView:
    """How a share page (the web view's or a share host's) shows ``badge``."""
    words = words_for(badge.status)
    recipient = badge.report.check("recipient") if badge.report else None
    return BadgeView(
        badge=badge,
        symbol=words.symbol,
        word=words.word,
        checked_ago=checked_ago(badge.checked_at, now),
        page_url=page_url,
        binding=recipient.message if recipient else None,
    )


def preview_badge(views: list[BadgeView]) -> BadgeView | None:
    """The badge whose picture a page's link preview shows: the first with a raster picture, since link previews
    (LinkedIn, Twitter/X, Facebook) do not render SVG; else the first with any picture."""
    raster = next((v for v in views if v.badge.image_type not in (None, "image/svg+xml")), None)
    return raster or next((v for v in views if v.badge.image_type), None)


def _holder_did() -> str:
    """The DID whose key signs this backpack's portfolios (the page's bundle), once per request."""
    if "holder_did" not in g:
        g.holder_did = holder(get_store()).did
    did: str = g.holder_did
    return did


def _badge_view(record: BadgeRecord, page_url: str, now: datetime) -> BadgeView:
    return badge_view(shares.public_badge(record, holder_did=_holder_did()), page_url, now)


def gone_problem_response(reason: GoneReason, detail: str) -> Response:
    """The 410 answer to a machine (``wants_machine_readable``) for a link its holder withdrew or let expire: the
    problem document ``gone_problem``, so a verifier following the link reports the holder's act, never an issuer's
    revocation."""
    problem = jsonify(gone_problem(reason, detail))
    problem.status_code = 410
    problem.mimetype = "application/problem+json"
    problem.headers["Cache-Control"] = "no-store"
    problem.vary.add("Accept")
    return problem


def _active_share(token: str) -> shares.Share:
    store = get_store()
    share = shares.find_share(store, token)
    if share is None:
        current_app.extensions[_MISS_KEY].allow(_client())  # counts the miss
        abort(404, description="There is no shared portfolio at this address.")
    state = share.state()
    if state != "active":
        description = (
            f"This link was {'revoked' if state == 'revoked' else 'only valid for a while'} by "
            "its owner: ask them for a new one."
        )
        if wants_machine_readable():
            abort(gone_problem_response("withdrawn" if state == "revoked" else "expired", description))
        abort(410, description=description)
    return share


def _records(share: shares.Share) -> tuple[list[BadgeRecord], collections.Collection | None]:
    store = get_store()
    badges = {record.id: record for record in store.list_badges()}
    if share.kind == "badge":
        record = badges.get(share.target)
        if record is None:
            abort(410, description="This badge is no longer in its owner's backpack.")
        return [record], None
    try:
        collection = collections.get_collection(store, share.target)
    except NotFound:
        abort(410, description="This collection no longer exists.")
    return [badges[b] for b in collection.badge_ids if b in badges], collection


def _refresh(records: list[BadgeRecord]) -> list[BadgeRecord]:
    """Re-verify stale results in the background; wait a moment so a quick check shows at once, never longer."""
    store = get_store()
    now = datetime.now(UTC)
    max_age = timedelta(seconds=float(current_app.config["VERIFY_TTL_SECONDS"]))
    due = tuple(sorted(r.id for r in records if is_stale(r, max_age, now=now)))
    if not due:
        return records
    policy = _fetch_policy(store)
    home = store.home

    def refresh() -> list[BadgeRecord]:
        return refresh_stale(Store(home), due, fetch_policy=policy, max_age=max_age)

    future = get_rechecker().submit((str(home), *due), refresh)
    try:
        future.result(timeout=float(current_app.config.get("VERIFY_WAIT_SECONDS", 0.8)))
    except FutureTimeout:
        g.checking = True  # the page says so; its script (or a reload) picks the results up
        return records
    except Exception:  # noqa: BLE001 - a failed background check leaves the last results on the page
        current_app.logger.exception("background verification failed")
        return records
    fresh = {record.id: record for record in store.list_badges()}
    return [fresh.get(r.id, r) for r in records]


def wants_machine_readable() -> bool:
    """Whether the client prefers JSON (a verifier, a script) to a page."""
    best = request.accept_mimetypes.best_match(
        ["text/html", "application/ld+json", "application/json", "application/problem+json"]
    )
    return best not in (None, "text/html")


def wants_json_ld() -> bool:
    """Whether the client asks for the signed portfolio (JSON-LD) rather than the page."""
    best = request.accept_mimetypes.best_match(["text/html", "application/ld+json", "application/json"])
    return best in ("application/ld+json",)


@bp.get("/s/<token>")
def page(token: str) -> Any:
    share = _active_share(token)
    if wants_json_ld():
        return bundle(token)
    records, collection = _records(share)
    records = _refresh(records)
    store = get_store()
    page_url = shares.share_url(store, share)
    now = datetime.now(UTC)
    views = [_badge_view(record, page_url, now) for record in records]
    progress = collections.progress(collection, {r.id: r for r in records}) if collection else None
    display_name = load_settings(store).display_name
    base = shares.public_url(store)
    title = collection.name if collection else views[0].badge.title
    response = Response(
        render_template(
            "share/page.html",
            share=share,
            token=token,
            title=title,
            collection=collection,
            planned=collection.planned if collection else [],
            progress=progress,
            views=views,
            page_url=page_url,
            # Link previews fetch these without a session, from anywhere: absolute URLs on the public address.
            og_image=base + url_for("share.preview", token=token),
            og_image_size=PREVIEW_SIZE,
            bundle_url=base + url_for("share.bundle", token=token),
            display_name=display_name,
            checking=bool(g.get("checking")),
        )
    )
    response.vary.add("Accept")  # the same URL serves the signed bundle to `Accept: application/ld+json`
    return response


@bp.get("/s/<token>/embed")
def embed(token: str) -> Any:
    share = _active_share(token)
    records, collection = _records(share)
    store = get_store()
    page_url = shares.share_url(store, share)
    now = datetime.now(UTC)
    views = [_badge_view(record, page_url, now) for record in records]
    title = collection.name if collection else views[0].badge.title
    response = Response(
        render_template("share/embed.html", views=views, title=title, page_url=page_url, token=token, embed=True)
    )
    response.headers["X-Backpack-Frame-Ancestors"] = "*"  # the one view other sites may frame
    return response


@bp.get("/s/<token>/status.json")
def status(token: str) -> Any:
    share = _active_share(token)
    records, _ = _records(share)
    now = datetime.now(UTC)
    store = get_store()
    views = [_badge_view(r, shares.share_url(store, share), now) for r in records]
    return jsonify(
        [
            {"id": v.badge.id, "status": v.badge.status, "word": v.word, "symbol": v.symbol, "checked": v.checked_ago}
            for v in views
        ]
    )


@bp.get("/s/<token>/bundle.jsonld")
def bundle(token: str) -> Any:
    share = _active_share(token)
    records, collection = _records(share)
    store = get_store()
    if collection is None:
        record = records[0]
        collection = collections.Collection(id=record.id, name=record.info.name or record.id, badge_ids=[record.id])
    try:
        document, _problems = build_bundle(store, collection, fetch_policy=_fetch_policy(store), refresh=False)
    except BundleError as exc:
        abort(409, description=str(exc))
    response = jsonify(document)
    response.mimetype = "application/ld+json"
    response.headers["Content-Disposition"] = f'attachment; filename="portfolio-{token[:8]}.jsonld"'
    response.headers["Vary"] = "Accept"
    return response


@functools.lru_cache(maxsize=256)
def _qr_svg(url: str) -> bytes:
    """The QR code of ``url``: drawn once per address (it depends on nothing else), not on every request."""
    # A standalone SVG document (with its xmlns), not ``svg_inline``: browsers refuse an <img> of an SVG without it.
    svg = io.BytesIO()
    segno.make_qr(url, error="m").save(svg, kind="svg", scale=6, border=2)
    return svg.getvalue()


@bp.get("/s/<token>/qr.svg")
def qr(token: str) -> Any:
    share = _active_share(token)
    response = Response(_qr_svg(shares.share_url(get_store(), share)), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


def _preview_summary(records: list[BadgeRecord], collection: collections.Collection | None) -> str:
    """The status words a link preview shows: the collection's progress, or the badge's status and issuer, as the
    page's own description says them (never "verified" for a badge that is not)."""
    if collection is not None:
        return "Open Badges: " + collections.progress(collection, {r.id: r for r in records}).text
    badge = shares.public_badge(records[0])
    issuer = f" from {badge.issuer_name}" if badge.issuer_name else ""
    return f"{words_for(badge.status).word} Open Badge{issuer}"


@bp.get("/s/<token>/preview.png")
def preview(token: str) -> Any:
    """The page's link preview picture (1200×630), drawn from what the page shows publicly."""
    share = _active_share(token)
    records, collection = _records(share)
    store = get_store()
    title = collection.name if collection else shares.public_badge(records[0]).title
    data = link_preview_png(
        store,
        records,
        title=title,
        holder_name=load_settings(store).display_name,
        summary=_preview_summary(records, collection),
    )
    response = Response(data, mimetype="image/png")
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.headers["Cache-Control"] = "public, max-age=600"
    return response


@bp.get("/s/<token>/image/<badge_id>")
def image(token: str, badge_id: str) -> Any:
    share = _active_share(token)
    records, _ = _records(share)
    record = next((r for r in records if r.id == badge_id), None)
    media_type = shares.public_badge(record).image_type if record else None
    if record is None or media_type is None:
        abort(404, description="No such image.")
    data = get_store().read_blob(record.source.blob)
    response = Response(data, mimetype=media_type)
    # Served as an image only: an SVG's scripts and links stay inert even when opened directly.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    # Revalidated on every use (cheaply: 304 while unchanged), so that unsharing takes the image down at once.
    response.headers["Cache-Control"] = _REVALIDATE
    response.add_etag()
    return response.make_conditional(request)
