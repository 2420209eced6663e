"""``backpack verify``, ``import`` with verification, ``recheck``, statuses in ``list``/``show``, the verified demo.

Against the real local issuer of ``tests/issuer.py`` (127.0.0.1, so ``--allow-private-network``) and, for the demo,
against the demo issuer's documents cached in the backpack.
"""

from __future__ import annotations

import base64
import json
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from cli_fixtures import *  # noqa: F403 - the issuer_server and issuer fixtures
from cli_fixtures import EARNER, ISSUED_ON, statuses
from click.testing import CliRunner, Result
from issuer import IssuerFixture, IssuerServer, bake_png, closed_port_url, json_text, qr_photo

from verifier import extract
from wallet.cli import cli
from wallet.demo import seed_demo
from wallet.store import Store

LOCAL = "--allow-private-network"
REVOCATION_REASON = "Issued in error"
IMPORTED = re.compile(r"^imported ([0-9a-f]{10})  ", re.MULTILINE)


def invoke(runner: CliRunner, *args: str, **kwargs: Any) -> Result:
    return runner.invoke(cli, list(args), catch_exceptions=False, **kwargs)


def imported_ids(result: Result) -> list[str]:
    return IMPORTED.findall(result.stdout)


def listed(runner: CliRunner) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in json.loads(invoke(runner, "list", "--json").stdout)}


def assert_no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output


@pytest.fixture
def good(issuer: IssuerFixture) -> dict[str, Any]:
    """A valid hosted assertion, published."""
    return issuer.hosted_assertion("good", issued_on=ISSUED_ON)


@pytest.fixture
def revoked(issuer: IssuerFixture) -> dict[str, Any]:
    """A hosted assertion the issuer serves with ``revoked: true`` and a reason."""
    return issuer.hosted_assertion("gone", issued_on=ISSUED_ON, revoked=True, revocationReason=REVOCATION_REASON)


@pytest.fixture
def random_file(tmp_path: Path) -> Path:
    path = tmp_path / "noise.bin"
    path.write_bytes(random.Random(3).randbytes(4096))
    return path


def baked_file(tmp_path: Path, assertion: dict[str, Any], name: str = "badge.png") -> Path:
    path = tmp_path / name
    path.write_bytes(bake_png(json_text(assertion)))
    return path


# -- verify: human output and exit codes -------------------------------------------------------------------------


