"""``backpack publish``, ``unpublish``, ``published`` and ``backpack host serve|migrate``, end to end against a real
host served on loopback: the page, updating it, withdrawing it, and another holder's attempts."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from cli_helpers import assert_one_line_error, ok, run
from click.testing import CliRunner, Result
from host_helpers import HostServer, Wallet, free_port
from PIL import Image
from pyzbar import pyzbar

from wallet.cli import cli
from wallet.publishing import Publication, published

PAGE = re.compile(r"^(http://127\.0\.0\.1:\d+/p/[a-z0-9-]+)$", re.MULTILINE)

# The CLI's behaviour does not depend on the host's database: SQLite is enough here (tests/host covers PostgreSQL).
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _url(result: Result) -> str:
    found = PAGE.search(ok(result))
    assert found, result.stdout
    return found.group(1)


def _refused(result: Result, *fragments: str) -> None:
    """Exit 1 (the host refused), one line on stderr, no traceback."""
    assert result.exit_code == 1, result.output
    [line] = result.stderr.splitlines()
    assert line.startswith("backpack: error: ") and all(f in line for f in fragments), line
    assert "Traceback" not in result.output


@sqlite_only
def test_publish_update_list_unpublish(
    runner: CliRunner, host_server: HostServer, make_wallet: Callable[..., Wallet], tmp_path: Path
) -> None:
    home = make_wallet("ada").store.home
    qr_file = tmp_path / "cv-qr.png"
    first = run(runner, home, "publish", "Job applications", "--to", host_server.url, "--qr", str(qr_file))
    url = _url(first)
    assert "published 'Job applications'" in first.stdout and "▀" in first.stdout  # the QR code, in the terminal
    [decoded] = pyzbar.decode(Image.open(qr_file))
    assert decoded.data.decode() == url
    page = httpx.get(url, timeout=30)
    assert page.status_code == 200 and page.text.count("pill-valid") == 2

    # The saved host stands in for --to; publishing again updates the same page.
    ok(run(runner, home, "settings", "set", "publish-host", host_server.url))
    again = run(runner, home, "publish", "Job applications", "--expires", "30d")
    assert _url(again) == url and ", until 20" in again.stdout

    listing = ok(run(runner, home, "published"))
    assert listing.startswith("live") and "Job applications until 20" in listing and url in listing
    [row] = json.loads(ok(run(runner, home, "published", "--json")))
    assert (row["url"], row["state"], row["host"]) == (url, "live", host_server.url)
    assert row["expires_at"] and row["withdrawn_at"] is None

    withdrew = ok(run(runner, home, "unpublish", url))
    assert withdrew == f"withdrew 'Job applications': {url}\n"
    gone = httpx.get(url, timeout=30)
    assert gone.status_code == 410 and "withdrawn by its holder" in gone.text
    assert ok(run(runner, home, "published")).startswith("withdrawn")

    checked = run(runner, home, "verify", url, "--allow-private-network")
    assert checked.exit_code == 1, checked.output
    # Plain words: the holder withdrew the link; no issuer revoked anything.
    assert "has withdrawn it" in checked.stdout and "revoked" not in checked.stdout.lower()


@sqlite_only
def test_unpublish_by_collection_name(
    runner: CliRunner, host_server: HostServer, make_wallet: Callable[..., Wallet]
) -> None:
    home = make_wallet("ada").store.home
    url = _url(run(runner, home, "publish", "Job applications", "--to", host_server.url, "--slug", "ada-cv"))
    assert url == f"{host_server.url}/p/ada-cv"
    assert ok(run(runner, home, "unpublish", "job applications")) == f"withdrew 'Job applications': {url}\n"
    assert httpx.get(url, timeout=30).status_code == 410
    assert_one_line_error(run(runner, home, "unpublish", url), "nothing live is published")


@sqlite_only
def test_another_holder_can_neither_overwrite_nor_withdraw(
    runner: CliRunner, host_server: HostServer, make_wallet: Callable[..., Wallet]
) -> None:
    ada, eve = make_wallet("ada"), make_wallet("eve")
    url = _url(run(runner, ada.store.home, "publish", "Job applications", "--to", host_server.url, "--slug", "ada-cv"))

    _refused(
        run(runner, eve.store.home, "publish", "Job applications", "--to", host_server.url, "--slug", "ada-cv"),
        "not_owner",
    )
    # Even with Ada's page in Eve's own list (a copied backpack, a forged record), the host refuses Eve's withdrawal.
    [ada_publication] = published(ada.store)
    _copy_publication(eve, ada_publication)
    _refused(run(runner, eve.store.home, "unpublish", url), "not_owner")
    page = httpx.get(url, timeout=30)
    assert page.status_code == 200 and page.text.count("pill-valid") == 2


def _copy_publication(wallet: Wallet, publication: Publication) -> None:
    with wallet.store.transaction(write=True) as db:
        db.insert("publications", publication.to_dict())


def test_publish_refuses_without_a_host_or_with_bad_options(
    runner: CliRunner, make_wallet: Callable[..., Wallet], tmp_path: Path
) -> None:
    home = make_wallet("ada").store.home
    assert_one_line_error(run(runner, home, "publish", "Job applications"), "no share host", "publish-host")
    assert_one_line_error(run(runner, home, "publish", "Job applications", "--to", "ftp://x"), "http(s) URL")
    assert_one_line_error(run(runner, home, "publish", "Nope", "--to", "http://127.0.0.1:9"), "Nope")
    bad_slug = run(runner, home, "publish", "Job applications", "--to", "http://127.0.0.1:9", "--slug", "A b")
    assert bad_slug.exit_code == 2 and "page name" in bad_slug.stderr
    bad_qr = run(runner, home, "publish", "Job applications", "--to", "http://127.0.0.1:9", "--qr", "qr.gif")
    assert bad_qr.exit_code == 2 and "FILE.svg or FILE.png" in bad_qr.stderr
    static_and_slug = run(runner, home, "publish", "Job applications", "--static", str(tmp_path), "--slug", "ada-cv")
    assert_one_line_error(static_and_slug, "--static writes files")
    # Nothing listens on a free port: the host cannot be reached, which is a refusal, not a usage error.
    _refused(
        run(runner, home, "publish", "Job applications", "--to", f"http://127.0.0.1:{free_port()}"),
        "cannot be reached",
    )
    assert ok(run(runner, home, "published")).startswith("Nothing is published")


def test_publish_static(runner: CliRunner, make_wallet: Callable[..., Wallet], tmp_path: Path) -> None:
    pytest.importorskip("wallet.static_site", reason="the static site writer is merged from its own branch")
    home = make_wallet("ada").store.home
    folder = tmp_path / "site"
    written = ok(run(runner, home, "publish", "Job applications", "--static", str(folder)))
    assert str(folder) in written and (folder / "index.html").is_file() and (folder / "bundle.jsonld").is_file()
    archive = tmp_path / "site.zip"
    ok(run(runner, home, "publish", "Job applications", "--static", str(archive)))
    assert archive.is_file()


# -- backpack host serve | migrate -----------------------------------------------------------------------------------


def test_host_migrate(runner: CliRunner, tmp_path: Path) -> None:
    database = tmp_path / "host.sqlite3"
    result = runner.invoke(cli, ["host", "migrate", "--database", f"sqlite:///{database}"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.stdout and database.is_file()


@pytest.fixture
def served_host(tmp_path: Path) -> Iterator[str]:
    """``backpack host serve`` in its own process, on a free loopback port."""
    port = free_port()
    backpack = Path(sys.executable).with_name("backpack")
    env = {**os.environ, "BACKPACK_HOST_PUBLIC_URL": ""}
    log = tmp_path / "host.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(backpack), "host", "serve", "--port", str(port), "--database", f"sqlite:///{tmp_path / 'h.sqlite3'}"],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the host did not start: {log.read_text(errors='replace')}")
            time.sleep(0.2)
        yield url
        assert "Serving the share host on" in log.read_text()
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_host_serve_takes_a_publication(
    runner: CliRunner, served_host: str, make_wallet: Callable[..., Wallet]
) -> None:
    home = make_wallet("ada").store.home
    url = _url(run(runner, home, "publish", "Job applications", "--to", served_host))
    assert url.startswith(f"{served_host}/p/")
    page = httpx.get(url, timeout=30)
    assert page.status_code == 200 and page.text.count("pill-valid") == 2
