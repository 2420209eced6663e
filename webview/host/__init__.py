"""The share host: holders publish their portfolios here (holder-signed, no passwords), anyone views them.

A WSGI app factory for gunicorn (``gunicorn --workers 4 'webview.host:create_host_app()'``) configured by the
environment, and ``serve()`` for development. Workers are stateless: portfolios, nonces, check results, the HTTP
cache of issuer documents and rate-limit counters live in the database (``storage.py``). See docs/hosting.md.

Environment (each also a key of the ``config`` mapping, without the ``BACKPACK_HOST_`` prefix):

``BACKPACK_HOST_DATABASE_URL``  ``sqlite:///<data dir>/host.sqlite3`` by default; ``postgresql+psycopg://…``
``BACKPACK_HOST_PUBLIC_URL``    the host's public base URL (page links, QR codes, the proofs' ``domain``)
``BACKPACK_HOST_DATA``          the data folder of the default SQLite database
``BACKPACK_HOST_SECRET_KEY``    signs the /verify page's form cookie (else one is made and kept in the database)
``BACKPACK_HOST_TRUSTED_PROXIES`` how many reverse proxies set X-Forwarded-For / -Proto / -Host (0)
limits: ``MAX_PRESENTATION_BYTES``, ``MAX_ITEMS``, ``MAX_PORTFOLIOS``, ``MAX_HOLDER_BYTES``, ``MAX_DAYS``,
``CHALLENGE_MINUTES``, ``RATE_PER_ADDRESS`` (API requests a minute), ``RATE_PER_HOLDER`` (publications an hour),
``RATE_PAGES`` (page requests a minute per address), ``RATE_PAGE_MISSES`` (unknown pages a minute per address before
it is refused), ``RECHECK_SECONDS``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException

from .storage import HostStore, SqlHostStore, migrate

__all__ = [
    "HostStore",
    "SqlHostStore",
    "create_host_app",
    "database_url",
    "default_database_url",
    "migrate",
    "serve",
]

_WEBVIEW = Path(__file__).resolve().parent.parent
_PREFIX = "BACKPACK_HOST_"
_DEFAULTS: dict[str, Any] = {
    "PUBLIC_URL": "",
    "MAX_PRESENTATION_BYTES": 2 * 1024 * 1024,
    "MAX_ITEMS": 100,
    "MAX_PORTFOLIOS": 20,
    "MAX_HOLDER_BYTES": 10 * 1024 * 1024,
    "MAX_DAYS": 365,
    "CHALLENGE_MINUTES": 5,
    "RATE_PER_ADDRESS": 30,
    "RATE_PER_HOLDER": 30,
    "RATE_PAGES": 300,
    "RATE_PAGE_MISSES": 20,
    "RECHECK_SECONDS": 600,
    "TRUSTED_PROXIES": 0,
    "ALLOW_PRIVATE_NETWORK": False,  # tests with loopback issuers lift the SSRF guard
}


def default_database_url() -> str:
    folder = os.environ.get(_PREFIX + "DATA", "").strip()
    if not folder:
        xdg = os.environ.get("XDG_DATA_HOME", "").strip()
        base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
        folder = str(base / "openbadges-backpack-host")
    return f"sqlite:///{Path(folder).expanduser().resolve() / 'host.sqlite3'}"


def database_url(given: str | None = None) -> str:
    """The database to use: ``given``, else ``BACKPACK_HOST_DATABASE_URL``, else the default SQLite file."""
    return (given or "").strip() or _from_env("DATABASE_URL", "") or default_database_url()


def _from_env(name: str, default: Any) -> Any:
    raw = os.environ.get(_PREFIX + name)
    if raw is None or not raw.strip():
        return default
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes")
    if isinstance(default, int):
        return int(raw)
    return raw.strip()


class _DbRateLimiter:
    """The web view's ``RateLimiter`` interface over the database's counters (one window a period per client)."""

    def __init__(self, store: HostStore, scope: str, rate: int, per: int) -> None:
        self.store, self.scope, self.rate, self.per = store, scope, rate, per

    def allow(self, client: str) -> bool:
        return self.store.hit(f"{self.scope}:{client}", period=self.per, now=datetime.now(UTC)) <= self.rate


def create_host_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The host's Flask app. ``config`` (tests) overrides the environment; ``DATABASE_URL`` names the database."""
    from webview import security, vcapi, verify_page
    from webview.store import init_rechecker

    from . import api, pages

    app = Flask(
        __name__,
        template_folder=str(_WEBVIEW / "templates"),
        static_folder=str(_WEBVIEW / "static"),
    )
    settings = {name: _from_env(name, default) for name, default in _DEFAULTS.items()}
    settings["DATABASE_URL"] = database_url()
    settings.update(config or {})
    app.config.update({f"HOST_{name}": value for name, value in settings.items()})
    store: HostStore = settings.get("STORE") or SqlHostStore(str(settings["DATABASE_URL"]))
    app.extensions["backpack_host_store"] = store
    init_rechecker(app)  # stale pages are re-verified on this app's own threads, leased through the database
    app.config.update(
        # The /verify page (mounted as is) reads these.
        MAX_CONTENT_LENGTH=max(12 * 1024 * 1024, int(settings["MAX_PRESENTATION_BYTES"])),
        VERIFY_RATE=int(settings.get("VERIFY_RATE", 10)),
        ALLOW_PRIVATE_NETWORK=bool(settings["ALLOW_PRIVATE_NETWORK"]),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SECRET_KEY=_from_env("SECRET_KEY", "") or store.setting("secret_key", secrets.token_urlsafe(48)),
    )
    if settings["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(settings["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    # The web view's headers everywhere; its CSRF check on forms only (the JSON API is authenticated by the
    # holder's signature over a single-use challenge, and carries no cookies).
    @app.before_request
    def _csrf_outside_api() -> None:
        security.check_form_size()
        if request.blueprint != api.bp.name:
            security.check_csrf()

    app.after_request(security.security_headers)
    app.jinja_env.globals["csrf_token"] = security.csrf_token

    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(verify_page.bp)
    app.register_blueprint(vcapi.bp)  # a JSON API: exempt from the form token, like api.bp
    # The /verify page's counters in the database too, so that every worker counts the same requests.
    app.extensions[verify_page.LIMITER_KEY] = _DbRateLimiter(store, "verify", int(app.config["VERIFY_RATE"]), 60)

    @app.get("/healthz")
    def healthz() -> tuple[dict[str, str], int]:
        # A read through the database: a worker that cannot reach it leaves the load balancer's rotation.
        try:
            store.get_portfolio("healthz")
        except Exception:  # noqa: BLE001 - any failure of the database means this worker cannot serve
            app.logger.exception("health check: the database cannot be read")
            return {"status": "failing", "problem": "the database cannot be read"}, 503
        return {"status": "ok"}, 200

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response | tuple[str, int]:
        if request.blueprint == api.bp.name or request.path.startswith("/api/"):
            return api.error_response(error.code or 500, error.name.lower().replace(" ", "_"), error.description)
        return render_template("errors/error.html", error=error), error.code or 500

    return app


def serve(host: str = "127.0.0.1", port: int = 8080, database_url: str | None = None) -> None:
    """Run the host with Werkzeug's server, for development (production: gunicorn, see docs/hosting.md)."""
    from werkzeug.serving import run_simple

    config: dict[str, Any] = {}
    if database_url:
        config["DATABASE_URL"] = database_url
    if not os.environ.get(_PREFIX + "PUBLIC_URL"):
        config["PUBLIC_URL"] = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    run_simple(host, port, create_host_app(config), threaded=True)
