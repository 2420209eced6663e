"""Public pages of published portfolios: ``/p/<slug>`` and what hangs off it (bundle, QR code, images, status feed).

The blueprint is named ``share`` so that the web view's share templates (``share/page.html``, ``share/_badge.html``,
``share/embed.html``) render here unchanged: their ``url_for('share.…', token=…)`` resolve to the host's routes.
Results come from the database and are re-checked in the background when stale, by one worker at a time.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import io
import json
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import unquote_to_bytes, urlencode

import segno
from flask import Blueprint, Response, abort, current_app, jsonify, make_response, render_template, request, url_for

from verifier import Fetcher, FetchError, FetchPolicy, Report, VerifierPolicy
from webview.share import _STATUS_WORDS, _ago, _linkedin

from .api import host_store, page_url, public_base, public_report, verify_items
from .storage import HostStore, ItemCheck, PortfolioRecord

__all__ = ["bp", "recheck"]

bp = Blueprint("share", __name__)

_IMAGE_TYPES = ("image/png", "image/svg+xml", "image/jpeg", "image/webp", "image/gif")
_MAX_IMAGE = 5 * 1024 * 1024
_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="host-recheck")
_running: dict[int, Future[None]] = {}
_running_lock = threading.Lock()


@dataclass
class _Record:
    """What the share templates read of a badge (``record.id``, ``record.summary``)."""

    id: str
    summary: dict[str, Any]


@dataclass
class ItemView:
    record: _Record
    report: Report
    status: str
    symbol: str
    word: str
    checked_ago: str
    has_image: bool
    linkedin_url: str
    issued: str
    expires: str
    alignments: list[dict[str, str]] = field(default_factory=list)


def _live(slug: str) -> PortfolioRecord:
    record = host_store().get_portfolio(slug)
    if record is None:
        abort(404, description="There is no published portfolio at this address.")
    state = record.state(datetime.now(UTC))
    if state != "live":
        response = make_response(render_template("host/gone.html", state=state, record=record), 410)
        response.headers["Cache-Control"] = "no-store"
        abort(response)
    return record


def _image_kind(image: Any) -> str | None:
    if not isinstance(image, str):
        return None
    if image.startswith("data:"):
        media = image[5:].split(",", 1)[0].split(";", 1)[0].lower()
        return "data" if media in _IMAGE_TYPES else None
    return "url" if image.startswith(("https://", "http://")) else None


def _views(checks: list[ItemCheck], page: str, now: datetime) -> list[ItemView]:
    views = []
    for check in checks:
        report = Report.from_dict(check.report)
        badge = report.badge
        status = report.status
        symbol, word = _STATUS_WORDS.get(status, ("?", status))
        record = _Record(
            id=str(check.position),
            summary={
                "name": badge.name,
                "issuer_name": badge.issuer_name,
                "description": badge.description,
                "issued_on": badge.issued_on,
                "expires": badge.expires,
            },
        )
        views.append(
            ItemView(
                record=record,
                report=report,
                status=status,
                symbol=symbol,
                word=word,
                checked_ago=_ago(check.checked_at.isoformat(), now),
                has_image=_image_kind(badge.image) is not None,
                linkedin_url=_linkedin(record, page),  # type: ignore[arg-type]
                issued=str(badge.issued_on or "")[:10],
                expires=str(badge.expires or "")[:10],
                alignments=badge.alignments,
            )
        )
    return views


def recheck(store: HostStore, record: PortfolioRecord, policy: VerifierPolicy) -> None:
    """Verify a published portfolio again and keep the results (the holder proof is not re-asked for)."""
    if record.presentation is None:
        return
    report = verify_items(record.presentation, store, policy)
    reports = [public_report(item, record.holder_did) for item in report.items]
    store.save_item_checks(record.id, reports, checked_at=datetime.now(UTC))


def _fresh_checks(record: PortfolioRecord) -> tuple[list[ItemCheck], bool]:
    """The portfolio's check results, re-verified first when stale; True while a recheck is still running."""
    store = host_store()
    checks = store.item_checks(record.id)
    now = datetime.now(UTC)
    ttl = timedelta(seconds=int(current_app.config["HOST_RECHECK_SECONDS"]))
    if checks and all(now - check.checked_at <= ttl for check in checks):
        return checks, False
    with _running_lock:
        future = _running.get(record.id)
        if future is None or future.done():
            # One worker at a time rechecks a portfolio: the database hands out the lease.
            if not store.claim_recheck(record.id, now=now, lease=timedelta(seconds=60)):
                return checks, True
            policy = VerifierPolicy(
                fetch=FetchPolicy(allow_private_network=bool(current_app.config["HOST_ALLOW_PRIVATE_NETWORK"])),
                recipients=(),
            )
            future = _running[record.id] = _executor.submit(recheck, store, record, policy)
    try:
        future.result(timeout=float(current_app.config.get("HOST_WAIT_SECONDS", 0.8)))
    except FutureTimeout:
        return checks, True
    except Exception:  # noqa: BLE001 - a failed recheck leaves the last results on the page
        current_app.logger.exception("background recheck failed")
        return checks, False
    return store.item_checks(record.id), False


