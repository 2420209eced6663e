"""The wallet store of the backpack the app serves, per request, and the app's background re-verifications.

``get_store()`` opens the store once per request (kept on ``g``, dropped on teardown), as flaskr's ``get_db``.
Re-verifying stale results may take longer than a visitor should wait, so it runs on the app's own ``Rechecker``
(``app.extensions["backpack_rechecker"]``): one per app, never shared with another app in the process. Which results
are stale, and refreshing them, is the wallet's rule (``wallet.verification.refresh_stale``); this module only
schedules it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from flask import Flask, current_app, g

from verifier import IssuerRegistry
from wallet.settings import issuer_registries, load_settings
from wallet.store import Store

__all__ = ["EXTENSION", "Rechecker", "backpack_registries", "get_rechecker", "get_store", "init_app", "init_rechecker"]

EXTENSION = "backpack_rechecker"


def get_store() -> Store:
    """The store of the backpack this app serves, opened once per request."""
    if "store" not in g:
        g.store = Store(current_app.config["BACKPACK_HOME"])
    store: Store = g.store
    return store


def backpack_registries() -> tuple[str | IssuerRegistry, ...]:
    """The issuer registries the backpack's owner chose (``VerifierPolicy.registries``), for the pages that verify
    what visitors send; none for an app that serves no backpack (the share host)."""
    home = current_app.config.get("BACKPACK_HOME")
    return issuer_registries(load_settings(home)) if home else ()


def close_store(_error: BaseException | None = None) -> None:
    # A Store holds no open file between transactions: dropping it is all there is to close.
    g.pop("store", None)


class Rechecker:
    """Runs background re-verifications for one app: at most one job per key at a time, on a small thread pool."""

    def __init__(self, *, workers: int = 2) -> None:
        self._workers = workers
        self._executor: ThreadPoolExecutor | None = None  # started on first use: an idle app holds no threads
        self._running: dict[tuple[str, ...], Future[Any]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, key: tuple[str, ...], job: Callable[[], Any]) -> Future[Any]:
        """Run ``job`` unless a job with the same key is still running; return the running or new job's future."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the rechecker was shut down")
            future = self._running.get(key)
            if future is None or future.done():
                if self._executor is None:
                    self._executor = ThreadPoolExecutor(self._workers, thread_name_prefix="backpack-recheck")
                future = self._running[key] = self._executor.submit(job)
                future.add_done_callback(functools.partial(self._forget, key))
            return future

    def _forget(self, key: tuple[str, ...], done: Future[Any]) -> None:
        with self._lock:
            if self._running.get(key) is done:
                del self._running[key]

    def pending(self) -> list[Future[Any]]:
        with self._lock:
            return list(self._running.values())

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the jobs started so far."""
        wait(self.pending(), timeout=timeout)

    @property
    def closed(self) -> bool:
        return self._closed

    def shutdown(self, *, wait: bool = True) -> None:
        """Refuse new jobs, drop queued ones, and (by default) wait for the running ones. Safe to call twice."""
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=wait, cancel_futures=True)


def get_rechecker(app: Flask | None = None) -> Rechecker:
    rechecker: Rechecker = (app or current_app).extensions[EXTENSION]
    return rechecker


def init_rechecker(app: Flask) -> Rechecker:
    """Give ``app`` its own rechecker (the share host has one too, with no wallet store)."""
    rechecker = app.extensions[EXTENSION] = Rechecker()
    return rechecker


def init_app(app: Flask) -> None:
    """Give ``app`` its per-request store and its own rechecker."""
    app.teardown_appcontext(close_store)
    init_rechecker(app)
