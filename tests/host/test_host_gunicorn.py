"""Stateless workers: two gunicorn workers on one database serve the same portfolios, nonces and counters."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from host_helpers import Wallet, free_port

from wallet import badge_collections as collections
from wallet.publishing import publish, unpublish
from webview.host import migrate

pytestmark = pytest.mark.slow
GUNICORN = Path(sys.executable).with_name("gunicorn")


@pytest.fixture
def gunicorn_host(database_url: str, tmp_path: Path) -> Iterator[tuple[str, int]]:
    if not GUNICORN.exists() and shutil.which("gunicorn") is None:
        pytest.skip("gunicorn is not installed (scripts/setup --tests installs it)")
    migrate(database_url)  # as deployments do before starting workers (docs/hosting.md)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "BACKPACK_HOST_DATABASE_URL": database_url,
        "BACKPACK_HOST_PUBLIC_URL": url,
        "BACKPACK_HOST_ALLOW_PRIVATE_NETWORK": "1",
    }
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [str(GUNICORN), "--workers", "2", "--bind", f"127.0.0.1:{port}", "webview.host:create_host_app()"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start: " + (tmp_path / "gunicorn.log").read_text())
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def test_two_workers_serve_the_same_data(gunicorn_host: tuple[str, int], make_wallet: Callable[..., Wallet]) -> None:
    url, master = gunicorn_host
    assert len(_workers(master)) == 2
    wallet = make_wallet("ada")
    publication = publish(wallet.store, wallet.collection, url)
    # Many requests on fresh connections, spread over the workers: every one sees the portfolio.
    for _ in range(30):
        response = httpx.get(publication.url, headers={"Connection": "close"}, timeout=30)
        assert response.status_code == 200 and response.text.count('class="badge"') == 2
    # A challenge issued by one worker is accepted by the other: the withdrawal goes through, for every worker.
    unpublish(wallet.store, publication.url)
    assert {httpx.get(publication.url, headers={"Connection": "close"}).status_code for _ in range(10)} == {410}


def test_parallel_publish_withdraw_and_view_on_two_workers(
    gunicorn_host: tuple[str, int], make_wallet: Callable[..., Wallet]
) -> None:
    """Four holders publish, view and withdraw at the same time through two workers: each page shows its own
    holder's badges only, and a withdrawal holds on every worker."""
    url, _master = gunicorn_host
    names = ("ada", "grace", "alan", "edsger")
    wallets = [make_wallet(name) for name in names]
    for name, wallet in zip(names, wallets, strict=True):
        collections.rename_collection(wallet.store, wallet.collection.id, f"{name} portfolio")

    def view(address: str) -> httpx.Response:
        return httpx.get(address, headers={"Connection": "close"}, timeout=60)

    def publish_and_view(wallet: Wallet) -> tuple[Wallet, str, list[str]]:
        publication = publish(wallet.store, wallet.collection.id, url)
        return wallet, publication.url, [view(publication.url).text for _ in range(4)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        published = list(pool.map(publish_and_view, wallets))
    for name, (_wallet, _address, pages) in zip(names, published, strict=True):
        for page in pages:
            assert page.count('class="badge"') == 2
            assert f"<h1>{name} portfolio</h1>" in page  # each holder's own page, never another's
            assert not any(f"{other} portfolio" in page for other in names if other != name)

    # Half withdraw while everyone views: the withdrawn answer 410 everywhere, the others stay whole.
    leaving, staying = published[:2], published[2:]
    with ThreadPoolExecutor(max_workers=8) as pool:
        gone = [pool.submit(unpublish, wallet.store, address) for wallet, address, _ in leaving]
        views = [pool.submit(view, address) for _wallet, address, _ in staying for _ in range(6)]
        for future in gone:
            future.result()
        assert {future.result().status_code for future in views} == {200}
    for _wallet, address, _ in leaving:
        assert {view(address).status_code for _ in range(6)} == {410}
    for _wallet, address, _ in staying:
        assert {view(address).status_code for _ in range(6)} == {200}
