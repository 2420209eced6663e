"""A published portfolio verified by another vendor's verifier: the ``bundle.jsonld`` a share host serves, checked
by Digital Bazaar's ``jsonld-signatures`` (tests/interop/verify-proof.mjs) — the holder's proof for authentication
with the host's challenge and domain, and each credential's own proof. Skipped without node and its packages
(never under CI=true)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from host_helpers import HostServer, Wallet

from wallet.publishing import publish, unpublish

INTEROP = Path(__file__).resolve().parent.parent / "interop"
NODE = shutil.which("node")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(NODE is None, reason="node is not installed: the independent verifier cannot run"),
    pytest.mark.skipif(
        not (INTEROP / "node_modules" / ".package-lock.json").is_file(),
        reason="tests/interop/node_modules is missing: run `scripts/setup --tests`",
    ),
]


def node_verify(path: Path, *options: str) -> dict[str, object]:
    done = subprocess.run(
        [NODE or "node", str(INTEROP / "verify-proof.mjs"), *options, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_a_published_bundle_verifies_with_digital_bazaars_libraries(
    make_wallet: Callable[..., Wallet], host_server: HostServer, tmp_path: Path
) -> None:
    wallet = make_wallet()
    publication = publish(wallet.store, "Job applications", host_server.url)
    served = httpx.get(publication.url + "/bundle.jsonld", timeout=30)
    assert served.status_code == 200 and served.headers["content-type"].startswith("application/ld+json")
    bundle = served.json()
    proof = bundle["proof"]
    assert (proof["proofPurpose"], proof["domain"]) == ("authentication", host_server.url.removeprefix("http://"))
    path = tmp_path / "bundle.jsonld"
    path.write_text(served.text)

    result = node_verify(path, "--challenge", proof["challenge"], "--domain", proof["domain"])
    assert result["verified"] is True, result
    credentials = result["credentials"]
    assert isinstance(credentials, list) and len(credentials) == 2
    assert all(c["verified"] for c in credentials), credentials
    # Another verifier's challenge: the same bundle proves nothing to it (a replay).
    assert node_verify(path, "--challenge", "another", "--domain", proof["domain"])["verified"] is False

    unpublish(wallet.store, publication.url)
    assert httpx.get(publication.url + "/bundle.jsonld", timeout=30).status_code == 410
