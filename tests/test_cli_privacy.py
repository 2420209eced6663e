"""Privacy when sharing and publishing: a badge whose signed content names its earner by a plain-text e-mail is
pointed out, and `share`/`publish` ask before going ahead (`--yes` for scripts; without a terminal, one line and
exit 2); share pages never show the earner's identity; the holder key is 0600 and in no export."""

from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, ok, run
from click.testing import CliRunner
from ob3_issuer import EARNER_EMAIL, OB3Issuer, ed25519_key

from wallet import badge_collections as collections
from wallet import shares
from wallet.cli import _common, cli
from wallet.importer import LoadedSource, import_bytes
from wallet.store import Store

ISSUER = OB3Issuer.did_key(ed25519_key("privacy-issuer"), name="Privacy Academy")


def _import(store: Store, credential: dict[str, object]) -> str:
    [(record, _)] = import_bytes(store, LoadedSource(kind="text", ref="t", data=json.dumps(credential).encode()))
    return record.id


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A backpack with a collection "Plain" (one badge naming its earner by a plain e-mail) and "Hashed" (one
    whose e-mail is hashed)."""
    store = Store(tmp_path / "home")
    plain = _import(store, ISSUER.sign(ISSUER.credential("plain", hashed=False, subject_id=None)))
    hashed = _import(store, ISSUER.sign(ISSUER.credential("hashed", hashed=True)))
    collections.create_collection(store, "Plain")
    collections.add_badges(store, "Plain", [plain])
    collections.create_collection(store, "Hashed")
    collections.add_badges(store, "Hashed", [hashed])
    return store.home


def test_plain_text_email_recipients_are_found_and_hashed_ones_are_not(home: Path) -> None:
    store = Store(home)
    assert list(shares.exposed_identities(store, shares.share_targets(store, "Plain")).values()) == [[EARNER_EMAIL]]
    assert shares.exposed_identities(store, shares.share_targets(store, "Hashed")) == {}


def test_share_without_a_terminal_and_without_yes_refuses_in_one_line(home: Path) -> None:
    result = run(CliRunner(), home, "share", "Plain")
    assert_one_line_error(result, EARNER_EMAIL, "--yes")
    assert shares.list_shares(Store(home)) == []  # nothing was shared


def test_share_with_yes_goes_ahead_and_says_what_is_exposed(home: Path) -> None:
    result = run(CliRunner(), home, "share", "Plain", "--yes")
    assert result.exit_code == 0, result.output
    assert EARNER_EMAIL in result.stderr and "signed content" in result.stderr
    assert len(shares.list_shares(Store(home))) == 1


def test_share_of_a_hashed_badge_asks_nothing(home: Path) -> None:
    ok(run(CliRunner(), home, "share", "Hashed"))


@pytest.mark.parametrize(("answer", "shared"), [("n\n", False), ("y\n", True), ("\n", False)])
def test_share_at_a_terminal_asks(home: Path, monkeypatch: pytest.MonkeyPatch, answer: str, shared: bool) -> None:
    monkeypatch.setattr(_common, "can_ask", lambda: True)
    result = CliRunner().invoke(cli, ["--home", str(home), "share", "Plain"], input=answer)
    assert "Share anyway?" in result.stderr
    assert (result.exit_code == 0) is shared, result.output
    assert bool(shares.list_shares(Store(home))) is shared
    if not shared:
        assert "you chose not to share" in result.stderr


def test_publish_without_yes_refuses_before_contacting_any_host(home: Path) -> None:
    # The host does not exist: the refusal comes first, and says why.
    result = run(CliRunner(), home, "publish", "Plain", "--to", "https://host.invalid")
    assert_one_line_error(result, EARNER_EMAIL, "--yes to publish")


def test_publish_static_asks_too(home: Path, tmp_path: Path) -> None:
    result = run(CliRunner(), home, "publish", "Plain", "--static", str(tmp_path / "site"), "--offline")
    assert_one_line_error(result, EARNER_EMAIL)
    assert not (tmp_path / "site").exists()


def test_the_share_page_never_shows_the_earners_email(home: Path) -> None:
    from webview import create_app

    token = shares.create_share(Store(home), "Plain").token
    app = create_app({"BACKPACK_HOME": str(home), "SECRET_KEY": "x", "TESTING": True, "VERIFY_TTL_SECONDS": 10**9})
    client = app.test_client()
    for path in (f"/s/{token}", f"/s/{token}/embed", f"/s/{token}/status.json"):
        assert EARNER_EMAIL not in client.get(path).text, path


def test_the_holder_key_is_0600_and_in_no_export(home: Path, tmp_path: Path) -> None:
    store = Store(home)
    runner = CliRunner()
    bundle = tmp_path / "plain.jsonld"
    ok(run(runner, home, "export", "Hashed", "--format", "bundle", "-o", str(bundle), "--offline"))
    key = home / "holder-key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    pem = key.read_text()
    body = "".join(pem.splitlines()[1:-1])
    images = tmp_path / "images.zip"
    ok(run(runner, home, "export", "Hashed", "--format", "images", "-o", str(images)))
    site = tmp_path / "site.zip"
    result = run(runner, home, "publish", "Hashed", "--static", str(site), "--offline")
    assert result.exit_code == 0, result.output
    exported = [bundle.read_bytes()]
    for archive in (images, site):
        with zipfile.ZipFile(archive) as opened:
            exported += [opened.read(name) for name in opened.namelist()]
    for data in exported:
        assert b"PRIVATE KEY" not in data and body[:40].encode() not in data
    assert store.home == home
