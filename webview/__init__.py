"""The web view: the owner's view of the backpack (``/``), public share pages and the recruiter verify page (Flask app
factory, blueprints, Jinja templates).

Deploy behind a real domain with, for example::

    BACKPACK_HOME=/srv/backpack BACKPACK_PUBLIC_URL=https://badges.example.org \\
        gunicorn --workers 2 --bind 127.0.0.1:8000 'webview:create_app()'
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

from . import security, store

__all__ = ["create_app"]


def _secret_key(home: Path) -> str:
    """A per-backpack secret for signing the session cookie (CSRF tokens), created once with mode 0600."""
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = home / "web-secret"
    try:
        return path.read_text("ascii").strip()
    except FileNotFoundError:
        value = secrets.token_urlsafe(48)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text("ascii").strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(value)
        return value


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
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(home)

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
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        return render_template("errors/error.html", error=error), error.code or 500

    return app
