"""The web view: share pages and the recruiter verify page (Flask app factory; blueprints come with the web issue)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

__all__ = ["create_app"]


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. ``BACKPACK_HOME`` in the config (or the environment) says which backpack it serves."""
    from wallet.paths import default_home

    app = Flask(__name__)
    app.config.from_mapping(BACKPACK_HOME=str(default_home()), MAX_CONTENT_LENGTH=20 * 1024 * 1024)
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.config["BACKPACK_HOME"] = str(Path(app.config["BACKPACK_HOME"]).expanduser())

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
