"""Public pages of published portfolios: ``/p/<slug>`` and what hangs off it (bundle, QR code, images, status feed).

The blueprint is named ``share`` so that the web view's share templates (``share/page.html``, ``share/_badge.html``,
``share/embed.html``) render here unchanged: their ``url_for('share.…', token=…)`` resolve to the host's routes.
Results come from the database and are re-checked in the background when stale, by one worker at a time.

Public, so: requests are rate limited per client address with counters in the database, shared by every worker
(``RATE_PAGES`` a minute on every route; an address that asked for ``RATE_PAGE_MISSES`` unknown pages in a minute is
refused whatever it asks until the minute is over, so guessing learns nothing), the slug found is compared with the
one asked for in constant time, and nothing is cacheable without asking again (``Cache-Control: no-cache``, ETags
on images): a withdrawn portfolio answers 410 at once, images included.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import io
import json
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote_to_bytes

import segno
from flask import Blueprint, Response, abort, current_app, jsonify, make_response, render_template, request, url_for

from verifier import FetchError, FetchPolicy, Report, VerifierPolicy
from verifier.http import Fetcher
from wallet.settings import clean_display_name
from wallet.shares import PUBLIC_IMAGE_TYPES, public_badge_from_report, public_report
from webview.security import too_many_requests
from webview.share import (
    BadgeView,
    badge_view,
    gone_problem_response,
    preview_badge,
    wants_json_ld,
    wants_machine_readable,
)
from webview.store import get_rechecker

from .api import host_store, page_url, public_base, verifier_policy, verify_items
from .storage import HostStore, ItemCheck, PortfolioRecord

__all__ = ["bp", "recheck"]

bp = Blueprint("share", __name__)

_MAX_IMAGE = 5 * 1024 * 1024
_LEASE = timedelta(seconds=60)
_GONE_DETAIL = {
    "withdrawn": "This portfolio was withdrawn by its holder: ask them for a new link.",
    "expired": "This portfolio was published for a limited time, which is over: ask its holder for a new link.",
}


@dataclass(frozen=True)
class _About:
    """What the share page reads of a collection (its name and description), from the published presentation."""

    name: str
    description: str


_PERIOD = 60  # RATE_PAGES and RATE_PAGE_MISSES are per minute
_REVALIDATE = "no-cache"  # caches may keep a copy, but must ask again before using it: a withdrawal shows at once


def _client() -> str:
    return request.remote_addr or "unknown"


@bp.before_request
def _rate_limit() -> None:
    store, now, client = host_store(), datetime.now(UTC), _client()
    misses = int(current_app.config.get("HOST_RATE_PAGE_MISSES", 20))
    if store.hits(f"page-miss:{client}", period=_PERIOD, now=now) >= misses:
        too_many_requests("Too many pages that do not exist were asked for from this address: wait a minute.", 60)
    rate = int(current_app.config.get("HOST_RATE_PAGES", 300))
    if store.hit(f"page:{client}", period=_PERIOD, now=now) > rate:
        too_many_requests(f"These pages allow {rate} requests a minute from one address: wait a minute.", 60)


@bp.after_request
def _revalidate(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", _REVALIDATE)
    return response


def _live(slug: str) -> PortfolioRecord:
    record = host_store().get_portfolio(slug) if 0 < len(slug) <= 100 else None
    if record is not None and not hmac.compare_digest(record.slug.encode(), slug.encode("utf-8", "surrogatepass")):
        record = None  # a database whose collation folds case or trailing spaces finds what was not asked for
    if record is None:
        host_store().hit(f"page-miss:{_client()}", period=_PERIOD, now=datetime.now(UTC))
        abort(404, description="There is no published portfolio at this address.")
    state = record.state(datetime.now(UTC))
    if state != "live":
        if wants_machine_readable():
            abort(gone_problem_response(state, _GONE_DETAIL[state]))
        response = make_response(render_template("host/gone.html", state=state, record=record), 410)
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("Accept")
        abort(response)
    return record


def _views(checks: list[ItemCheck], page: str, now: datetime) -> list[BadgeView]:
    """The page's badges, as the web view's share page shows a holder's own: one view model, one template."""
    return [
        badge_view(
            public_badge_from_report(
                str(check.position), Report.from_dict(check.report), checked_at=_iso(check.checked_at)
            ),
            page,
            now,
        )
        for check in checks
    ]


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def recheck(store: HostStore, record: PortfolioRecord, policy: VerifierPolicy) -> bool:
    """Verify a published portfolio again and keep the results (the holder proof is not re-asked for). Only the
    worker holding the database's lease does it: False when another worker (or machine) already is."""
    if record.presentation is None:
        return True
    if not store.claim_recheck(record.id, now=datetime.now(UTC), lease=_LEASE):
        return False
    report = verify_items(record.presentation, store, policy)
    reports = [public_report(item, holder_did=record.holder_did).to_dict() for item in report.items]
    store.save_item_checks(record.id, reports, checked_at=datetime.now(UTC))
    return True


