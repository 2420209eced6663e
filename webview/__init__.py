"""The web view: the owner's view of the backpack (``/``), public share pages and the recruiter verify page (Flask app
factory, blueprints, Jinja templates).

Deploy behind a real domain with, for example::

    BACKPACK_HOME=/srv/backpack BACKPACK_PUBLIC_URL=https://badges.example.org \\
        gunicorn --workers 2 --bind 127.0.0.1:8000 'webview:create_app()'
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

from . import security, store

if TYPE_CHECKING:
    from wallet.storage import BackpackStore

__all__ = ["create_app"]


_SECRET_FILE = "web-secret"
_SECRET_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
_SECRET_MIN_LENGTH = 32


def _valid_secret(raw: bytes) -> str | None:
    try:
        value = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        return None
    return value if len(value) >= _SECRET_MIN_LENGTH and set(value) <= _SECRET_ALPHABET else None


def _secret_key(backpack: BackpackStore) -> str:
    """The backpack's secret for signing the session cookie (CSRF tokens): one per backpack, however many workers
    start at once, created complete (never an empty file) with mode 0600. A damaged file (empty, truncated, not
    ours) is replaced once, under the backpack's lock, so that every worker ends up with the same key."""
    value = _valid_secret(backpack.read_secret(_SECRET_FILE) or b"")
    if value is not None:
        return value
    fresh = secrets.token_urlsafe(48)
    if backpack.read_secret(_SECRET_FILE) is None and backpack.create_secret_once(_SECRET_FILE, fresh.encode("ascii")):
        return fresh
    value = _valid_secret(backpack.read_secret(_SECRET_FILE) or b"")
    if value is not None:
        return value  # another worker created it first
    # Still unusable: repair it, one process at a time, each re-reading after the lock so that only the first repairs.
    with backpack.locked():
        value = _valid_secret(backpack.read_secret(_SECRET_FILE) or b"")
        if value is None:
            where = backpack.secret_location(_SECRET_FILE)
            logging.getLogger(__name__).warning("the web secret %s was damaged or missing: made a new one", where)
            backpack.replace_secret(_SECRET_FILE, fresh.encode("ascii"))
            value = fresh
    return value


def _unhealthy(app: Flask) -> str | None:
    """Why this app cannot serve, or None: a load balancer takes a worker out of rotation on a 503."""
    from wallet.errors import WalletError
    from wallet.store import Store

    secret = app.config.get("SECRET_KEY")
    if not secret:
        return "no secret key"
    secret_file = app.config.get("SECRET_KEY_FILE")
    if secret_file:
        # Workers started later read the file: if it no longer holds this worker's key, their forms and ours differ.
        try:
            on_disk = _valid_secret(Path(secret_file).read_bytes())
        except OSError:
            on_disk = None
        if on_disk != secret:
            return "the web secret file is missing or changed: restart the web view"
    try:
        Store(app.config["BACKPACK_HOME"], lock_timeout=5).schema_version()
    except (WalletError, OSError) as exc:
        return f"the backpack cannot be read: {exc}"
    return None


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. ``BACKPACK_HOME`` in the config (or the environment) says which backpack it serves."""
    from wallet.paths import default_home

    app = Flask(__name__)
    app.config.from_mapping(
        BACKPACK_HOME=str(default_home()),
        MAX_CONTENT_LENGTH=12 * 1024 * 1024,  # the largest upload /verify accepts (a phone photo, a bundle)
        VERIFY_TTL_SECONDS=600,  # share pages re-verify results older than this, in the background
        VERIFY_RATE=10,  # /verify: requests per client per minute
        ALLOW_PRIVATE_NETWORK=False,  # public fetching keeps the SSRF guard on; tests with loopback issuers lift it
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        TRUSTED_PROXIES=int(os.environ.get("BACKPACK_TRUSTED_PROXIES", "0") or 0),
        # The owner's view opens without its key only when `backpack serve` binds a loopback address (webview.owner);
        # a deployment (gunicorn) always asks for the key: OWNER_TOKEN, else the backpack's owner-token file.
        OWNER_OPEN_ON_LOOPBACK=False,
        OWNER_TOKEN=None,
    )
    if test_config is not None:
        app.config.from_mapping(test_config)
    home = Path(app.config["BACKPACK_HOME"]).expanduser()
    app.config["BACKPACK_HOME"] = str(home)
    from wallet.store import Store

    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(Store(home))
        app.config["SECRET_KEY_FILE"] = str(home / _SECRET_FILE)

    Store(home).remove_leftovers()  # what workers killed mid-write left behind, before serving from this backpack

    if app.config.get("TRUSTED_PROXIES"):
        # Behind a reverse proxy every request comes from it: trust its X-Forwarded-For for client addresses.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(app.config["TRUSTED_PROXIES"]))  # type: ignore[method-assign]
    security.init_app(app)
    store.init_app(app)
    from . import share

    app.register_blueprint(share.bp)
    from . import verify_page

    app.register_blueprint(verify_page.bp)
    from . import owner, vcapi

    app.register_blueprint(vcapi.bp)
    app.register_blueprint(owner.bp)

    @app.get("/healthz")
    def healthz() -> tuple[dict[str, str], int]:
        problem = _unhealthy(app)
        if problem:
            return {"status": "failing", "problem": problem}, 503
        return {"status": "ok"}, 200

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        return render_template("errors/error.html", error=error), error.code or 500

    return app
