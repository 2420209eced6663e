"""Share pages: ``/s/<token>`` for a shared collection or badge, with live verification, and what hangs off it
(badge images, the page's QR code, the signed bundle, a compact embeddable view, a status feed for the page's script).
"""

from __future__ import annotations

import io
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import segno
from flask import Blueprint, Response, abort, current_app, g, jsonify, render_template, request, url_for

from verifier import CheckResult, FetchPolicy, Report
from wallet import collections, shares
from wallet.bundle import BundleError, build_bundle
from wallet.errors import NotFound
from wallet.status_words import words_for
from wallet.store import BadgeRecord, Store
from wallet.verification import verify_records

__all__ = ["bp"]

bp = Blueprint("share", __name__)

_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="backpack-recheck")
_running: dict[tuple[str, tuple[str, ...]], Future[Any]] = {}
_running_lock = threading.Lock()


def get_store() -> Store:
    if "store" not in g:
        g.store = Store(current_app.config["BACKPACK_HOME"])
    return g.store  # type: ignore[no-any-return]


def _fetch_policy(store: Store) -> FetchPolicy:
    offline = bool(store.exists() and store.get_setting("offline", False))
    return FetchPolicy.from_env(
        allow_private_network=bool(current_app.config["ALLOW_PRIVATE_NETWORK"]), offline=offline or None
    )


@dataclass
class BadgeView:
    record: BadgeRecord
    report: Report | None
    status: str
    symbol: str
    word: str
    checked_ago: str
    has_image: bool
    linkedin_url: str
    issued: str
    expires: str
    alignments: list[dict[str, str]] = field(default_factory=list)


def _ago(checked_at: str | None, now: datetime) -> str:
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


def _linkedin(record: BadgeRecord, page_url: str) -> str:
    summary = record.summary
    params = {"startTask": "CERTIFICATION_NAME", "name": summary.get("name") or "Open Badge", "certUrl": page_url}
    if summary.get("issuer_name"):
        params["organizationName"] = str(summary["issuer_name"])
    issued = str(summary.get("issued_on") or "")
    if len(issued) >= 7 and issued[:4].isdigit() and issued[5:7].isdigit():
        params["issueYear"], params["issueMonth"] = issued[:4], str(int(issued[5:7]))
    expires = str(summary.get("expires") or "")
    if len(expires) >= 7 and expires[:4].isdigit() and expires[5:7].isdigit():
        params["expirationYear"], params["expirationMonth"] = expires[:4], str(int(expires[5:7]))
    params["certId"] = record.id
    return "https://www.linkedin.com/profile/add?" + urlencode(params)


_RECIPIENT_WORDS = {
    "passed": "issued to the owner of this portfolio (their identity is not shown)",
    "failed": "not issued to the owner of this portfolio",
}


def _public(report: Report) -> Report:
    """The report as the public sees it: the earner's identities (emails, DIDs) in the recipient check stay private."""
    report.badge.recipient = None
    report.checks = [
        CheckResult(c.id, c.outcome, _RECIPIENT_WORDS.get(c.outcome, "the recipient was not checked"))
        if c.id == "recipient"
        else c
        for c in report.checks
    ]
    return report


def _badge_view(store: Store, record: BadgeRecord, page_url: str, now: datetime) -> BadgeView:
    report = _public(Report.from_dict(record.verification)) if record.verification else None
    status = report.status if report else "unchecked"
    words = words_for(status)
    media = record.source.media_type
    return BadgeView(
        record=record,
        report=report,
        status=status,
        symbol=words.symbol,
        word=words.word,
        checked_ago=_ago(report.checked_at if report else None, now),
        has_image=media in ("image/png", "image/svg+xml", "image/jpeg", "image/webp", "image/gif")
        and record.source.container != "image",  # a QR photo is not the badge's picture
        linkedin_url=_linkedin(record, page_url),
        issued=str(record.summary.get("issued_on") or "")[:10],
        expires=str(record.summary.get("expires") or "")[:10],
        alignments=report.badge.alignments if report else [],
    )


