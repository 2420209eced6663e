"""The CLI on hostile input (issue 16): deeply nested JSON and JOSE headers of the wrong type give the CLI's contract
— one line and exit 2 for what cannot be read, a report and exit 1 for what cannot be verified — never
"internal error … report it"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import assert_one_line_error, run
from click.testing import CliRunner, Result
from ob3_issuer import OB3Issuer, b64url, ed25519_key

from wallet.cli import cli

NESTED = '{"a":' + "[" * 599 + "]" * 599 + "}"  # about 1 KB: what escaped as RecursionError before


def _no_internal_error(result: Result) -> None:
    assert "internal error" not in result.output
    assert "Traceback" not in result.output


@pytest.fixture
def nested_file(tmp_path: Path) -> Path:
    path = tmp_path / "nested.json"
    path.write_text(NESTED)
    return path


@pytest.mark.parametrize("command", ["import", "extract"])
def test_reading_a_nested_file_is_one_line_and_exit_2(
    runner: CliRunner, home: Path, nested_file: Path, command: str
) -> None:
    result = run(runner, home, command, str(nested_file))
    _no_internal_error(result)
    assert_one_line_error(result, "nested.json", "the badge JSON is nested more than 100 levels deep")


def test_importing_nested_json_from_standard_input_is_one_line_and_exit_2(runner: CliRunner, home: Path) -> None:
    result = runner.invoke(cli, ["--home", str(home), "import", "-"], input=NESTED, catch_exceptions=False)
    _no_internal_error(result)
    assert_one_line_error(result, "the badge JSON is nested more than 100 levels deep")


@pytest.mark.parametrize("given", ["file", "stdin"])
def test_verifying_nested_json_is_unverifiable_with_exit_1(
    runner: CliRunner, home: Path, nested_file: Path, given: str
) -> None:
    source = str(nested_file) if given == "file" else "-"
    result = runner.invoke(cli, ["--home", str(home), "verify", source], input=NESTED, catch_exceptions=False)
    _no_internal_error(result)
    assert result.exit_code == 1, result.output
    assert "unverifiable" in result.stdout
    assert "What was given is nested too deeply to be checked." in result.stdout


def test_verify_json_reports_the_limit_as_the_extracted_check(runner: CliRunner, home: Path, nested_file: Path) -> None:
    result = run(runner, home, "verify", "--json", str(nested_file))
    _no_internal_error(result)
    assert result.exit_code == 1
    report: dict[str, Any] = json.loads(result.stdout)
    assert report["status"] == "unverifiable"
    extracted = next(c for c in report["checks"] if c["id"] == "extracted")
    assert extracted["outcome"] == "error"
    assert extracted["message"] == "the badge JSON is nested more than 100 levels deep"


@pytest.mark.parametrize("alg", [{"name": "EdDSA"}, ["EdDSA", "RS256"]])
def test_verifying_a_vc_jwt_whose_alg_is_not_a_name_is_invalid(runner: CliRunner, home: Path, alg: Any) -> None:
    issuer = OB3Issuer.did_key(ed25519_key("cli-alg"))
    header = {"alg": alg, "typ": "vc+jwt", "kid": issuer.vm}
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(issuer.credential()).encode())}"
    token = f"{signing_input}.{b64url(b'not checked: the algorithm is refused first')}"
    result = runner.invoke(cli, ["--home", str(home), "verify", "-"], input=token, catch_exceptions=False)
    _no_internal_error(result)
    assert result.exit_code == 1, result.output
    assert "invalid" in result.stdout


def test_a_source_with_undecodable_bytes_is_one_line_and_exit_2(runner: CliRunner, home: Path) -> None:
    """Found by fuzzing: bytes that are not UTF-8 in a command line reach Python as lone surrogates, which the
    payload classifier could not even hash (UnicodeEncodeError, "internal error")."""
    result = run(runner, home, "verify", "https://issuer.example/badge\udcff")
    _no_internal_error(result)
    assert_one_line_error(result, "the badge text is not valid Unicode")