def _presentation(record: PortfolioRecord) -> dict[str, Any]:
    try:
        document = json.loads(record.presentation or "{}")
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _wants_json_ld() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/ld+json", "application/json"])
    return best == "application/ld+json"


@bp.get("/p/<token>")
def page(token: str) -> Any:
    record = _live(token)
    if _wants_json_ld():
        return bundle(token)
    checks, checking = _fresh_checks(record)
    now = datetime.now(UTC)
    page = page_url(record.slug)
    views = _views(checks, page, now)
    document = _presentation(record)
    portfolio = document.get("portfolio") if isinstance(document.get("portfolio"), dict) else {}
    about = portfolio.get("collection") if isinstance(portfolio.get("collection"), dict) else {}
    description = about.get("description") or document.get("description") or ""
    planned = [p for p in about.get("planned") or [] if isinstance(p, str)]
    title = record.name or "Open Badges portfolio"
    first_image = next((v for v in views if v.has_image), None)
    og_image = None
    if first_image is not None:
        og_image = public_base() + url_for("share.image", token=token, badge_id=first_image.record.id)
    response = Response(
        render_template(
            "share/page.html",
            share=record,
            token=token,
            title=title,
            collection=SimpleNamespace(name=title, description=description if isinstance(description, str) else ""),
            planned=planned,
            progress=None,
            views=views,
            page_url=page,
            og_image=og_image,
            display_name="",
            checking=checking,
            social_url="https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": page}),
            embed_url=public_base() + url_for("share.embed", token=token),
        )
    )
    response.vary.add("Accept")
    return response


@bp.get("/p/<token>/embed")
def embed(token: str) -> Any:
    record = _live(token)
    views = _views(host_store().item_checks(record.id), page_url(record.slug), datetime.now(UTC))
    title = record.name or "Open Badges portfolio"
    response = Response(
        render_template(
            "share/embed.html", views=views, title=title, page_url=page_url(record.slug), token=token, embed=True
        )
    )
    response.headers["X-Backpack-Frame-Ancestors"] = "*"
    return response


@bp.get("/p/<token>/status.json")
@bp.get("/s/<token>/status.json")  # the web view's script polls this path
def status(token: str) -> Any:
    record = _live(token)
    views = _views(host_store().item_checks(record.id), page_url(record.slug), datetime.now(UTC))
    return jsonify(
        [
            {"id": v.record.id, "status": v.status, "word": v.word, "symbol": v.symbol, "checked": v.checked_ago}
            for v in views
        ]
    )


@bp.get("/p/<token>/bundle.jsonld")
def bundle(token: str) -> Any:
    record = _live(token)
    response = Response(record.presentation, mimetype="application/ld+json")
    response.headers["Content-Disposition"] = f'attachment; filename="portfolio-{record.slug[:16]}.jsonld"'
    response.headers["Vary"] = "Accept"
    return response


@bp.get("/p/<token>/qr.svg")
def qr(token: str) -> Any:
    record = _live(token)
    svg = io.BytesIO()
    segno.make_qr(page_url(record.slug), error="m").save(svg, kind="svg", scale=6, border=2)
    response = Response(svg.getvalue(), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


def _decode_data_url(url: str) -> tuple[bytes, str]:
    header, _, data = url.partition(",")
    media = header[5:].split(";", 1)[0].lower()
    try:
        body = base64.b64decode(data, validate=False) if ";base64" in header else unquote_to_bytes(data)
    except (binascii.Error, ValueError):
        abort(404, description="No such image.")
    return body, media


def _fetch_image(url: str) -> tuple[bytes, str]:
    policy = FetchPolicy(allow_private_network=bool(current_app.config["HOST_ALLOW_PRIVATE_NETWORK"]), deadline=10.0)

    async def one() -> tuple[bytes, str]:
        async with Fetcher(policy, cache=host_store().response_cache()) as fetcher:
            async with asyncio.timeout(policy.deadline):
                result = await fetcher.fetch(url, kind="image")
        if not result.ok:
            raise FetchError(f"the server answered {result.status}", url=url)
        return result.body, result.content_type.split(";", 1)[0].strip().lower()

    try:
        return asyncio.run(one())
    except (FetchError, TimeoutError):
        abort(404, description="This badge's image could not be fetched from its issuer.")


@bp.get("/p/<token>/image/<badge_id>")
def image(token: str, badge_id: str) -> Any:
    record = _live(token)
    check = next((c for c in host_store().item_checks(record.id) if str(c.position) == badge_id), None)
    source = (check.report.get("badge") or {}).get("image") if check else None
    kind = _image_kind(source)
    if kind is None:
        abort(404, description="No such image.")
    data, media = _decode_data_url(source) if kind == "data" else _fetch_image(source)  # type: ignore[arg-type]
    if media not in _IMAGE_TYPES or len(data) > _MAX_IMAGE:
        abort(404, description="No such image.")
    response = Response(data, mimetype=media)
    # Served as an image only: an SVG's scripts and links stay inert even when opened directly.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