def _active_share(token: str) -> shares.Share:
    store = get_store()
    share = shares.find_share(store, token)
    if share is None:
        abort(404, description="There is no shared portfolio at this address.")
    state = share.state()
    if state != "active":
        abort(
            410,
            description=f"This link was {'revoked' if state == 'revoked' else 'only valid for a while'} by "
            "its owner: ask them for a new one.",
        )
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
    ttl = float(current_app.config["VERIFY_TTL_SECONDS"])

    def stale(record: BadgeRecord) -> bool:
        checked = (record.verification or {}).get("checked_at")
        if not checked:
            return True
        try:
            return (now - datetime.fromisoformat(str(checked).replace("Z", "+00:00"))).total_seconds() > ttl
        except ValueError:
            return True

    due = [r for r in records if stale(r)]
    if not due:
        return records
    key = (str(store.home), tuple(sorted(r.id for r in due)))
    policy = _fetch_policy(store)
    with _running_lock:
        future = _running.get(key)
        if future is None or future.done():
            future = _running[key] = _executor.submit(verify_records, Store(store.home), due, fetch_policy=policy)
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


def _wants_json_ld() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/ld+json", "application/json"])
    return best in ("application/ld+json",)


@bp.get("/s/<token>")
def page(token: str) -> Any:
    share = _active_share(token)
    if _wants_json_ld():
        return bundle(token)
    records, collection = _records(share)
    records = _refresh(records)
    store = get_store()
    page_url = shares.share_url(store, share)
    now = datetime.now(UTC)
    views = [_badge_view(store, record, page_url, now) for record in records]
    progress = collections.progress(collection, {r.id: r for r in records}) if collection else None
    display_name = store.get_setting("display_name", "") if store.exists() else ""
    # Link previews (LinkedIn, Twitter/X, Facebook) do not render SVG: prefer a raster picture.
    first_image = next((v for v in views if v.has_image and v.record.source.media_type != "image/svg+xml"), None)
    first_image = first_image or next((v for v in views if v.has_image), None)
    og_image = (
        shares.public_url(store) + url_for("share.image", token=token, badge_id=first_image.record.id)
        if first_image
        else None
    )
    title = collection.name if collection else str(records[0].summary.get("name") or "Open Badge")
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
            og_image=og_image,
            display_name=display_name,
            checking=bool(g.get("checking")),
            social_url="https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": page_url}),
            embed_url=shares.public_url(store) + url_for("share.embed", token=token),
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
    views = [_badge_view(store, record, page_url, now) for record in records]
    title = collection.name if collection else str(records[0].summary.get("name") or "Open Badge")
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
    views = [_badge_view(store, r, shares.share_url(store, share), now) for r in records]
    return jsonify(
        [
            {"id": v.record.id, "status": v.status, "word": v.word, "symbol": v.symbol, "checked": v.checked_ago}
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
        collection = collections.Collection(
            id=record.id, name=str(record.summary.get("name") or record.id), badge_ids=[record.id]
        )
    try:
        document, _problems = build_bundle(store, collection, fetch_policy=_fetch_policy(store), refresh=False)
    except BundleError as exc:
        abort(409, description=str(exc))
    response = jsonify(document)
    response.mimetype = "application/ld+json"
    response.headers["Content-Disposition"] = f'attachment; filename="portfolio-{token[:8]}.jsonld"'
    response.headers["Vary"] = "Accept"
    return response


@bp.get("/s/<token>/qr.svg")
def qr(token: str) -> Any:
    share = _active_share(token)
    # A standalone SVG document (with its xmlns), not ``svg_inline``: browsers refuse an <img> of an SVG without it.
    svg = io.BytesIO()
    segno.make_qr(shares.share_url(get_store(), share), error="m").save(svg, kind="svg", scale=6, border=2)
    response = Response(svg.getvalue(), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


_IMAGE_TYPES = {"image/png", "image/svg+xml", "image/jpeg", "image/webp", "image/gif"}


@bp.get("/s/<token>/image/<badge_id>")
def image(token: str, badge_id: str) -> Any:
    share = _active_share(token)
    records, _ = _records(share)
    record = next((r for r in records if r.id == badge_id), None)
    if record is None or record.source.media_type not in _IMAGE_TYPES or record.source.container == "image":
        abort(404, description="No such image.")  # a QR photo is not the badge's picture (and may carry EXIF data)
    data = get_store().read_blob(record.source.blob)
    response = Response(data, mimetype=record.source.media_type)
    # Served as an image only: an SVG's scripts and links stay inert even when opened directly.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