def test_verify_a_valid_hosted_badge_by_url(runner: CliRunner, good: dict[str, Any], home: Path) -> None:
    result = invoke(runner, "verify", LOCAL, good["id"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.splitlines() == [f"✔ valid        Robotics Badge — Example Issuer  ({good['id']})"]
    assert not home.exists()  # verify stores nothing, and creates no backpack when there is none


@pytest.mark.parametrize("how", ["revoked flag", "410 Gone"])
def test_verify_a_revoked_badge_exits_1_with_the_reason(
    runner: CliRunner, issuer_server: IssuerServer, request: pytest.FixtureRequest, how: str
) -> None:
    if how == "revoked flag":
        url = request.getfixturevalue("revoked")["id"]
        reason = f"Its issuer has revoked it. Reason given: {REVOCATION_REASON}"
    else:
        url = issuer_server.serve("/assertions/gone.json", {"error": "gone"}, status=410)
        reason = "Its issuer has revoked it."
    result = invoke(runner, "verify", LOCAL, url)
    assert result.exit_code == 1, result.output
    assert result.stderr == ""
    first, second = result.stdout.splitlines()
    assert first.startswith("⊘ revoked ")
    assert second.strip() == reason  # plain words; the verifier's message is in --json


def test_verify_with_an_unreachable_issuer_is_unverifiable(runner: CliRunner) -> None:
    url = closed_port_url("/assertions/a1.json")
    result = invoke(runner, "verify", LOCAL, url)
    assert result.exit_code == 1, result.output
    assert result.stderr == ""
    first, second = result.stdout.splitlines()
    assert first.startswith(f"? unverifiable {url}")
    assert second == (
        "    The issuer's website could not be reached, so the badge could not be checked: try again later."
    )


def test_verify_of_random_bytes_exits_2_with_one_line(runner: CliRunner, random_file: Path, home: Path) -> None:
    result = invoke(runner, "verify", str(random_file))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"backpack: error: {random_file}: unrecognised file: not a PNG, SVG, raster image, JSON, JWS or URL"
    ]
    assert result.stdout == ""
    assert_no_traceback(result)
    assert not home.exists()


def test_verify_reports_the_good_sources_when_others_cannot_be_read(
    runner: CliRunner, good: dict[str, Any], random_file: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.png"
    result = invoke(runner, "verify", LOCAL, str(random_file), good["id"], str(missing))
    assert result.exit_code == 2, result.output  # an input could not be read at all
    errors = result.stderr.splitlines()
    assert len(errors) == 2  # one line per unreadable input
    assert errors[0].startswith(f"backpack: error: {random_file}: unrecognised file")
    assert errors[1] == f"backpack: error: {missing}: no such file: {missing}"
    lines = result.stdout.splitlines()
    assert lines[0] == f"✔ valid        Robotics Badge — Example Issuer  ({good['id']})"
    assert lines[-1] == "1 of 3 valid"
    assert str(random_file) not in result.stdout
    assert_no_traceback(result)


def test_verify_json_of_an_unreachable_badge_shows_the_name_and_issuer_it_carries(
    runner: CliRunner, issuer: IssuerFixture, tmp_path: Path
) -> None:
    badge_class = issuer.badge_class("offline", publish=False, issuer=dict(issuer.profile))
    assertion = issuer.assertion(closed_port_url("/assertions/o1.json"), badge=badge_class, issuedOn=1359217910)
    path = tmp_path / "o1.json"
    path.write_text(json_text(assertion))
    result = invoke(runner, "verify", "--json", LOCAL, str(path))
    assert_no_traceback(result)
    report = json.loads(result.stdout)
    assert report["status"] == "unverifiable"
    badge = report["badge"]
    assert (badge["name"], badge["issuer_name"], badge["issued_on"]) == (
        "Offline Badge",
        "Example Issuer",
        "2013-01-26T16:31:50Z",
    )


def test_verify_json_names_an_open_badges_1_0_badge(runner: CliRunner, issuer_server: IssuerServer) -> None:
    organization = issuer_server.serve("/org.json", {"name": "Old Issuer", "url": issuer_server.base_url})
    badge_class = issuer_server.serve(
        "/badge.json",
        {
            "name": "Old Badge",
            "description": "d",
            "image": issuer_server.url("/b.png"),
            "criteria": "https://c.example",
            "issuer": organization,
        },
    )
    url = issuer_server.url("/a.json")
    recipient = {"type": "email", "hashed": False, "identity": EARNER}
    issuer_server.serve(
        url,
        {
            "uid": "1",
            "recipient": recipient,
            "badge": badge_class,
            "issuedOn": "2014-02-03",
            "verify": {"type": "hosted", "url": url},
        },
    )
    result = invoke(runner, "verify", "--json", LOCAL, url)
    report = json.loads(result.stdout)
    assert (result.exit_code, report["status"], report["format"]) == (0, "valid", "ob1.0-hosted")
    assert (report["badge"]["name"], report["badge"]["issued_on"]) == ("Old Badge", "2014-02-03T00:00:00Z")


def test_verify_json_is_one_object_for_one_source_and_an_array_for_several(
    runner: CliRunner, good: dict[str, Any], revoked: dict[str, Any]
) -> None:
    one = invoke(runner, "verify", "--json", LOCAL, good["id"])
    assert one.exit_code == 0
    report = json.loads(one.stdout)
    assert isinstance(report, dict)
    assert (report["status"], report["source"], report["badge_id"]) == ("valid", good["id"], good["id"])
    assert report["format"] == "ob2-hosted"
    assert report["badge"]["name"] == "Robotics Badge"
    assert {c["id"]: c["outcome"] for c in report["checks"]}["revocation"] == "passed"

    several = invoke(runner, "verify", "--json", LOCAL, good["id"], revoked["id"])
    assert several.exit_code == 1
    reports = json.loads(several.stdout)
    assert isinstance(reports, list)
    assert [(r["source"], r["status"]) for r in reports] == [(good["id"], "valid"), (revoked["id"], "revoked")]
    assert reports[1]["badge"]["revocation_reason"] == REVOCATION_REASON


def test_verify_from_a_file_of_sources(
    runner: CliRunner, issuer: IssuerFixture, good: dict[str, Any], revoked: dict[str, Any], tmp_path: Path
) -> None:
    third = issuer.hosted_assertion("third", issued_on=ISSUED_ON)
    listing = tmp_path / "sources.txt"
    listing.write_text(f"# badges to check\n\n{good['id']}\n   \n  # {third['id']} is commented out\n{revoked['id']}\n")
    result = invoke(runner, "verify", "--json", LOCAL, "--from", str(listing), third["id"])
    assert result.exit_code == 1
    # The arguments first, then the listed sources; comments and blank lines skipped.
    assert [(r["source"], r["status"]) for r in json.loads(result.stdout)] == [
        (third["id"], "valid"),
        (good["id"], "valid"),
        (revoked["id"], "revoked"),
    ]

    from_stdin = invoke(runner, "verify", LOCAL, "--from", "-", input=f"{good['id']}\n# nothing else\n")
    assert from_stdin.exit_code == 0
    assert from_stdin.stdout.splitlines() == [f"✔ valid        Robotics Badge — Example Issuer  ({good['id']})"]

    nothing = invoke(runner, "verify")
    assert nothing.exit_code == 2 and "give at least one SOURCE" in nothing.stderr
    unreadable_list = invoke(runner, "verify", "--from", str(tmp_path / "missing.txt"))
    assert unreadable_list.exit_code == 2
    assert unreadable_list.stderr.splitlines() == [
        f"backpack: error: cannot read the source list {tmp_path / 'missing.txt'}: No such file or directory"
    ]


def test_verify_with_another_recipient_exits_1_on_the_recipient_check(runner: CliRunner, good: dict[str, Any]) -> None:
    result = invoke(runner, "verify", LOCAL, "--recipient", "someone.else@example.org", good["id"])
    assert result.exit_code == 1, result.output
    first, second = result.stdout.splitlines()
    assert first.startswith("✘ invalid ")
    assert second == "    It was issued to someone else, not to the person it is being checked for."
    shown = invoke(runner, "verify", "--json", LOCAL, "--recipient", "someone.else@example.org", good["id"])
    recipient = next(c for c in json.loads(shown.stdout)["checks"] if c["id"] == "recipient")
    assert recipient["message"].startswith("issued to a hashed email, which is none of the identities given")
    assert "someone.else@example.org" in recipient["message"]

    # Any one of the identities given (or stored in the backpack) is enough.
    assert invoke(runner, "identity", "add", "someone.else@example.org").exit_code == 0
    matching = invoke(runner, "verify", "--json", LOCAL, "--recipient", EARNER, good["id"])
    assert matching.exit_code == 0
    recipient = next(c for c in json.loads(matching.stdout)["checks"] if c["id"] == "recipient")
    assert (recipient["outcome"], recipient["message"]) == ("passed", f"issued to {EARNER} (hashed email)")
    stored_only = invoke(runner, "verify", LOCAL, good["id"])
    assert stored_only.exit_code == 1
    assert stored_only.stdout.splitlines()[1] == (
        "    It was issued to someone else, not to the person it is being checked for."
    )


def test_verify_refuses_loopback_urls_without_allow_private_network(
    runner: CliRunner, good: dict[str, Any], issuer_server: IssuerServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    issuer_server.clear_log()
    result = invoke(runner, "verify", good["id"])
    assert result.exit_code == 1, result.output
    first, second = result.stdout.splitlines()
    assert first.startswith("? unverifiable ")
    assert second == (
        "    The link points into a private or local network, which this checker does not visit."
        " Use --allow-private-network to allow it."
    )
    assert issuer_server.requests == []  # refused before connecting

    monkeypatch.setenv("BACKPACK_ALLOW_PRIVATE_NETWORK", "1")
    assert invoke(runner, "verify", good["id"]).exit_code == 0


def test_verify_offline_uses_what_an_import_cached(
    runner: CliRunner, good: dict[str, Any], issuer_server: IssuerServer, tmp_path: Path
) -> None:
    imported = invoke(runner, "import", LOCAL, str(baked_file(tmp_path, good)))
    assert imported.exit_code == 0, imported.output
    # The issuer now fails: a network verification cannot conclude, an offline one uses the backpack's cache.
    issuer_server.serve(good["id"], "server error", status=500, content_type="text/plain")
    online = invoke(runner, "verify", "--json", LOCAL, good["id"])
    assert online.exit_code == 1
    assert json.loads(online.stdout)["status"] == "unverifiable"

    issuer_server.clear_log()
    offline = invoke(runner, "verify", "--json", "--offline", good["id"])
    assert offline.exit_code == 0, offline.output
    report = json.loads(offline.stdout)
    assert report["status"] == "valid"
    fetched = next(c for c in report["checks"] if c["id"] == "fetched")
    assert fetched["outcome"] == "passed"
    assert fetched["message"].startswith(f"fetched from {good['id']} (cached copy from ")
    assert issuer_server.requests == []  # not one request: everything came from the cache

    never_fetched = invoke(runner, "verify", "--offline", good["id"].replace("good", "other"))
    assert never_fetched.exit_code == 1
    assert "Checked offline, and no copy of the badge was saved before." in never_fetched.stdout


def test_verify_names_the_source_on_the_badge_line(runner: CliRunner, revoked: dict[str, Any]) -> None:
    result = invoke(runner, "verify", LOCAL, revoked["id"])
    first, second = result.stdout.splitlines()
    assert first.endswith(f"  ({revoked['id']})")
    assert second == f"    Its issuer has revoked it. Reason given: {REVOCATION_REASON}"


# -- import with verification, recheck, list, show --------------------------------------------------------------------


def test_import_verifies_and_recheck_sees_the_revocation(
    runner: CliRunner, issuer: IssuerFixture, good: dict[str, Any], tmp_path: Path
) -> None:
    imported = invoke(runner, "import", LOCAL, str(baked_file(tmp_path, good)))
    assert imported.exit_code == 0, imported.output
    [badge_id] = imported_ids(imported)
    assert statuses(imported.stdout) == {badge_id: "valid"}
    record = listed(runner)[badge_id]
    assert record["verification"]["status"] == "valid"
    assert record["verification"]["badge_id"] == good["id"]
    first_check = record["verification"]["checked_at"]
    assert first_check
    assert record["summary"]["name"] == "Robotics Badge"  # the badge class was fetched during verification

    issuer.publish({**good, "revoked": True, "revocationReason": REVOCATION_REASON})
    rechecked = invoke(runner, "recheck", "--all", LOCAL)
    assert rechecked.exit_code == 1, rechecked.output
    assert statuses(rechecked.stdout) == {badge_id: "revoked"}
    assert "(was valid)" in rechecked.stdout
    assert f"Its issuer has revoked it. Reason given: {REVOCATION_REASON}" in rechecked.stdout

    table = invoke(runner, "list")
    assert re.search(rf"^{badge_id}  ⊘ revoked\s+OB 2\.0  Robotics Badge ", table.stdout, re.MULTILINE)
    assert table.stdout.splitlines()[-1] == "1 badge · 1 revoked"
    report = listed(runner)[badge_id]["verification"]
    assert report["status"] == "revoked" and report["checked_at"] >= first_check

    # Rechecking again: still revoked, so no "(was …)".
    again = invoke(runner, "recheck", badge_id, LOCAL)
    assert again.exit_code == 1
    assert "(was" not in again.stdout


def test_recheck_one_id_leaves_the_others_alone(
    runner: CliRunner, issuer: IssuerFixture, issuer_server: IssuerServer, good: dict[str, Any], tmp_path: Path
) -> None:
    other = issuer.hosted_assertion("other", issued_on=ISSUED_ON)
    card = tmp_path / "card.jpg"
    card.write_bytes(qr_photo(other["id"]))
    imported = invoke(runner, "import", LOCAL, str(baked_file(tmp_path, good)), str(card))
    assert imported.exit_code == 0, imported.output
    good_id, other_id = imported_ids(imported)
    before = listed(runner)

    issuer_server.serve(other["id"], b"", status=410)
    issuer_server.serve(good["id"], b"", status=410)
    result = invoke(runner, "recheck", other_id[:6], LOCAL)
    assert result.exit_code == 1, result.output
    assert statuses(result.stdout) == {other_id: "revoked"}
    assert "(was valid)" in result.stdout
    assert good_id not in result.stdout
    after = listed(runner)
    assert after[other_id]["verification"]["status"] == "revoked"
    assert after[good_id]["verification"] == before[good_id]["verification"]  # not rechecked
    assert after[other_id]["summary"]["name"] == "Robotics Badge"  # a 410 report does not erase the name


def test_recheck_shows_the_change_on_the_badge_line(
    runner: CliRunner, issuer: IssuerFixture, good: dict[str, Any], tmp_path: Path
) -> None:
    [badge_id] = imported_ids(invoke(runner, "import", LOCAL, str(baked_file(tmp_path, good))))
    issuer.publish({**good, "revoked": True, "revocationReason": REVOCATION_REASON})
    first, second = invoke(runner, "recheck", "--all", LOCAL).stdout.splitlines()
    assert first.startswith(f"{badge_id}  ⊘ revoked ") and first.endswith("  (was valid)")
    assert second == f"    Its issuer has revoked it. Reason given: {REVOCATION_REASON}"


def test_recheck_needs_ids_or_all_but_not_both(runner: CliRunner) -> None:
    neither = invoke(runner, "recheck")
    assert neither.exit_code == 2
    assert "give badge ids, or --all" in neither.stderr
    both = invoke(runner, "recheck", "abcdef", "--all")
    assert both.exit_code == 2
    assert "not both" in both.stderr
    empty = invoke(runner, "recheck", "--all")
    assert empty.exit_code == 0
    assert "nothing to recheck" in empty.stdout
    for result in (neither, both, empty):
        assert_no_traceback(result)


def test_import_no_verify_stores_without_a_report(
    runner: CliRunner, good: dict[str, Any], issuer_server: IssuerServer, tmp_path: Path
) -> None:
    issuer_server.clear_log()
    result = invoke(runner, "import", "--no-verify", LOCAL, str(baked_file(tmp_path, good)))
    assert result.exit_code == 0, result.output
    [badge_id] = imported_ids(result)
    # Not verified, so no name from the issuer yet: the file's name stands for it.
    assert result.stdout.splitlines() == [f"imported {badge_id}  Badge  ({tmp_path / 'badge.png'})"]
    assert issuer_server.requests == []  # nothing fetched
    assert listed(runner)[badge_id]["verification"] is None
    shown = invoke(runner, "show", badge_id)
    assert f"Status:       not verified yet (run: backpack recheck {badge_id})" in shown.stdout

    # A first check is no change of status: no "(was …)".
    rechecked = invoke(runner, "recheck", badge_id, LOCAL)
    assert rechecked.exit_code == 0
    assert statuses(rechecked.stdout) == {badge_id: "valid"}
    assert "(was" not in rechecked.stdout


def test_list_has_a_status_column_and_a_summary_and_show_prints_the_checks(
    runner: CliRunner, good: dict[str, Any], revoked: dict[str, Any], tmp_path: Path
) -> None:
    result = invoke(
        runner, "import", LOCAL, str(baked_file(tmp_path, good)), str(baked_file(tmp_path, revoked, "gone.png"))
    )
    assert result.exit_code == 1, result.output  # one of them is not valid
    good_id, revoked_id = imported_ids(result)
    assert statuses(result.stdout) == {good_id: "valid", revoked_id: "revoked"}

    table = invoke(runner, "list")
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert lines[0].split()[:2] == ["ID", "STATUS"]
    assert re.search(
        rf"^{good_id}  ✔ valid\s+OB 2\.0  Robotics Badge\s+Example Issuer\s+2025-01-15  \d{{4}}-", table.stdout, re.M
    )
    assert re.search(rf"^{revoked_id}  ⊘ revoked\s+OB 2\.0  ", table.stdout, re.MULTILINE)
    assert lines[-1] == "2 badges · 1 valid · 1 revoked"

    shown = invoke(runner, "show", good_id)
    assert shown.exit_code == 0
    assert re.search(r"^Status:\s+✔ valid\s+\(checked \d{4}-\d\d-\d\dT[\d:]+Z\)$", shown.stdout, re.MULTILINE)
    checks = re.findall(r"^  (\S) (\w+)\s", shown.stdout, re.MULTILINE)
    assert [check_id for _mark, check_id in checks] == [
        "extracted",
        "fetched",
        "hosted_copy",
        "json_ld",
        "badge_class",
        "issuer",
        "properties",
        "recipient",
        "issued_on",
        "expiry",
        "origin",
        "revocation",
    ]
    assert dict((i, m) for m, i in checks)["recipient"] == "!"  # no identity to compare with: a warning
    assert f"  ✔ fetched      fetched from {good['id']}" in shown.stdout

    gone = invoke(runner, "show", revoked_id)
    assert re.search(r"^Status:\s+⊘ revoked ", gone.stdout, re.MULTILINE)
    assert f"  ✘ revocation   revoked by the issuer: {REVOCATION_REASON}" in gone.stdout


# -- the demo backpack --------------------------------------------------------------------------------------------

DEMO_STATUSES = {
    "Python Foundations": "valid",
    "Data Literacy": "valid",
    "Spreadsheet Basics": "expired",
    "Community Mentor": "revoked",
    "Accessible Web Design": "valid",
    "Git Essentials": "valid",
    "Cloud Fundamentals": "expired",
    "Team Leadership": "revoked",
}
DEMO_FORMATS = {
    "Python Foundations": "ob2-hosted",
    "Data Literacy": "ob2-signed",
    "Spreadsheet Basics": "ob2-hosted",
    "Community Mentor": "ob2-hosted",
    "Accessible Web Design": "ob3-data-integrity",
    "Git Essentials": "ob3-jwt",
    "Cloud Fundamentals": "ob3-data-integrity",
    "Team Leadership": "ob3-data-integrity",
}
ACADEMY = "European Skills Academy"
STATUS_LIST = "https://european-skills-academy.example/status/1"


def test_the_demo_backpack_is_verified_once_and_rechecks_offline(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, xdg_data_home: Path
) -> None:
    monkeypatch.delenv("BACKPACK_HOME")
    first = invoke(runner)
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines()[-1] == "8 badges · 4 valid · 2 expired · 2 revoked"
    demo = xdg_data_home / "openbadges-backpack"  # the user's own backpack, where the demo badges were put
    rows = {
        row["summary"]["name"]: row for row in json.loads(invoke(runner, "--home", str(demo), "list", "--json").stdout)
    }
    assert {name: row["verification"]["status"] for name, row in rows.items()} == DEMO_STATUSES
    assert {name: row["verification"]["format"] for name, row in rows.items()} == DEMO_FORMATS
    # Verified as its earner (the demo identity), and the signed badges by their signatures.
    for name in ("Data Literacy", "Accessible Web Design", "Git Essentials", "Cloud Fundamentals", "Team Leadership"):
        checks = {c["id"]: c for c in rows[name]["verification"]["checks"]}
        assert checks["recipient"]["outcome"] == "passed", name
        assert "ada.lovelace@example.com" in checks["recipient"]["message"], name
        assert checks["signature"]["outcome"] == "passed", name
    assert rows["Community Mentor"]["verification"]["badge"]["revocation_reason"] == "Issued in error"
    # OB 3.0: one did:key issuer; its revocation is read from its signed status list, cached in the demo backpack.
    issuers = {rows[name]["summary"]["issuer_id"] for name in DEMO_STATUSES if DEMO_FORMATS[name].startswith("ob3")}
    [academy] = issuers
    assert academy.startswith("did:key:z6Mk")
    leadership = {c["id"]: c for c in rows["Team Leadership"]["verification"]["checks"]}
    assert leadership["revocation"]["outcome"] == "failed"
    assert leadership["revocation"]["message"] == f"revoked (bit 7 of {STATUS_LIST})"
    accessible = {c["id"]: c for c in rows["Accessible Web Design"]["verification"]["checks"]}
    assert accessible["revocation"]["outcome"] == "passed" and "bit 3 " in accessible["revocation"]["message"]
    cloud = {c["id"]: c for c in rows["Cloud Fundamentals"]["verification"]["checks"]}
    assert (cloud["expiry"]["outcome"], cloud["expiry"]["message"]) == ("failed", "expired on 2025-06-30")
    ids = sorted(row["id"] for row in rows.values())

    second = invoke(runner)
    assert second.stdout.splitlines()[-1] == first.stdout.splitlines()[-1]
    assert sorted(r.id for r in Store(demo).list_badges()) == ids  # not seeded again

    # The demo issuers' documents are cached for good: a recheck, online, runs against the cache with the same outcome.
    rechecked = invoke(runner, "--home", str(demo), "recheck", "--all")
    assert rechecked.exit_code == 1
    assert Counter(statuses(rechecked.stdout).values()) == Counter(DEMO_STATUSES.values())
    assert "(was" not in rechecked.stdout
    assert "cannot resolve" not in rechecked.stdout
    assert "never fetched" not in rechecked.stdout


# -- OB 3.0 on the command line, in the demo backpack (its did:key issuer, its cached status list) --------------------


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo backpack, seeded once for the module: its files, and the documents that verify them, from one generation.

    The tests below only read it (``verify`` stores no badge; ``show`` reads), so they can share it.
    """
    home = tmp_path_factory.mktemp("demo") / "backpack"
    assert seed_demo(Store(home)) == 8
    return home


def demo_badge(home: Path, name: str) -> tuple[str, Path]:
    """The id and the file of the demo badge called ``name``."""
    [record] = [r for r in Store(home).list_badges() if r.summary["name"] == name]
    return record.id, Path(record.source.ref)


def test_verify_ob3_badges_offline_in_the_demo_backpack(runner: CliRunner, demo_home: Path) -> None:
    png = demo_home / "demo-files" / "accessible-web-design.png"  # Data Integrity, with a status list entry
    jwt = demo_home / "demo-files" / "git-essentials.svg"  # VC-JWT, kid = the issuer's did:key
    result = invoke(runner, "--home", str(demo_home), "verify", "--offline", str(png), str(jwt))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        f"✔ valid        Accessible Web Design — {ACADEMY}  ({png})",
        f"✔ valid        Git Essentials — {ACADEMY}  ({jwt})",
        "",
        "2 of 2 valid",
    ]

    report = json.loads(invoke(runner, "--home", str(demo_home), "verify", "--json", "--offline", str(png)).stdout)
    assert (report["status"], report["format"]) == ("valid", "ob3-data-integrity")
    checks = {c["id"]: c for c in report["checks"]}
    assert checks["signature"]["message"] == "valid DataIntegrityProof/eddsa-rdfc-2022 proof"
    assert checks["revocation"]["outcome"] == "passed"
    assert "bit 3 of the issuer's status list is 0" in checks["revocation"]["message"]

    # The status list is what the demo backpack's cache adds: in a backpack that never fetched it, offline, the
    # same credential cannot be concluded (while the VC-JWT, which has no status, needs nothing).
    elsewhere = invoke(runner, "verify", "--offline", str(png), str(jwt))
    assert elsewhere.exit_code == 1, elsewhere.output
    lines = elsewhere.stdout.splitlines()
    assert lines[0].startswith(f"? unverifiable Accessible Web Design — {ACADEMY}  ")
    assert lines[1] == "    Checked offline, and no copy of the issuer's revocation list was saved."
    assert lines[2].startswith("✔ valid        Git Essentials ")
    assert lines[-1] == "1 of 2 valid"


def test_verify_json_of_a_revoked_ob3_badge(runner: CliRunner, demo_home: Path) -> None:
    _badge_id, path = demo_badge(demo_home, "Team Leadership")
    result = invoke(runner, "--home", str(demo_home), "verify", "--json", "--offline", str(path))
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert (report["source"], report["status"], report["format"]) == (str(path), "revoked", "ob3-data-integrity")
    assert report["badge"]["name"] == "Team Leadership"
    assert report["badge"]["issuer_name"] == ACADEMY
    outcomes = {c["id"]: c["outcome"] for c in report["checks"]}
    assert outcomes["signature"] == outcomes["key_owner"] == "passed"  # authentic: revoked, not forged
    [revocation] = [c for c in report["checks"] if c["id"] == "revocation"]
    assert revocation == {
        "id": "revocation",
        "outcome": "failed",
        "message": f"revoked (bit 7 of {STATUS_LIST})",
        "problem": {
            "type": "https://www.w3.org/ns/credentials/status-list#STATUS_VERIFICATION_ERROR",
            "title": "STATUS_VERIFICATION_ERROR",
            "code": -129,
        },
    }

    human = invoke(runner, "--home", str(demo_home), "verify", "--offline", str(path))
    assert human.exit_code == 1
    assert human.stdout.splitlines() == [
        f"⊘ revoked      Team Leadership — {ACADEMY}  ({path})",
        "    Its issuer has revoked it.",
    ]


def shown_checks(output: str) -> dict[str, tuple[str, str]]:
    """Check id -> (mark, message), from the check lines of ``show``."""
    return {check_id: (mark, message) for mark, check_id, message in re.findall(r"^  (\S) (\w+) +(.*)$", output, re.M)}


def test_show_of_an_ob3_badge_prints_its_checks(runner: CliRunner, demo_home: Path) -> None:
    badge_id, path = demo_badge(demo_home, "Accessible Web Design")
    shown = invoke(runner, "--home", str(demo_home), "show", badge_id)
    assert shown.exit_code == 0, shown.output
    assert re.search(r"^Format:\s+OB 3\.0 · json$", shown.stdout, re.MULTILINE)
    assert re.search(rf"^Issuer:\s+{ACADEMY} · did:key:z6Mk\w+$", shown.stdout, re.MULTILINE)
    assert re.search(r"^Status:\s+✔ valid\s+\(checked \d{4}-\d\d-\d\dT[\d:]+Z\)$", shown.stdout, re.MULTILINE)
    checks = shown_checks(shown.stdout)
    ob3_checks = ["context", "type", "json_ld", "signature", "key_owner"]
    assert [c for c in checks if c in ob3_checks] == ob3_checks  # in this order
    assert all(checks[c][0] == "✔" for c in ob3_checks), checks
    assert checks["context"][1] == "VC 2.0 with context-3.0.3.json"
    assert checks["type"][1] == "OpenBadgeCredential"
    assert checks["signature"][1] == "valid DataIntegrityProof/eddsa-rdfc-2022 proof"
    issuer = re.search(r"^Issuer:.* · (did:key:\S+)$", shown.stdout, re.MULTILINE)
    assert issuer is not None
    assert checks["key_owner"][1].startswith(f"signed by the issuer's key {issuer.group(1)}#")
    assert checks["revocation"][0] == "✔" and "bit 3 " in checks["revocation"][1]
    assert '"cryptosuite": "eddsa-rdfc-2022"' in shown.stdout.split("\nPayload:\n", 1)[1]  # the proof, as baked
    assert f"Source:       {path} (PNG iTXt 'openbadgecredential')" in shown.stdout


def _b64url_json(part: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_show_of_a_jwt_badge_prints_its_decoded_claims(runner: CliRunner, demo_home: Path) -> None:
    badge_id, _path = demo_badge(demo_home, "Git Essentials")
    token = json.loads(invoke(runner, "--home", str(demo_home), "show", "--json", badge_id).stdout)["payload"]
    header_part, claims_part, _signature = token.split(".")

    shown = invoke(runner, "--home", str(demo_home), "show", badge_id)
    assert shown.exit_code == 0, shown.output
    assert re.search(r"^Format:\s+OB 3\.0 · jws$", shown.stdout, re.MULTILINE)
    checks = shown_checks(shown.stdout)
    assert checks["signature"] == ("✔", "valid EdDSA VC-JWT signature")
    assert checks["key_owner"][0] == "✔" and checks["jwt_claims"][0] == "✔"
    # The payload is decoded: the JOSE header on one line, then the claims as JSON (the credential and iss/jti/nbf).
    header_line, claims_text = shown.stdout.split("\nPayload:\n", 1)[1].split("\n", 1)
    assert header_line == (
        f"JWS header (compact JWS of {len(token)} characters): {json.dumps(_b64url_json(header_part))}"
    )
    assert json.loads(header_line.split(": ", 1)[1])["kid"].startswith("did:key:z6Mk")
    claims = json.loads(claims_text)
    assert claims == _b64url_json(claims_part)
    assert claims["name"] == "Git Essentials" and claims["jti"] == claims["id"]
    assert claims["iss"] == claims["issuer"]["id"]
    assert claims_part not in shown.stdout  # the decoded claims, not the compact token


def test_tampering_one_character_of_an_ob3_credential_breaks_its_signature(
    runner: CliRunner, demo_home: Path, tmp_path: Path
) -> None:
    _badge_id, path = demo_badge(demo_home, "Accessible Web Design")
    [found] = extract(path.read_bytes()).found
    text = found.payload.text
    original = tmp_path / "credential.json"
    original.write_text(text, encoding="utf-8")
    credential = json.loads(text)
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["name"] == "Accessible Web Design"
    achievement["name"] = "Accessible Web Desigm"  # one character
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(credential), encoding="utf-8")

    home = ("--home", str(demo_home))
    untouched = invoke(runner, *home, "verify", "--offline", str(original))
    assert untouched.exit_code == 0, untouched.output  # the JSON text on its own verifies
    result = invoke(runner, *home, "verify", "--offline", str(tampered))
    assert result.exit_code == 1, result.output
    assert result.stderr == ""
    first, decisive = result.stdout.splitlines()
    assert first == f"✘ invalid      Accessible Web Desigm — {ACADEMY}  ({tampered})"
    assert decisive == (
        "    Its signature does not match: it was changed after it was issued, or not signed by its issuer."
    )
