"""``backpack bake``, ``backpack export --format images|card`` and ``backpack list --expiring-within``."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error
from click.testing import CliRunner, Result
from PIL import Image

from verifier import extract
from wallet.cli import cli

HOSTED_URL = "https://badges.open-learning-lab.example/assertions/python-foundations.json"
IMPORTED = re.compile(r"^(?:imported|updated ) ([0-9a-f]{10})  ", re.MULTILINE)


def invoke(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(cli, list(args), catch_exceptions=False)


def import_files(runner: CliRunner, *paths: Path, home: Path | None = None) -> list[str]:
    args = (["--home", str(home)] if home else []) + ["import", "--no-verify", *map(str, paths)]
    result = invoke(runner, *args)
    assert result.exit_code == 0, result.output
    return IMPORTED.findall(result.stdout)


@pytest.fixture
def ids(runner: CliRunner, badge_files: dict[str, Path]) -> dict[str, str]:
    """The demo badges imported (unverified) into the test backpack: file name -> badge id."""
    names = sorted(badge_files)
    return dict(zip(names, import_files(runner, *(badge_files[n] for n in names)), strict=True))


# -- bake ----------------------------------------------------------------------------------------------------------


def test_bake_writes_the_badge_in_its_original_image(
    runner: CliRunner, badge_files: dict[str, Path], ids: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "mine.png"
    result = invoke(runner, "bake", ids["python-foundations.png"], "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"wrote {out}"
    assert out.read_bytes() == badge_files["python-foundations.png"].read_bytes()

    svg = tmp_path / "signed.SVG"  # the suffix is compared case-insensitively
    assert invoke(runner, "bake", ids["data-literacy.svg"], "-o", str(svg)).exit_code == 0
    assert extract(svg.read_bytes()).payload.kind == "jws"


def test_bake_round_trip_into_another_backpack(
    runner: CliRunner, ids: dict[str, str], tmp_path: Path, home: Path
) -> None:
    folder = tmp_path / "baked"
    folder.mkdir()
    for badge_id in ids.values():
        assert invoke(runner, "bake", badge_id, "-o", str(folder)).exit_code == 0  # a folder: the badge's file name
    assert len(list(folder.iterdir())) == len(ids)
    other = tmp_path / "other-home"
    assert sorted(import_files(runner, folder, home=other)) == sorted(ids.values())
    for badge_id in ids.values():
        mine = json.loads(invoke(runner, "show", badge_id, "--json").stdout)
        theirs = json.loads(invoke(runner, "--home", str(other), "show", badge_id, "--json").stdout)
        assert (theirs["key"], theirs["payload"], theirs["version"]) == (mine["key"], mine["payload"], mine["version"])


def test_bake_refuses_a_suffix_that_does_not_match(runner: CliRunner, ids: dict[str, str], tmp_path: Path) -> None:
    result = invoke(runner, "bake", ids["git-essentials.svg"], "-o", str(tmp_path / "git.png"))
    assert_one_line_error(result, "bakes into an SVG", "git.svg")
    result = invoke(runner, "bake", ids["community-mentor-card.jpg"], "-o", str(tmp_path / "mentor.jpg"))
    assert_one_line_error(result, "bakes into a PNG", "mentor.png")
    assert list(tmp_path.glob("git.*")) == [] and list(tmp_path.glob("mentor.*")) == []


def test_bake_errors_are_one_line(runner: CliRunner, ids: dict[str, str], tmp_path: Path) -> None:
    assert_one_line_error(invoke(runner, "bake", "ffffffffff", "-o", str(tmp_path / "x.png")), "no badge")
    missing = tmp_path / "no-such-folder" / "x.png"
    assert_one_line_error(
        invoke(runner, "bake", ids["python-foundations.png"], "-o", str(missing)), "does not exist", str(missing.parent)
    )


def test_bake_without_output_writes_the_badge_file_name(
    runner: CliRunner, ids: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke(runner, "bake", ids["git-essentials.svg"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / f"git-essentials-{ids['git-essentials.svg']}.svg").is_file()


# -- export --format images -------------------------------------------------------------------------------------------


@pytest.fixture
def path_collection(runner: CliRunner, ids: dict[str, str]) -> list[str]:
    """A collection "Path" of three badges, in the order returned."""
    order = [ids["git-essentials.svg"], ids["python-foundations.png"], ids["accessible-web-design.png"]]
    assert invoke(runner, "collection", "create", "Path").exit_code == 0
    assert invoke(runner, "collection", "add", "Path", *order).exit_code == 0
    return order


def test_export_images_to_a_folder_and_a_zip(runner: CliRunner, path_collection: list[str], tmp_path: Path) -> None:
    folder = tmp_path / "export"
    result = invoke(runner, "export", "Path", "--format", "images", "-o", str(folder))
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in folder.iterdir())
    assert [name[:3] for name in names] == ["01-", "02-", "03-"]
    assert [name.rsplit("-", 1)[1].split(".")[0] for name in names] == path_collection
    assert names[0].startswith("01-git-essentials-") and names[0].endswith(".svg")
    assert len(result.stdout.splitlines()) == 3

    archive = tmp_path / "path.zip"
    result = invoke(runner, "export", "Path", "--format", "images", "-o", str(archive))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(archive) as opened:
        assert opened.namelist() == names
        assert all(opened.read(name) == (folder / name).read_bytes() for name in names)

    other = tmp_path / "other-home"
    assert import_files(runner, folder, home=other) == path_collection  # imported in file-name (= step) order


def test_export_images_of_one_badge(runner: CliRunner, ids: dict[str, str], tmp_path: Path) -> None:
    result = invoke(runner, "export", ids["git-essentials.svg"], "--format", "images", "-o", str(tmp_path / "one"))
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "one").iterdir()] == [f"git-essentials-{ids['git-essentials.svg']}.svg"]


def test_export_errors_are_one_line(runner: CliRunner, ids: dict[str, str], tmp_path: Path) -> None:
    assert_one_line_error(
        invoke(runner, "export", "nothing", "--format", "images", "-o", str(tmp_path / "x")), "no collection or badge"
    )
    assert invoke(runner, "collection", "create", "Empty").exit_code == 0
    assert_one_line_error(
        invoke(runner, "export", "Empty", "--format", "images", "-o", str(tmp_path / "x")), "holds no badges"
    )
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert_one_line_error(
        invoke(runner, "export", ids["git-essentials.svg"], "--format", "images", "-o", str(blocker)), "not a folder"
    )
    assert_one_line_error(
        invoke(runner, "export", ids["git-essentials.svg"], "--format", "card", "-o", str(tmp_path / "c.jpg")),
        ".png or .pdf",
    )
    assert_one_line_error(invoke(runner, "export", "Empty", "-o", str(tmp_path)), "is a folder")


# -- export --format card ---------------------------------------------------------------------------------------------


def test_card_of_one_badge_scans_back_to_its_link(runner: CliRunner, ids: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "card.png"
    result = invoke(runner, "export", ids["python-foundations.png"], "--format", "card", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert f"QR code: {HOSTED_URL}" in result.stdout
    with Image.open(out) as card:
        assert card.size == (1240, 1748)
    assert extract(out.read_bytes()).payload.text == HOSTED_URL


def test_cards_of_a_collection_as_pngs_and_a_pdf(runner: CliRunner, path_collection: list[str], tmp_path: Path) -> None:
    result = invoke(runner, "export", "Path", "--format", "card", "-o", str(tmp_path / "cards.png"))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.glob("cards*")) == ["cards-1.png", "cards-2.png", "cards-3.png"]
    assert extract((tmp_path / "cards-2.png").read_bytes()).payload.text == HOSTED_URL  # step 2: the hosted badge
    assert "no QR code: Verify with the portfolio bundle: backpack verify" in result.stdout.splitlines()[2]

    pdf = tmp_path / "cards.pdf"
    result = invoke(runner, "export", "Path", "--format", "card", "-o", str(pdf))
    assert result.exit_code == 0, result.output
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", data)) == 3
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == [f"wrote {pdf} page {n}" for n in (1, 2, 3)]


# -- list --expiring-within -------------------------------------------------------------------------------------------


def _assertion(slug: str, expires: datetime | None) -> str:
    document: dict[str, object] = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": f"https://issuer.example/assertions/{slug}.json",
        "recipient": {"type": "email", "hashed": False, "identity": "ada@example.com"},
        "badge": {"type": "BadgeClass", "name": f"Badge {slug}", "issuer": {"name": "Test Issuer"}},
        "verification": {"type": "hosted"},
        "issuedOn": "2025-01-01T00:00:00Z",
    }
    if expires is not None:
        document["expires"] = expires.isoformat().replace("+00:00", "Z")
    return json.dumps(document)


@pytest.fixture
def expiry_ids(runner: CliRunner, tmp_path: Path) -> dict[str, str]:
    now = datetime.now(UTC).replace(microsecond=0)
    expiries = {
        "soon": now + timedelta(days=10),
        "next-month": now + timedelta(days=45),
        "past": now - timedelta(days=2),
        "never": None,
    }
    folder = tmp_path / "expiry"
    folder.mkdir()
    for slug, expires in expiries.items():
        (folder / f"{slug}.json").write_text(_assertion(slug, expires))
    names = sorted(expiries)
    return dict(zip(names, import_files(runner, *(folder / f"{n}.json" for n in names)), strict=True))


def test_list_expiring_within(runner: CliRunner, expiry_ids: dict[str, str]) -> None:
    result = invoke(runner, "list", "--expiring-within", "30d")
    assert result.exit_code == 0, result.output
    assert expiry_ids["soon"] in result.stdout
    assert all(expiry_ids[s] not in result.stdout for s in ("next-month", "past", "never"))
    assert "1 badge · 1 not checked" in result.stdout

    weeks = invoke(runner, "list", "--expiring-within", "7w").stdout
    assert expiry_ids["soon"] in weeks and expiry_ids["next-month"] in weeks and expiry_ids["past"] not in weeks
    as_json = json.loads(invoke(runner, "list", "--json", "--expiring-within", "60").stdout)
    assert [row["id"] for row in as_json] == [expiry_ids["soon"], expiry_ids["next-month"]]  # soonest first
    assert invoke(runner, "list", "--expiring-within", "5d").stdout.strip() == "No badge expires within 5 days."


def test_list_summary_counts_badges_expiring_soon(runner: CliRunner, expiry_ids: dict[str, str]) -> None:
    summary = invoke(runner, "list").stdout.splitlines()[-1]
    assert summary == "4 badges · 4 not checked · 1 expiring within 30 days"


def test_list_summary_without_badges_expiring_soon(runner: CliRunner, home: Path) -> None:
    assert invoke(runner, "--home", str(home), "demo").exit_code == 0
    summary = invoke(runner, "list").stdout.splitlines()[-1]
    assert "expiring" not in summary
    assert "2 revoked" in summary  # badges found revoked at the last check are counted by status


@pytest.mark.parametrize("value", ["soon", "30x", "-1d", "1.5w", ""])
def test_list_expiring_within_refuses_a_bad_duration(runner: CliRunner, value: str) -> None:
    result = invoke(runner, "list", "--expiring-within", value)
    assert result.exit_code == 2
    assert "Invalid value for '--expiring-within'" in result.stderr and "not a duration" in result.stderr
    assert "Traceback" not in result.output


def test_list_expiring_within_a_zero_window_is_empty(runner: CliRunner, expiry_ids: dict[str, str]) -> None:
    result = invoke(runner, "list", "--expiring-within", "0")
    assert result.exit_code == 0 and "No badge expires within 0 days." in result.stdout


def test_card_png_bytes_are_a_png_with_dpi(runner: CliRunner, ids: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "c.png"
    assert invoke(runner, "export", ids["git-essentials.svg"], "--format", "card", "-o", str(out)).exit_code == 0
    image = Image.open(io.BytesIO(out.read_bytes()))
    assert image.format == "PNG" and tuple(round(v) for v in image.info["dpi"]) == (300, 300)
