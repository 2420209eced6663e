"""Start-up cost of the command line: which libraries each command loads, in a fresh interpreter.

`backpack --help` has a budget of 150 ms (issue 17), and most of a Python program's start-up is importing. Timing is
not asserted here (the machines running the tests are shared); what decides it is: `--help`, `list` and `verify` of a
hosted badge never load the UI toolkits, the web framework, the image and QR libraries or the JSON-LD processor.
`bench/run.py` measures the time itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from cli_fixtures import *  # noqa: F403 - the issuer_server and issuer fixtures
from issuer import IssuerFixture, bake_png, json_text

ROOT = Path(__file__).resolve().parents[1]

# Run `backpack ARGS…` as the installed script does, then write the top-level names of every loaded module.
_PROBE = """
import atexit, json, sys

def _dump() -> None:
    with open(output, "w") as out:
        json.dump(sorted({name.split(".")[0] for name in sys.modules}), out)

atexit.register(_dump)
output, sys.argv = sys.argv[1], ["backpack", *sys.argv[2:]]
from wallet.cli import main
main()
"""

HEAVY = {"textual", "flask", "werkzeug", "PIL", "lxml", "segno", "pyld", "pyzbar", "rich", "jinja2", "sqlalchemy"}
"""Never loaded by --help, list or verify of a badge that does not need them."""
NETWORK_AND_CRYPTO = {
    "aiohttp",
    "httpx",
    "httpcore",
    "h11",
    "h2",
    "anyio",
    "cryptography",
    "joserfc",
    "rfc8785",
    "defusedxml",
}
"""Not needed to print help or list the backpack."""


def _loaded(tmp_path: Path, *args: str, exit_codes: tuple[int, ...] = (0,)) -> set[str]:
    output = tmp_path / "modules.json"
    env = {**os.environ, "BACKPACK_HOME": str(tmp_path / "home"), "BACKPACK_NO_TUI": "1"}
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, str(output), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode in exit_codes, result.stdout + result.stderr
    return set(json.loads(output.read_text()))


def test_the_probe_sees_what_a_command_loads(tmp_path: Path) -> None:
    loaded = _loaded(tmp_path, "--help")
    assert {"wallet", "click", "json"} <= loaded


def test_help_loads_neither_the_heavy_libraries_nor_the_network_stack(tmp_path: Path) -> None:
    for args in (["--help"], ["verify", "--help"], ["import", "--help"], ["publish", "--help"]):
        assert _loaded(tmp_path, *args) & (HEAVY | NETWORK_AND_CRYPTO) == set(), args


def test_list_loads_neither_the_heavy_libraries_nor_the_network_stack(tmp_path: Path, issuer: IssuerFixture) -> None:
    badge = tmp_path / "badge.json"
    badge.write_text(json_text(issuer.hosted_assertion("listed")))
    _loaded(tmp_path, "import", str(badge), "--allow-private-network")
    assert _loaded(tmp_path, "list") & (HEAVY | NETWORK_AND_CRYPTO) == set()
    assert _loaded(tmp_path, "list", "--expiring-within", "30d") & (HEAVY | NETWORK_AND_CRYPTO) == set()


def test_verifying_a_hosted_badge_loads_no_image_qr_or_json_ld_library(tmp_path: Path, issuer: IssuerFixture) -> None:
    hosted: dict[str, Any] = issuer.hosted_assertion("fast")
    loaded = _loaded(tmp_path, "verify", hosted["id"], "--allow-private-network")
    assert "aiohttp" in loaded  # it did fetch, over aiohttp: plain HTTP/1.1 needs no httpx (only HTTP/2 does)
    assert {"httpx", "h2"} & loaded == set()
    assert loaded & HEAVY == set()
    listed = tmp_path / "sources.txt"
    listed.write_text(hosted["id"] + "\n")
    assert _loaded(tmp_path, "verify", "--from", str(listed), "--json", "--allow-private-network") & HEAVY == set()


def test_an_image_loads_the_image_library_when_it_needs_it(tmp_path: Path, issuer: IssuerFixture) -> None:
    hosted = issuer.hosted_assertion("baked")
    image = tmp_path / "baked.png"
    image.write_bytes(bake_png(hosted["id"]))
    loaded = _loaded(tmp_path, "verify", str(image), "--allow-private-network")
    assert loaded & (HEAVY - {"PIL"}) == set()  # a baked PNG is read chunk by chunk: Pillow only for QR photos
