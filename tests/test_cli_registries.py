"""Issuer registries from the command line: ``backpack settings set registries``, and the issuer's name shown as
listed or self-asserted by ``verify`` and ``show``; a registry on a local server is used offline from the backpack's
cache once fetched."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import assert_one_line_error, ok, run
from click.testing import CliRunner
from issuer import IssuerServer
from ob3_issuer import OB3Issuer, ed25519_key

from wallet.store import Store

UNIVERSITY = OB3Issuer.did_key(ed25519_key("university"), name="Example University")
IMPOSTOR = OB3Issuer.did_key(ed25519_key("impostor"), name="Example University")


def trust_list(*issuers: OB3Issuer) -> dict[str, Any]:
    return {
        "type": "IssuerTrustList",
        "name": "Issuers our team trusts",
        "issuers": [{"id": issuer.id, "name": "Example University (trusted)"} for issuer in issuers],
    }


@pytest.fixture
def credential_file(tmp_path: Path) -> Path:
    path = tmp_path / "university.json"
    path.write_text(json.dumps(UNIVERSITY.sign(UNIVERSITY.credential())))
    return path


@pytest.fixture
def impostor_file(tmp_path: Path) -> Path:
    path = tmp_path / "impostor.json"
    path.write_text(json.dumps(IMPOSTOR.sign(IMPOSTOR.credential())))
    return path


@pytest.fixture
def trust_file(tmp_path: Path) -> Path:
    path = tmp_path / "trust.json"
    path.write_text(json.dumps(trust_list(UNIVERSITY)))
    return path


@pytest.fixture
def server() -> Iterator[IssuerServer]:
    with IssuerServer() as running:
        yield running


def test_set_registries_checks_urls_and_files(runner: CliRunner, home: Path, trust_file: Path) -> None:
    out = ok(run(runner, home, "settings", "set", "registries", f"https://r.example/registry.json, {trust_file}"))
    assert out == f"registries = https://r.example/registry.json,{trust_file}\n"
    shown = json.loads(ok(run(runner, home, "settings", "show", "--json")))
    assert shown["registries"] == f"https://r.example/registry.json,{trust_file}"
    assert_one_line_error(run(runner, home, "settings", "set", "registries", "ftp://r.example/x"), "http(s) URL")
    assert_one_line_error(run(runner, home, "settings", "set", "registries", "/no/such/list.json"), "no trust-list")
    (home.parent / "bad.json").write_text("[]")
    assert_one_line_error(
        run(runner, home, "settings", "set", "registries", str(home.parent / "bad.json")), "not a registry"
    )
    assert ok(run(runner, home, "settings", "set", "registries", "")) == "registries = (not set)\n"


def test_verify_marks_an_unlisted_issuers_name_as_self_asserted(
    runner: CliRunner, home: Path, trust_file: Path, credential_file: Path, impostor_file: Path
) -> None:
    unmarked = ok(run(runner, home, "verify", str(credential_file)))
    assert "— Example University  (/" in unmarked and "registry" not in unmarked  # no registries: as before
    ok(run(runner, home, "settings", "set", "registries", str(trust_file)))
    listed = ok(run(runner, home, "verify", str(credential_file)))
    assert "— Example University (trusted)  (listed in a registry you use)" in listed
    result = run(runner, home, "verify", str(impostor_file))
    assert result.exit_code == 0, result.output  # authentic: a warning only
    assert "— Example University  (self-asserted: not in any registry you use)" in result.output
    report = json.loads(ok(run(runner, home, "verify", "--json", str(impostor_file))))
    assert report["badge"]["issuer_name_confirmed"] is False
    assert next(c for c in report["checks"] if c["id"] == "issuer_known")["outcome"] == "warning"


def test_show_marks_the_issuer_and_an_http_registry_works_offline_from_the_cache(
    runner: CliRunner, home: Path, server: IssuerServer, credential_file: Path
) -> None:
    registry = {"meta": {"updated": "2026-01-01"}, "registry": {UNIVERSITY.id: {"name": "Example University (DCC)"}}}
    url = server.serve("/registry.json", registry)
    ok(run(runner, home, "settings", "set", "allow-private-network", "true"))
    ok(run(runner, home, "settings", "set", "registries", url))
    ok(run(runner, home, "import", str(credential_file)))
    [record] = Store(home).list_badges()
    shown = ok(run(runner, home, "show", record.id))
    assert f"Issuer:       Example University (DCC) · {UNIVERSITY.id}  (listed in a registry you use)" in shown
    server.close()
    ok(run(runner, home, "settings", "set", "offline", "true"))
    rechecked = ok(run(runner, home, "recheck", record.id))
    assert "Example University (DCC)  (listed in a registry you use)" in rechecked
    assert server.paths == ["/registry.json"]
