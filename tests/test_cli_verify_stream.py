"""``backpack verify`` of many badges: reports streamed as they finish (``--json-lines``), the ``--json`` array written
incrementally in the order of the sources, and the verifier's ``on_report`` hook behind both (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_fixtures import *  # noqa: F403 - the issuer_server and issuer fixtures
from click.testing import CliRunner, Result
from issuer import IssuerFixture, IssuerServer, closed_port_url

from verifier import FetchPolicy, Report, VerifierPolicy, verify_many
from wallet.cli import cli

LOCAL = "--allow-private-network"


def invoke(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def sources(issuer: IssuerFixture, tmp_path: Path) -> list[str]:
    """Five valid hosted badges, one whose issuer cannot be reached, one unreadable file: in that order."""
    hosted = [issuer.hosted_assertion(f"s{n}")["id"] for n in range(5)]
    unreadable = tmp_path / "not-a-badge.txt"
    unreadable.write_text("no badge here")
    return [*hosted, closed_port_url("/assertions/down.json"), str(unreadable)]


def test_the_json_array_is_written_in_source_order_as_one_json_dumps_would(
    runner: CliRunner, sources: list[str]
) -> None:
    result = invoke(runner, "verify", LOCAL, "--json", *sources)
    assert result.exit_code == 2, result.output  # the unreadable file decides the exit code, as before
    reports = json.loads(result.stdout)
    assert [report["source"] for report in reports] == sources
    assert [report["status"] for report in reports] == ["valid"] * 5 + ["unverifiable", "invalid"]
    assert result.stdout == json.dumps(reports, indent=2, ensure_ascii=False) + "\n"


def test_json_lines_prints_one_report_per_line(runner: CliRunner, sources: list[str], tmp_path: Path) -> None:
    listing = tmp_path / "sources.txt"
    listing.write_text("\n".join(sources))
    result = invoke(runner, "verify", LOCAL, "--json-lines", "--from", str(listing))
    assert result.exit_code == 2, result.output
    reports: list[dict[str, Any]] = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(report["source"] for report in reports) == sorted(sources)
    by_source = {report["source"]: report for report in reports}
    assert by_source[sources[0]]["status"] == "valid"
    assert by_source[sources[-1]]["checks"][0]["id"] == "extracted"
    assert by_source[sources[-1]]["checks"][0]["outcome"] == "failed"


def test_json_lines_of_one_badge_is_one_line(runner: CliRunner, sources: list[str]) -> None:
    result = invoke(runner, "verify", LOCAL, "--json-lines", sources[0])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 1
    assert json.loads(result.stdout)["status"] == "valid"


def test_json_and_json_lines_cannot_be_combined(runner: CliRunner, sources: list[str]) -> None:
    result = invoke(runner, "verify", LOCAL, "--json", "--json-lines", sources[0])
    assert result.exit_code == 2
    assert "--json and --json-lines" in result.stderr


def test_on_report_sees_each_report_once_and_the_list_keeps_source_order(
    issuer: IssuerFixture, issuer_server: IssuerServer
) -> None:
    # Interleaved origins (the issuer's server and a closed port): the verifier starts them grouped by origin.
    good = [issuer.hosted_assertion(f"o{n}")["id"] for n in range(4)]
    down = [closed_port_url(f"/assertions/d{n}.json") for n in range(3)]
    sources = [good[0], down[0], good[1], down[1], good[2], down[2], good[3]]
    seen: list[tuple[int, Report]] = []
    policy = VerifierPolicy(fetch=FetchPolicy(allow_private_network=True))
    reports = verify_many(sources, policy=policy, on_report=lambda index, report: seen.append((index, report)))
    assert [report.source for report in reports] == sources
    assert sorted(index for index, _report in seen) == list(range(len(sources)))
    assert all(reports[index] is report for index, report in seen)
    assert [report.status for report in reports] == ["valid", "unverifiable"] * 3 + ["valid"]
    assert issuer_server.counts()[issuer_server.path_of(issuer.default_badge["id"])] == 1  # fetched once for all


def test_streamed_runs_keep_the_exit_codes_and_the_error_lines(runner: CliRunner, sources: list[str]) -> None:
    # The reports are not held (keep_reports=False): what decides the exit code is gathered as they stream by.
    unreadable = [sources[-1], sources[-1] + ".also"]
    Path(unreadable[1]).write_text("nor here")
    result = invoke(runner, "verify", LOCAL, "--json-lines", unreadable[1], *sources[:2], unreadable[0])
    assert result.exit_code == 2
    assert [line.split(": ")[2] for line in result.stderr.splitlines()] == [unreadable[1], unreadable[0]]
    assert invoke(runner, "verify", LOCAL, "--json-lines", *sources[:5]).exit_code == 0
    assert invoke(runner, "verify", LOCAL, "--json", *sources[:6]).exit_code == 1  # the unreachable issuer's badge


def test_keep_reports_false_hands_each_report_over_and_keeps_none(issuer: IssuerFixture) -> None:
    sources = [issuer.hosted_assertion(f"k{n}")["id"] for n in range(3)]
    seen: list[int] = []
    policy = VerifierPolicy(fetch=FetchPolicy(allow_private_network=True))
    kept = verify_many(sources, policy=policy, on_report=lambda index, _r: seen.append(index), keep_reports=False)
    assert kept == [] and sorted(seen) == [0, 1, 2]
