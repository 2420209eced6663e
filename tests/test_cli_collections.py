"""``backpack collection …``, ``backpack export --format bundle`` and ``backpack verify`` of a bundle, end to end."""

from __future__ import annotations

import json
import re
import shutil
import stat
from pathlib import Path

import pytest
from cli_helpers import assert_quiet_error as assert_one_line_error
from cli_helpers import ok, run
from click.testing import CliRunner

from wallet.cli import cli
from wallet.holder import holder
from wallet.store import Store

HOSTED, SIGNED, DATA_INTEGRITY, JWT = "Python Foundations", "Data Literacy", "Accessible Web Design", "Git Essentials"
FOUR_FORMS = [DATA_INTEGRITY, HOSTED, JWT, SIGNED]


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo backpack made by ``backpack --home H demo`` once per module; each test works on its own copy."""
    home = tmp_path_factory.mktemp("cli-demo") / "home"
    result = CliRunner().invoke(cli, ["--home", str(home), "demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"8 demo badges in {home} (the collection 'Demo')" in result.output
    # These tests build their own collections from the demo badges: the demo's own goes.
    assert CliRunner().invoke(cli, ["--home", str(home), "collection", "delete", "Demo"]).exit_code == 0
    return home


@pytest.fixture
def demo_home(demo_template: Path, tmp_path: Path) -> Path:
    home = tmp_path / "demo-home"
    shutil.copytree(demo_template, home)
    return home


@pytest.fixture
def ids(demo_home: Path) -> dict[str, str]:
    return {str(record.summary["name"]): record.id for record in Store(demo_home).list_badges()}


def steps(output: str) -> list[tuple[str, str]]:
    """(badge id, rest of the line) of each numbered step printed by ``collection show``."""
    return re.findall(r"^\s+\d+\. ([0-9a-f]{10})  (.*)$", output, re.MULTILINE)


def test_the_demo_command_makes_a_backpack_to_build_collections_from(runner: CliRunner, tmp_path: Path) -> None:
    home = tmp_path / "fresh"
    output = ok(run(runner, home, "demo"))
    assert "8 demo badges" in output
    ok(run(runner, home, "collection", "create", "All"))
    badge_ids = [record.id for record in Store(home).list_badges()]
    assert ok(run(runner, home, "collection", "add", "All", *badge_ids)) == "'All' now holds 8 badges\n"


def test_collection_commands_end_to_end(runner: CliRunner, demo_home: Path, ids: dict[str, str]) -> None:
    assert "No collections yet" in ok(run(runner, demo_home, "collection", "list"))
    created = ok(
        run(
            runner,
            demo_home,
            "collection",
            "create",
            "Data engineer",
            "--description",
            "What I bring to a data team.",
            "--tag",
            "data",
            "--tag",
            "python",
            "--plan",
            "Spark Basics",
            "--plan",
            "Airflow",
        )
    )
    match = re.fullmatch(r"created collection 'Data engineer' \(([0-9a-f]{10})\)\n", created)
    assert match, created
    collection_id = match.group(1)
    assert ok(run(runner, demo_home, "collection", "list")) == f"{collection_id}  Data engineer  ·  0 of 2 earned\n"

    added = ok(run(runner, demo_home, "collection", "add", "data engineer", *(ids[n][:6] for n in FOUR_FORMS)))
    assert added == "'Data engineer' now holds 4 badges\n"
    assert ok(run(runner, demo_home, "collection", "add", collection_id, ids[HOSTED])).endswith("holds 4 badges\n")

    shown = ok(run(runner, demo_home, "collection", "show", "Data engineer"))
    lines = shown.splitlines()
    assert lines[:4] == [
        f"Data engineer  ({collection_id})",
        "What I bring to a data team.",
        "tags: data, python",
        "4 of 6 earned",
    ]
    assert [badge_id for badge_id, _rest in steps(shown)] == [ids[n] for n in FOUR_FORMS]
    assert all("✔ valid" in rest for _id, rest in steps(shown))
    assert [rest.endswith(name) for (_id, rest), name in zip(steps(shown), FOUR_FORMS, strict=True)] == [True] * 4
    assert re.search(r"^\s+5\. .*○ planned\s+Spark Basics$", shown, re.MULTILINE)
    assert re.search(r"^\s+6\. .*○ planned\s+Airflow$", shown, re.MULTILINE)

    ordered = ok(run(runner, demo_home, "collection", "order", "Data engineer", ids[SIGNED], ids[JWT]))
    assert [badge_id for badge_id, _rest in steps(ordered)] == [ids[n] for n in [SIGNED, JWT, DATA_INTEGRITY, HOSTED]]

    removed = ok(run(runner, demo_home, "collection", "remove", "Data engineer", ids[JWT]))
    assert removed == "'Data engineer' now holds 3 badges\n"
    assert len(Store(demo_home).list_badges()) == 8  # still in the backpack

    document = json.loads(ok(run(runner, demo_home, "collection", "show", collection_id[:5], "--json")))
    assert document["badge_ids"] == [ids[n] for n in [SIGNED, DATA_INTEGRITY, HOSTED]]
    assert document["progress"] == {"earned": 3, "total": 5}
    assert (document["planned"], document["tags"]) == (["Spark Basics", "Airflow"], ["data", "python"])

    assert ok(run(runner, demo_home, "collection", "rename", "Data engineer", "Data analyst")) == (
        "renamed to 'Data analyst'\n"
    )
    [listed] = json.loads(ok(run(runner, demo_home, "collection", "list", "--json")))
    assert (listed["id"], listed["name"]) == (collection_id, "Data analyst")

    assert ok(run(runner, demo_home, "collection", "delete", "data ANALYST")) == "deleted collection 'Data analyst'\n"
    assert "No collections yet" in ok(run(runner, demo_home, "collection", "list"))
    assert len(Store(demo_home).list_badges()) == 8


def test_show_marks_revoked_and_expired_badges(runner: CliRunner, demo_home: Path, ids: dict[str, str]) -> None:
    names = [HOSTED, "Cloud Fundamentals", "Team Leadership", "Community Mentor", "Spreadsheet Basics"]
    ok(run(runner, demo_home, "collection", "create", "Mixed", "--plan", "Next"))
    ok(run(runner, demo_home, "collection", "add", "Mixed", *(ids[n] for n in names)))
    shown = ok(run(runner, demo_home, "collection", "show", "Mixed"))
    assert "1 of 6 earned · 2 expired · 2 revoked" in shown.splitlines()
    marks = {rest.split(None, 2)[2]: rest.split(None, 2)[:2] for _id, rest in steps(shown)}
    assert marks == {
        HOSTED: ["✔", "valid"],
        "Cloud Fundamentals": ["⌛", "expired"],
        "Team Leadership": ["⊘", "revoked"],
        "Community Mentor": ["⊘", "revoked"],
        "Spreadsheet Basics": ["⌛", "expired"],
    }
    listed = ok(run(runner, demo_home, "collection", "list"))
    assert listed.endswith("Mixed  ·  1 of 6 earned · 2 expired · 2 revoked\n")


def test_export_a_bundle_and_verify_it(runner: CliRunner, demo_home: Path, ids: dict[str, str], tmp_path: Path) -> None:
    ok(run(runner, demo_home, "collection", "create", "Job profile", "--description", "For recruiters."))
    ok(run(runner, demo_home, "collection", "add", "Job profile", *(ids[n] for n in FOUR_FORMS)))
    bundle_path = tmp_path / "portfolio.jsonld"
    exported = run(runner, demo_home, "export", "job profile", "--format", "bundle", "-o", str(bundle_path))
    did = holder(Store(demo_home)).did
    assert ok(exported) == f"wrote {bundle_path}: 'Job profile', signed by {did}\n"
    assert stat.S_IMODE(bundle_path.stat().st_mode) == 0o644
    assert stat.S_IMODE((demo_home / "holder-key.pem").stat().st_mode) == 0o600
    bundle = json.loads(bundle_path.read_text("utf-8"))
    assert bundle["holder"] == did and bundle["proof"]["verificationMethod"].startswith(did + "#")

    verified = run(runner, demo_home, "verify", str(bundle_path), "--offline")
    lines = ok(verified).splitlines()
    assert lines[0].startswith("✔ valid") and "Job profile" in lines[0] and str(bundle_path) in lines[0]
    assert len(lines) == 1 + len(FOUR_FORMS)
    for line, name in zip(lines[1:], FOUR_FORMS, strict=True):
        assert line.startswith("    ✔ valid") and name in line, line

    report = json.loads(ok(run(runner, demo_home, "verify", str(bundle_path), "--offline", "--json")))
    assert (report["format"], report["status"]) == ("bundle", "valid")
    assert {check["id"]: check["outcome"] for check in report["checks"]}["holder"] == "passed"
    assert [item["status"] for item in report["items"]] == ["valid"] * 4

    # A copy with one byte of the collection name changed: invalid, and the holder check says why.
    text = bundle_path.read_text("utf-8")
    assert text.count('"name": "Job profile"') == 2  # the presentation's name and the collection's
    tampered = tmp_path / "tampered.jsonld"
    tampered.write_text(text.replace('"name": "Job profile"', '"name": "Job profilE"', 1), "utf-8")
    result = run(runner, demo_home, "verify", str(tampered), "--offline")
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("✘ invalid")
    assert "The portfolio's signature does not match: it was changed, or signed by someone else." in result.stdout

    # Both files at once: one line each plus their badges, and a summary.
    both = run(runner, demo_home, "verify", str(bundle_path), str(tampered), "--offline")
    assert both.exit_code == 1
    assert both.stdout.rstrip().endswith("1 of 2 valid")


def test_a_bundle_names_its_holder_inside_the_signature(
    runner: CliRunner, demo_home: Path, ids: dict[str, str], tmp_path: Path
) -> None:
    ok(run(runner, demo_home, "settings", "set", "display-name", "Ada Lovelace"))
    ok(run(runner, demo_home, "collection", "create", "Job profile"))
    ok(run(runner, demo_home, "collection", "add", "Job profile", *(ids[n] for n in FOUR_FORMS)))
    bundle_path = tmp_path / "portfolio.jsonld"
    exported = ok(run(runner, demo_home, "export", "Job profile", "-o", str(bundle_path)))
    did = holder(Store(demo_home)).did
    assert exported == f"wrote {bundle_path}: 'Job profile', signed by Ada Lovelace ({did})\n"
    bundle = json.loads(bundle_path.read_text("utf-8"))
    assert bundle["holder"] == {"id": did, "name": "Ada Lovelace"}
    report = json.loads(ok(run(runner, demo_home, "verify", str(bundle_path), "--offline", "--json")))
    assert (report["status"], {c["id"]: c["outcome"] for c in report["checks"]}["holder"]) == ("valid", "passed")
    # The name is signed: another name is another document.
    tampered = tmp_path / "renamed.jsonld"
    tampered.write_text(json.dumps({**bundle, "holder": {"id": did, "name": "Grace Hopper"}}), "utf-8")
    result = run(runner, demo_home, "verify", str(tampered), "--offline")
    assert result.exit_code == 1 and result.stdout.startswith("✘ invalid"), result.output


def test_a_bundle_with_a_revoked_badge_verifies_as_revoked(
    runner: CliRunner, demo_home: Path, ids: dict[str, str], tmp_path: Path
) -> None:
    ok(run(runner, demo_home, "collection", "create", "Mentoring"))
    ok(run(runner, demo_home, "collection", "add", "Mentoring", ids[HOSTED], ids["Team Leadership"]))
    bundle_path = tmp_path / "mentoring.jsonld"
    ok(run(runner, demo_home, "export", "Mentoring", "-o", str(bundle_path)))
    result = run(runner, demo_home, "verify", str(bundle_path), "--offline")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("⊘ revoked") and "holder" not in result.stdout
    assert lines[1].startswith("    ✔ valid") and HOSTED in lines[1]
    assert lines[2].startswith("    ⊘ revoked") and "Team Leadership" in lines[2]
    assert lines[3].strip() == "Its issuer has revoked it."


def test_removing_a_badge_takes_it_out_of_its_collections(
    runner: CliRunner, demo_home: Path, ids: dict[str, str]
) -> None:
    for name in ["Path", "Profile", "Other"]:
        ok(run(runner, demo_home, "collection", "create", name))
    ok(run(runner, demo_home, "collection", "add", "Path", ids[HOSTED], ids[SIGNED]))
    ok(run(runner, demo_home, "collection", "add", "Profile", ids[SIGNED]))
    ok(run(runner, demo_home, "collection", "add", "Other", ids[JWT]))
    output = ok(run(runner, demo_home, "remove", ids[SIGNED]))
    assert output.splitlines() == [
        f"removed {ids[SIGNED]}  {SIGNED}",
        "also taken out of the collection 'Path'",
        "also taken out of the collection 'Profile'",
    ]
    assert [i for i, _rest in steps(ok(run(runner, demo_home, "collection", "show", "Path")))] == [ids[HOSTED]]
    assert "0 badges" in ok(run(runner, demo_home, "collection", "show", "Profile"))
    assert ok(run(runner, demo_home, "remove", ids[HOSTED])).splitlines()[1:] == [
        "also taken out of the collection 'Path'"
    ]
    assert ok(run(runner, demo_home, "remove", ids[DATA_INTEGRITY])).count("\n") == 1  # in no collection


def test_errors_are_one_line_with_exit_2(runner: CliRunner, demo_home: Path, ids: dict[str, str], tmp_path: Path):
    ok(run(runner, demo_home, "collection", "create", "Path"))
    ok(run(runner, demo_home, "collection", "create", "Other"))
    ok(run(runner, demo_home, "collection", "add", "Path", ids[HOSTED]))
    out = str(tmp_path / "out.jsonld")
    for args in [
        ("collection", "show", "Nope"),
        ("collection", "add", "Nope", ids[HOSTED]),
        ("collection", "remove", "Nope", ids[HOSTED]),
        ("collection", "order", "Nope", ids[HOSTED]),
        ("collection", "rename", "Nope", "Newer"),
        ("collection", "delete", "Nope"),
        ("export", "Nope", "-o", out),
    ]:
        assert_one_line_error(run(runner, demo_home, *args), "no collection named 'Nope'")
    assert_one_line_error(run(runner, demo_home, "collection", "create", "path"), "already exists")
    assert_one_line_error(run(runner, demo_home, "collection", "create", "  "), "needs a name")
    assert_one_line_error(run(runner, demo_home, "collection", "rename", "Other", "PATH"), "already exists")
    assert_one_line_error(run(runner, demo_home, "collection", "add", "Path", "ffffffffff"), "no badge with id")
    assert_one_line_error(run(runner, demo_home, "collection", "add", "Path", "abc"), "no badge with id")
    assert_one_line_error(run(runner, demo_home, "collection", "remove", "Path", ids[SIGNED]), "not in 'Path'")
    assert_one_line_error(run(runner, demo_home, "collection", "order", "Path", ids[SIGNED]), "not in 'Path'")
    assert_one_line_error(run(runner, demo_home, "export", "Other", "-o", out), "no badges")
    assert not Path(out).exists()
    # Nothing changed by the failed commands.
    document = json.loads(ok(run(runner, demo_home, "collection", "list", "--json")))
    assert {c["name"]: c["badge_ids"] for c in document} == {"Path": [ids[HOSTED]], "Other": []}


def test_missing_arguments_are_usage_errors(runner: CliRunner, demo_home: Path) -> None:
    for args in [("collection", "add", "Path"), ("collection", "create"), ("export", "Path")]:
        result = run(runner, demo_home, *args)
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert "Missing" in result.stderr
