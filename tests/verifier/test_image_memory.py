"""Rasters are decoded within a memory budget: a huge canvas that compresses to a few hundred KB is refused (or, for
a JPEG, decoded at a reduced scale) before its pixels fill the machine, and each verification decodes it once.

Peak memory is measured in a fresh interpreter (``resource.getrusage``'s high-water mark, which counts Pillow's own
allocations, unlike ``tracemalloc``), after a warm-up that loads Pillow, zbar and the verifier.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import pytest
import segno
from helpers import HOSTED_URL, ihdr_chunk, join_chunks, png_chunk
from PIL import Image

from verifier import InputTooLarge, Limits, extract

MB = 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]

# Runs in a child process: warms up, then reports the growth of the peak resident size over one call.
_PROBE = textwrap.dedent(
    """
    import json, resource, sys, time
    from PIL import Image, ImageFile
    import verifier
    from verifier import extract, verify

    def peak() -> int:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KB on Linux

    warm = Image.new("L", (64, 64), 255)
    import io
    buffer = io.BytesIO(); warm.save(buffer, format="PNG")
    for call in (extract, verify):
        try:
            call(buffer.getvalue())
        except verifier.VerifierError:
            pass
    decodes = 0
    original = ImageFile.ImageFile.load
    def counting(self):
        global decodes
        decodes += bool(self.tile)  # an image already decoded has no tiles left: load() returns at once
        return original(self)
    ImageFile.ImageFile.load = counting
    data = open(sys.argv[1], "rb").read()
    before, started = peak(), time.monotonic()
    outcome = ""
    if sys.argv[2] == "verify":
        report = verify(data)
        outcome = report.status + ": " + "; ".join(c.message for c in report.checks)
    else:
        try:
            outcome = "found: " + extract(data).payload.text
        except verifier.VerifierError as exc:
            outcome = type(exc).__name__ + ": " + str(exc)
    print(json.dumps({"grew": peak() - before, "seconds": time.monotonic() - started, "decodes": decodes,
                      "outcome": outcome}))
    """
)


def _probe(path: Path, call: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path), call], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _huge_blank_png(side: int = 9000) -> bytes:
    """A transparent RGBA canvas of ``side``² pixels (324 MB of pixels for 9000), written row by row so that making
    it costs the test nothing: it compresses to about 300 KB."""
    row = bytes(1 + 4 * side)  # filter byte 0, then transparent black pixels
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    return join_chunks([ihdr_chunk(side, side, color_type=6), png_chunk(b"IDAT", body), png_chunk(b"IEND", b"")])


def _huge_jpeg_with_qr(side: int = 9000) -> bytes:
    """A 9000×9000 JPEG, mostly white, with a QR code drawn large enough to survive a 1/4-scale decoding."""
    qr = io.BytesIO()
    segno.make_qr(HOSTED_URL, error="m").save(qr, kind="png", scale=60, border=4)
    canvas = Image.new("L", (side, side), 255)
    with Image.open(io.BytesIO(qr.getvalue())) as code:
        canvas.paste(code.convert("L"), (1000, 1500))
    buffer = io.BytesIO()
    canvas.save(buffer, format="JPEG", quality=60)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def huge_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("images") / "canvas.png"
    path.write_bytes(_huge_blank_png())
    return path


def test_the_huge_canvas_is_tiny_on_disk(huge_png: Path) -> None:
    assert huge_png.stat().st_size < 400 * 1024
    with Image.open(huge_png) as image:
        assert image.size == (9000, 9000)  # 81 Mpx: under Pillow's bomb limit, so only the memory budget stops it


def test_huge_canvas_png_is_refused_before_decoding(huge_png: Path) -> None:
    with pytest.raises(InputTooLarge, match=r"9000×9000 pixels would take .* over the 64 MB limit"):
        extract(huge_png.read_bytes())


@pytest.mark.parametrize("call", ["extract", "verify"])
def test_huge_canvas_png_costs_megabytes_not_gigabytes(huge_png: Path, call: str) -> None:
    result = _probe(huge_png, call)

    assert "over the 64 MB limit" in str(result["outcome"])
    assert result["decodes"] == 0  # refused from the header alone
    assert int(str(result["grew"])) < 20 * MB
    assert float(str(result["seconds"])) < 2


def test_huge_jpeg_is_decoded_once_at_a_reduced_scale_and_its_qr_code_read(tmp_path: Path) -> None:
    path = tmp_path / "canvas.jpg"
    path.write_bytes(_huge_jpeg_with_qr())
    assert path.stat().st_size < Limits().max_file_bytes

    result = _probe(path, "verify")

    assert "url payload from QR code 1" in str(result["outcome"]), result["outcome"]
    assert result["decodes"] == 1
    # 81 Mpx, 1/4 scale, luminance only: about 5 MB of pixels and the scanning passes' copies.
    assert int(str(result["grew"])) < 40 * MB


def test_large_png_within_the_budget_is_reduced_before_scanning(tmp_path: Path) -> None:
    # 3000×3000 RGBA is 36 MB decoded: accepted, reduced to 1500×1500 in its own mode, then flattened on white.
    qr = io.BytesIO()
    segno.make_qr(HOSTED_URL, error="m").save(qr, kind="png", scale=24, border=4)
    canvas = Image.new("RGBA", (3000, 3000), (0, 0, 0, 0))
    with Image.open(io.BytesIO(qr.getvalue())) as code:
        canvas.paste(code.convert("RGBA"), (400, 600))
    path = tmp_path / "screenshot.png"
    canvas.save(path, format="PNG")

    result = _probe(path, "extract")

    assert result["outcome"] == f"found: {HOSTED_URL}"
    assert result["decodes"] == 1
    assert int(str(result["grew"])) < 80 * MB


def test_palette_image_counts_its_full_size_conversion() -> None:
    # A palette image cannot be reduced in its own mode: it is converted at full size first, which the budget counts.
    buffer = io.BytesIO()
    Image.new("P", (2000, 2000), 0).save(buffer, format="GIF")
    with pytest.raises(InputTooLarge, match="2000×2000"):
        extract(buffer.getvalue(), limits=Limits(max_decoded_bytes=12 * MB))
    with pytest.raises(Exception, match="no QR code"):
        extract(buffer.getvalue(), limits=Limits(max_decoded_bytes=24 * MB))


_WEB_PROBE = textwrap.dedent(
    """
    import json, re, resource, sys, threading, time
    from webview import create_app

    app = create_app({"BACKPACK_HOME": sys.argv[2], "SECRET_KEY": "test", "TESTING": True, "VERIFY_RATE": 100})
    data = open(sys.argv[1], "rb").read()

    def post() -> int:
        client = app.test_client()
        page = client.get("/verify").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        import io
        answer = client.post("/verify", data={"csrf_token": token, "file": (io.BytesIO(data), "canvas.png")},
                             content_type="multipart/form-data")
        return answer.status_code

    post()  # warm-up: templates, zbar, the verifier
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    codes = []
    threads = [threading.Thread(target=lambda: codes.append(post())) for _ in range(3)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
    print(json.dumps({"grew": grew, "codes": codes, "seconds": time.monotonic() - started}))
    """
)


def test_three_parallel_uploads_of_the_canvas_to_verify_cost_megabytes(huge_png: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _WEB_PROBE, str(huge_png), str(tmp_path / "home")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])

    assert result["codes"] == [200, 200, 200]  # "too large to be checked here", a page, not an error
    assert result["grew"] < 40 * MB  # three times 315 KB in memory, not three times 1.3 GB
    assert result["seconds"] < 10
