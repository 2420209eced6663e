"""The demo: the same content on every run, and the sample files shipped in the repository's ``demo-files/`` are the
ones the demo's cached issuer documents verify."""

from __future__ import annotations

from pathlib import Path

from verifier import extract
from wallet.demo import demo_content

SHIPPED = Path(__file__).resolve().parents[2] / "demo-files"


def payloads(data: bytes) -> list[str]:
    return [found.payload.text for found in extract(data).found]


def test_the_demo_is_the_same_on_every_run() -> None:
    first, second = demo_content(), demo_content()
    assert first.documents == second.documents  # fixed issuer keys: signatures and key documents do not change
    assert {name: payloads(data) for name, data in first.files.items()} == {
        name: payloads(data) for name, data in second.files.items()
    }


def test_the_shipped_sample_files_carry_the_demo_badges() -> None:
    generated = demo_content().files
    assert sorted(path.name for path in SHIPPED.iterdir()) == sorted(generated)
    for name, data in generated.items():
        # Compared by what they carry: the image bytes may differ with the Pillow version that drew them.
        assert payloads((SHIPPED / name).read_bytes()) == payloads(data), name