def _fresh_checks(record: PortfolioRecord) -> tuple[list[ItemCheck], bool]:
    """The portfolio's check results, re-verified first when stale; True while a recheck is still running."""
    store = host_store()
    checks = store.item_checks(record.id)
    now = datetime.now(UTC)
    ttl = timedelta(seconds=int(current_app.config["HOST_RECHECK_SECONDS"]))
    if checks and all(now - check.checked_at <= ttl for check in checks):
        return checks, False
    policy = verifier_policy()
    # This app's rechecker runs one recheck per portfolio at a time; the database's lease, one across workers.
    future = get_rechecker().submit(("portfolio", str(record.id)), lambda: recheck(store, record, policy))
    try:
        done = future.result(timeout=float(current_app.config.get("HOST_WAIT_SECONDS", 0.8)))
    except FutureTimeout:
        return checks, True
    except Exception:  # noqa: BLE001 - a failed recheck leaves the last results on the page
        current_app.logger.exception("background recheck failed")
        return checks, False
    if not done:
        return checks, True
    return store.item_checks(record.id), False


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _presentation(record: PortfolioRecord) -> dict[str, Any]:
    try:
        document = json.loads(record.presentation or "{}")
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def holder_name(presentation: dict[str, Any]) -> str:
    """The name the holder gives themselves in their signed presentation (``holder.name``), or ""."""
    name = _object(presentation.get("holder")).get("name")
    return clean_display_name(name) if isinstance(name, str) else ""


@bp.get("/p/<token>")
def page(token: str) -> Any:
    record = _live(token)
    if wants_json_ld():
        return bundle(token)
    checks, checking = _fresh_checks(record)
    now = datetime.now(UTC)
    page = page_url(record.slug)
    views = _views(checks, page, now)
    document = _presentation(record)
    portfolio = _object(document.get("portfolio"))
    about = _object(portfolio.get("collection"))
    description = about.get("description") or document.get("description") or ""
    planned = [p for p in about.get("planned") or [] if isinstance(p, str)]
    title = record.name or "Open Badges portfolio"
    first_image = preview_badge(views)
    og_image = None
    if first_image is not None:
        og_image = public_base() + url_for("share.image", token=token, badge_id=first_image.badge.id)
    response = Response(
        render_template(
            "share/page.html",
            share=record,
            token=token,
            title=title,
            collection=_About(title, description if isinstance(description, str) else ""),
            planned=planned,
            progress=None,
            views=views,
            page_url=page,
            og_image=og_image,
            bundle_url=public_base() + url_for("share.bundle", token=token),
            display_name=holder_name(document),
            checking=checking,
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
            {"id": v.badge.id, "status": v.badge.status, "word": v.word, "symbol": v.symbol, "checked": v.checked_ago}
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
    report = Report.from_dict(check.report) if check else None
    source = report.badge.image if report else None
    if report is None or source is None or public_badge_from_report(badge_id, report).image_type is None:
        abort(404, description="No such image.")
    data, media = _decode_data_url(source) if source.startswith("data:") else _fetch_image(source)
    if media not in PUBLIC_IMAGE_TYPES or len(data) > _MAX_IMAGE:
        abort(404, description="No such image.")
    response = Response(data, mimetype=media)
    # Served as an image only: an SVG's scripts and links stay inert even when opened directly.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    # Revalidated on every use (cheaply: 304 while unchanged), so that withdrawing takes the image down at once.
    response.headers["Cache-Control"] = _REVALIDATE
    response.add_etag()
    return response.make_conditional(request)
