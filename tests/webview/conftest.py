"""Shared fixtures for the web view tests: a demo backpack (seeded once per module, copied per test), the Flask app
and its test client.

* ``web_template`` — the demo backpack (``wallet.demo.seed_demo``: 8 badges, 4 valid / 2 expired / 2 revoked,
  verified offline from its own cache; setting ``offline=True``), made once per test module. Do not write to it.
* ``web_home`` (alias ``demo_home``) — this test's own copy of it; ``web_store`` is a ``Store`` on it and
  ``badge_ids`` maps badge names to ids.
* ``make_app(**config)`` — an app serving ``web_home`` (``TESTING``, a fixed secret key), config overrides as keyword
  arguments; ``app`` and ``client`` are the defaults. After each test, each app's rechecker (its background
  re-verifications) is shut down, waiting for what runs, so no thread outlives its test's backpack;
  ``background_checks()`` waits for them mid-test.
* ``age_reports(seconds)`` — backdate every stored verification report (its ``checked_at``) of ``web_home``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from wallet.badge_collections import delete_collection
from wallet.demo import DEMO_COLLECTION, seed_demo
from wallet.store import Store


@pytest.fixture(autouse=True)
def _no_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """Page URLs are built from the default public URL unless a test sets ``BACKPACK_PUBLIC_URL`` itself."""
    monkeypatch.delenv("BACKPACK_PUBLIC_URL", raising=False)


@pytest.fixture(scope="module")
def web_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("web-demo") / "home"
    assert seed_demo(Store(home)) == 8
    # The web tests build their own collections: the demo's own "Demo" collection goes (its badges stay).
    delete_collection(Store(home), DEMO_COLLECTION)
    return home


@pytest.fixture
def web_home(web_template: Path, tmp_path: Path) -> Path:
    home = tmp_path / "web-home"
    shutil.copytree(web_template, home)
    return home


@pytest.fixture
def demo_home(web_home: Path) -> Path:
    return web_home


@pytest.fixture
def web_store(web_home: Path) -> Store:
    return Store(web_home)


@pytest.fixture
def badge_ids(web_store: Store) -> dict[str, str]:
    """Badge name -> badge id, for the demo badges."""
    return {str(record.summary["name"]): record.id for record in web_store.list_badges()}


@pytest.fixture
def made_apps() -> list[Flask]:
    """The apps ``make_app`` made in this test."""
    return []


@pytest.fixture
def background_checks(made_apps: list[Flask]) -> Callable[[], None]:
    """Wait for the background re-verifications started so far (the share pages start them on view)."""
    from webview.store import get_rechecker

    def wait() -> None:
        for app in made_apps:
            get_rechecker(app).wait(timeout=15.0)

    return wait


@pytest.fixture
def make_app(web_home: Path, made_apps: list[Flask]) -> Iterator[Callable[..., Flask]]:
    from webview import create_app
    from webview.store import get_rechecker

    def make(**config: Any) -> Flask:
        app = create_app({"BACKPACK_HOME": str(web_home), "TESTING": True, "SECRET_KEY": "test-secret", **config})
        made_apps.append(app)
        return app

    yield make
    for app in made_apps:
        get_rechecker(app).shutdown(wait=True)


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def age_reports(web_store: Store) -> Callable[[float], None]:
    def age(seconds: float) -> None:
        checked = (datetime.now(UTC) - timedelta(seconds=seconds)).replace(microsecond=0)
        stamp = checked.isoformat().replace("+00:00", "Z")
        with web_store.transaction(write=True) as db:
            for row in db.all("badges"):
                if row.get("verification"):
                    db.update("badges", {"verification": {**row["verification"], "checked_at": stamp}}, id=row["id"])

    return age
