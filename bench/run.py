"""Every figure of the performance issue (17), each as a ratio to a baseline measured in the same run.

    .venv/bin/python bench/run.py [--quick] [--only SECTION ...]

Not part of pytest. Builds its own local world (bench/world.py: OB 2.0 issuers on 127.0.0.1; signed OB 3.0
credentials; baked PNGs and QR photos; a backpack and a share page), runs each measurement, and prints one table:
figure, value, baseline, ratio, target. Sections (``--only``): ``ob2``, ``ob2-10k``, ``delay``, ``ob3``, ``import``,
``cached``, ``startup``, ``web``. ``--quick`` shrinks the sizes (10× fewer badges) to check the bench itself. A full
run takes a few minutes on the 2-core machines; docs/performance.md says what each figure means and what limits it.

Whole-process figures run the installed ``backpack`` in a child process and read its peak RSS from the kernel
(``RUSAGE_CHILDREN`` of a one-child wrapper). Python bytecode is compiled first (``compileall``), as a package install
does, since this checkout may run with ``PYTHONDONTWRITEBYTECODE``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))  # tests/issuer.py: the badge image and QR photo makers

import world  # noqa: E402 - bench/world.py, after the path is set

PYTHON = sys.executable
BACKPACK = str(Path(PYTHON).with_name("backpack"))

# Runs a command and prints its wall time and its peak RSS (KB): the wrapper has one child, so RUSAGE_CHILDREN is it.
_MEASURE = """
import resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[2:], stdout=open(sys.argv[1], "wb"), stderr=subprocess.DEVNULL)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(time.perf_counter() - started, usage.ru_maxrss, usage.ru_utime + usage.ru_stime, done.returncode)
"""


@dataclass
class Row:
    figure: str
    value: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    met: bool | None = None


ROWS: list[Row] = []


def row(
    figure: str, value: str, baseline: str = "", ratio: str = "", target: str = "", met: bool | None = None
) -> None:
    ROWS.append(Row(figure, value, baseline, ratio, target, met))
    mark = "" if met is None else ("  ok" if met else "  MISSED")
    print(f"  {figure}: {value}  {baseline and 'vs ' + baseline}  {ratio}  {target}{mark}", file=sys.stderr)


@dataclass
class Measured:
    seconds: float
    peak_rss_mb: float
    cpu_seconds: float
    exit_code: int
    output: bytes


def run_measured(command: list[str], *, env: dict[str, str] | None = None) -> Measured:
    with tempfile.NamedTemporaryFile() as out:
        done = subprocess.run(
            [PYTHON, "-c", _MEASURE, out.name, *command], capture_output=True, text=True, env=env, check=True
        )
        seconds, rss_kb, cpu, code = done.stdout.split()
        return Measured(float(seconds), int(rss_kb) / 1024, float(cpu), int(code), Path(out.name).read_bytes())


@contextlib.contextmanager
def issuer_world(
    badges: int, issuers: int, *, delay_ms: float = 0, one_origin: bool = False, h2_ca_file: str | None = None
) -> Iterator[list[str]]:
    command = [PYTHON, str(ROOT / "bench" / "world.py"), "--badges", str(badges), "--issuers", str(issuers)]
    command += ["--delay-ms", str(delay_ms)] + (["--one-origin"] if one_origin else [])
    command += ["--h2", h2_ca_file] if h2_ca_file else []
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        yield json.loads(child.stdout.readline())["sources"]
    finally:
        child.communicate("")


def backpack_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_proxy", "_PROXY"))}
    return {**env, "BACKPACK_HOME": str(home), "BACKPACK_NO_TUI": "1"}


def verify_whole_process(
    sources: list[str], work: Path, *, fmt: str = "--json", home: Path | None = None, ca_file: str | None = None
) -> Measured:
    """``backpack verify --from`` of ``sources`` in a fresh backpack, or in ``home`` as it is (its cache used)."""
    listing = work / "sources.txt"
    listing.write_text("\n".join(sources) + "\n")
    if home is None:
        home = work / "home-verify"
        shutil.rmtree(home, ignore_errors=True)
    command = [BACKPACK, "verify", "--from", str(listing), fmt, "--allow-private-network"]
    env = backpack_env(home) | ({"SSL_CERT_FILE": ca_file} if ca_file else {})
    return run_measured(command, env=env)


def one_by_one_per_badge(sources: list[str]) -> float:
    """Seconds per badge verified alone, nothing shared between badges (a fresh fetcher and cache each time)."""
    from verifier import FetchPolicy, VerifierPolicy, verify

    policy = VerifierPolicy(fetch=FetchPolicy(allow_private_network=True), recipients=(world.EMAIL,))
    started = time.perf_counter()
    for source in sources:
        verify(source, policy=policy)
    return (time.perf_counter() - started) / len(sources)


def statuses(output: bytes) -> dict[str, int]:
    counts: dict[str, int] = {}
    text = output.decode()
    documents = json.loads(text) if text.lstrip().startswith("[") else [json.loads(line) for line in text.splitlines()]
    for report in documents if isinstance(documents, list) else [documents]:
        counts[report["status"]] = counts.get(report["status"], 0) + 1
    return counts


def _badgecheck(sources: list[str], work: Path) -> dict[str, float] | None:
    """badgecheck on the same badges, when BADGECHECK_PYTHON names the python of a virtualenv that has it."""
    python = os.environ.get("BADGECHECK_PYTHON")
    if not python:
        return None
    listing = work / "badgecheck-sources.json"
    listing.write_text(json.dumps(sources))
    driver = ROOT / "bench" / "badgecheck_driver.py"
    done = subprocess.run(
        [python, str(driver), str(listing), str(ROOT / "verifier" / "contexts")],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


# -- OB 2.0 hosted ------------------------------------------------------------------------------------------------


def section_ob2(badges: int, issuers: int, work: Path, *, sample: int = 100) -> float:
    """Whole-process verify of ``badges`` hosted badges; returns seconds per badge."""
    label = f"OB 2.0 hosted {badges:,}/{issuers}"
    with issuer_world(badges, issuers) as sources:
        world.request_counts(sources[0], reset=True)
        together = verify_whole_process(sources, work)
        fetched = sum(world.request_counts(sources[0], reset=True).values())
        needed = world.documents_needed(badges, issuers)
        counts = statuses(together.output)
        per_badge_alone = one_by_one_per_badge(sources[:sample])
        per_process = statistics.median(  # each in a backpack of its own: nothing shared, not even a cache
            run_measured(
                [BACKPACK, "verify", "--json", "--allow-private-network", source], env=backpack_env(work / f"h1-{n}")
            ).seconds
            for n, source in enumerate(sources[:10])
        )
        world.request_counts(sources[0], reset=True)
        badgecheck = _badgecheck(sources, work)
        badgecheck_fetched = sum(world.request_counts(sources[0], reset=True).values())
    if badgecheck is not None:
        ratio = badgecheck["seconds"] / together.seconds
        row(
            f"{label}: vs badgecheck (IMS Global's validator, one call per badge, its cache on)",
            f"{together.seconds:.2f} s, {fetched} requests",
            f"badgecheck {badgecheck['seconds']:.2f} s ({badgecheck['valid']} valid), {badgecheck_fetched} requests",
            f"×{ratio:.1f}",
            "≥ ×20",
            ratio >= 20,
        )
    else:
        row(f"{label}: vs badgecheck", "not measured: set BADGECHECK_PYTHON (docs/performance.md)")
    ratio = badges * per_badge_alone / together.seconds
    row(
        f"{label}: vs one `backpack verify URL` process per badge",
        f"{together.seconds:.2f} s",
        f"{per_process * 1000:.0f} ms per badge-process (median of 10)",
        f"×{badges * per_process / together.seconds:.0f}",
        "≥ ×20",
        badges * per_process / together.seconds >= 20,
    )
    row(
        f"{label}: whole process `backpack verify --from --json`",
        f"{together.seconds:.2f} s ({badges / together.seconds:.0f} badges/s, {together.cpu_seconds:.2f} s CPU)",
        f"one by one in one process, nothing shared: {per_badge_alone * 1000:.1f} ms/badge (sample {sample})",
        f"×{ratio:.1f}",
        "",  # no target: the ×20 is against one process per badge and against badgecheck (docs/performance.md)
    )
    row(f"{label}: statuses", json.dumps(counts), met=counts == {"valid": badges})
    row(f"{label}: documents fetched / distinct needed", f"{fetched} / {needed}", met=fetched == needed)
    row(f"{label}: peak RSS", f"{together.peak_rss_mb:.0f} MB", target="≤ 150 MB", met=together.peak_rss_mb <= 150)
    return together.seconds / badges


def section_ob2_streaming(badges: int, issuers: int, work: Path) -> None:
    with issuer_world(badges, issuers) as sources:
        streamed = verify_whole_process(sources, work, fmt="--json-lines")
    row(
        f"OB 2.0 hosted {badges:,}/{issuers}: `--json-lines` peak RSS",
        f"{streamed.peak_rss_mb:.0f} MB ({streamed.seconds:.2f} s)",
        target="≤ 150 MB",
        met=streamed.peak_rss_mb <= 150,
    )


# -- 50 ms per request, one origin -----------------------------------------------------------------------------


def section_delay(badges: int, issuers: int, work: Path) -> None:
    """Every issuer behind one origin (a platform), each answer 50 ms late: the per-host limit decides over HTTP/1.1;
    over HTTP/2 (TLS, as platforms behind a CDN serve) one connection carries every request."""
    with issuer_world(badges, issuers, one_origin=True) as sources:
        loopback = verify_whole_process(sources, work, fmt="--json-lines")
    # The floor: the critical path (assertion, then badge class, then issuer: 3 round trips) plus the CPU the same
    # run needs without delay (its start-up included).
    floor = 3 * 0.050 + loopback.cpu_seconds
    ca_file = str(work / "world-ca.pem")
    for label, h2 in (("HTTP/1.1", None), ("HTTP/2 over TLS", ca_file)):
        with issuer_world(badges, issuers, delay_ms=50, one_origin=True, h2_ca_file=h2) as sources:
            world.request_counts(sources[0], reset=True, ca_file=h2)
            delayed = verify_whole_process(sources, work, fmt="--json-lines", ca_file=h2)
            fetched = sum(world.request_counts(sources[0], reset=True, ca_file=h2).values())
            valid = statuses(delayed.output).get("valid", 0)
        ratio = delayed.seconds / floor
        row(
            f"OB 2.0 {badges:,}/{issuers}, one origin, +50 ms per request, {label}",
            f"{delayed.seconds:.2f} s ({fetched} requests, {valid} valid)",
            f"floor {floor:.2f} s (3 × 50 ms + {loopback.cpu_seconds:.2f} s CPU of the loopback run)",
            f"×{ratio:.1f} the floor",
            "≤ ×3",
            ratio <= 3 and valid == badges,
        )


# -- OB 3.0 ---------------------------------------------------------------------------------------------------


def section_ob3(count: int, work: Path) -> None:
    import ob3

    from verifier import classify_payload

    signed, tokens = ob3.signed_credentials(count)
    dbaz: dict[str, float] | None = None
    if shutil.which("node") and (ROOT / "tests" / "interop" / "node_modules").is_dir():
        credentials = work / "credentials.json"
        credentials.write_text(json.dumps(signed))
        done = subprocess.run(
            ["node", str(ROOT / "bench" / "db-verify.mjs"), str(credentials)], capture_output=True, text=True
        )
        if done.returncode == 0:
            dbaz = json.loads(done.stdout)
            assert dbaz is not None and dbaz["verified"] == count, dbaz
    for label, sources in (
        ("eddsa-rdfc-2022", [classify_payload(json.dumps(c)) for c in signed]),
        ("VC-JWT (EdDSA)", [classify_payload(t) for t in tokens]),
    ):
        cold, warm = ob3.cold_and_warm(sources)  # type: ignore[arg-type]
        baseline = ratio = ""
        if dbaz is not None and label == "eddsa-rdfc-2022":
            baseline = f"Digital Bazaar (node) cold {dbaz['cold_ms']:.1f} ms, warm {dbaz['warm_ms']:.2f} ms"
            ratio = f"warm ×{dbaz['warm_ms'] / (warm * 1000):.2f} their speed"
        elif dbaz is None and label == "eddsa-rdfc-2022":
            baseline = "Digital Bazaar: node or tests/interop/node_modules missing"
        met = warm * 1000 <= 4 if label == "eddsa-rdfc-2022" else None
        row(
            f"OB 3.0 {label}, {count} credentials",
            f"cold {cold * 1000:.1f} ms, warm {warm * 1000:.2f} ms ({1 / warm:.0f}/s)",
            baseline,
            ratio,
            "warm ≤ 4 ms" if met is not None else "",
            met,
        )


# -- import ---------------------------------------------------------------------------------------------------


def _badge_images(count: int, folder: Path, *, qr: bool) -> Path:
    sys.path.insert(0, str(ROOT / "tests"))
    from issuer import badge_png, qr_photo

    from verifier import bake, classify_payload

    folder.mkdir(parents=True, exist_ok=True)
    base = badge_png()
    for number in range(count):
        url = f"https://issuer{number % 50}.example/assertions/{number}.json"
        if qr:
            (folder / f"photo-{number}.jpg").write_bytes(qr_photo(url))
        else:
            (folder / f"badge-{number}.png").write_bytes(bake(base, classify_payload(url)))
    return folder


def _import(folder: Path, home: Path, *, verify: bool = False) -> Measured:
    shutil.rmtree(home, ignore_errors=True)
    command = [BACKPACK, "import", str(folder), "--offline"] + ([] if verify else ["--no-verify"])
    return run_measured(command, env=backpack_env(home))


def section_import(pngs: int, photos: int, work: Path) -> None:
    small = _import(_badge_images(pngs // 10, work / "pngs-small", qr=False), work / "home-import")
    large = _import(_badge_images(pngs, work / "pngs", qr=False), work / "home-import")
    growth = large.seconds / small.seconds
    row(
        f"import {pngs:,} baked PNGs (offline, no verification)",
        f"{large.seconds:.2f} s ({large.cpu_seconds:.2f} s CPU, exit {large.exit_code})",
        f"{pngs // 10} PNGs {small.seconds:.2f} s",
        f"×{growth:.1f} for 10× the badges",
        "≤ 2 s, linear",
        large.seconds <= 2,
    )
    qr = _import(_badge_images(photos, work / "photos", qr=True), work / "home-import")
    row(
        f"import {photos} QR photos (offline, no verification)",
        f"{qr.seconds:.2f} s ({qr.seconds / photos * 1000:.0f} ms/photo, exit {qr.exit_code})",
        f"baked PNG {large.seconds / pngs * 1000:.1f} ms/badge",
        f"×{qr.seconds / photos / (large.seconds / pngs):.0f} per badge",
    )


# -- checks of cached documents ---------------------------------------------------------------------------------


def _cached_backpack(badges: int, issuers: int, work: Path) -> tuple[Path, list[str], float]:
    """A backpack holding ``badges`` hosted badges whose documents are all in its cache: every source verified once
    online with ``verify --from`` (which fills the cache), then the badges stored in one write (importing them one by
    one is the import figure's business). Returns the home, the sources and the online run's seconds."""
    from wallet.store import BadgeRecord, SourceRef, Store, badge_id_for_key, now_iso

    home = work / "home-cached"
    shutil.rmtree(home, ignore_errors=True)
    store = Store(home)
    store.add_identity("email", world.EMAIL)
    with issuer_world(badges, issuers) as sources:
        online = verify_whole_process(sources, work, fmt="--json-lines", home=home)
    assert statuses(online.output) == {"valid": badges}, statuses(online.output)
    moment = now_iso()
    records = []
    for url in sources:
        blob = store.put_blob(url.encode())
        source = SourceRef("url", url, blob, "text/plain", "url", url)
        key = f"id:{url}"
        records.append(BadgeRecord(badge_id_for_key(key), key, "ob2", "url", blob, {}, source, moment, moment))
    with store.transaction(write=True) as db:
        db.insert("badges", *(record.to_dict() for record in records))
    return home, sources, online.seconds


def section_cached(badges: int, issuers: int, work: Path) -> None:
    """The badges' checks alone: every document in the backpack's cache, nothing fetched (``--offline``)."""
    home, sources, online = _cached_backpack(badges, issuers, work)
    env = backpack_env(home)
    recheck = run_measured([BACKPACK, "recheck", "--all", "--offline"], env=env)
    rechecked = recheck.output.decode().splitlines()[-1]  # "N of M valid"
    listing = work / "sources.txt"
    verify = run_measured([BACKPACK, "verify", "--from", str(listing), "--offline", "--json-lines"], env=env)
    bare = run_measured([PYTHON, "-c", "pass"], env=env)
    for label, measured, note in (
        (f"`backpack recheck --all --offline` of {badges:,} badges", recheck, rechecked.strip()),
        (
            f"`backpack verify --from FILE --offline --json-lines` of {badges:,}",
            verify,
            json.dumps(statuses(verify.output)),
        ),
    ):
        row(
            f"cached documents: {label}",
            f"{measured.seconds:.2f} s ({measured.cpu_seconds:.2f} s CPU, exit {measured.exit_code}; {note})",
            f"the same badges online (fetching) {online:.2f} s; `python -c pass` {bare.seconds * 1000:.0f} ms",
            f"{(measured.cpu_seconds - bare.cpu_seconds) / badges * 1000:.3f} ms CPU per badge",
            "≤ 2 s whole process",
            measured.seconds <= 2,
        )


# -- start-up -------------------------------------------------------------------------------------------------


def _backpack_of(count: int, home: Path, work: Path) -> None:
    """A backpack of ``count`` badges, built in one write: one badge imported, its record copied under new keys
    (importing 10,000 files one by one is the import figure's business, not this one's)."""
    from wallet.store import BadgeRecord, Store

    folder = _badge_images(1, work / "one", qr=False)
    _import(folder, home, verify=True)  # a stored result (unverifiable offline): pages do not recheck it
    store = Store(home)
    template = store.list_badges()[0].to_dict()
    with store.transaction(write=True) as db:
        db.insert(
            "badges",
            *(
                BadgeRecord.from_dict(
                    {**template, "id": f"{number:010x}", "key": f"id:https://example.org/a/{number}"}
                ).to_dict()
                for number in range(1, count)
            ),
        )


def _startup(command: list[str], env: dict[str, str], runs: int = 15) -> tuple[float, float]:
    """Median wall and CPU seconds of ``runs`` runs (a shared machine: the median, not the mean)."""
    measured = [run_measured(command, env=env) for _ in range(runs)]
    return statistics.median(m.seconds for m in measured), statistics.median(m.cpu_seconds for m in measured)


def section_startup(count: int, work: Path) -> None:
    home = work / "home-startup"
    _backpack_of(count, home, work)
    env = backpack_env(home)
    bare, bare_cpu = _startup([PYTHON, "-c", "pass"], env)
    for label, command, target in (
        ("`backpack --help`", [BACKPACK, "--help"], 0.150),
        (f"`backpack list` of {count:,} badges", [BACKPACK, "list"], None),
    ):
        wall, cpu = _startup(command, env)
        row(
            f"start-up: {label}",
            f"{wall * 1000:.0f} ms ({cpu * 1000:.0f} ms CPU)",
            f"`python -c pass` {bare * 1000:.0f} ms ({bare_cpu * 1000:.0f} ms CPU)",
            f"×{wall / bare:.1f}",
            "≤ 150 ms" if target else "",
            wall <= target if target else None,
        )


# -- web ------------------------------------------------------------------------------------------------------


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, round(len(ordered) * 0.95))]


HTTPS = "https://localhost"  # the session cookie (CSRF token) is Secure


def section_web(badges: int, requests: int, work: Path) -> None:
    """Server time in the Flask app (its test client: no network, no load generator in the figure)."""
    from issuer import qr_photo

    from wallet import badge_collections, shares
    from wallet.store import Store
    from webview import create_app

    home = work / "home-web"
    _backpack_of(badges, home, work)
    store = Store(home)
    collection = badge_collections.create_collection(store, "Bench")
    badge_collections.add_badges(store, collection.name, [record.id for record in store.list_badges()])
    token = shares.create_share(store, collection.name).token
    store.set_setting("offline", True)
    app = create_app({"BACKPACK_HOME": str(home), "VERIFY_RATE": 100_000, "VERIFY_TTL_SECONDS": 10**9})
    client = app.test_client()

    def timed(call: Callable[[], object]) -> list[float]:
        samples = []
        for _ in range(requests):
            started = time.perf_counter()
            response = call()
            samples.append(time.perf_counter() - started)
            assert getattr(response, "status_code", 200) == 200, getattr(response, "text", response)[:300]
        return samples

    static = _percentiles(timed(lambda: client.get("/static/style.css", base_url=HTTPS)))
    page = _percentiles(timed(lambda: client.get(f"/s/{token}", base_url=HTTPS)))
    photo = qr_photo("https://issuer.example/assertions/1.json")
    form = client.get("/verify", base_url=HTTPS).text
    csrf = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    fields = {"csrf_token": csrf}
    verify = _percentiles(
        timed(lambda: client.post("/verify", base_url=HTTPS, data={**fields, "photo": (io.BytesIO(photo), "p.jpg")}))
    )
    floor = f"static file p50 {static[0] * 1000:.1f} ms"
    row(
        f"web: share page of a {badges}-badge collection",
        f"p50 {page[0] * 1000:.1f} ms, p95 {page[1] * 1000:.1f} ms",
        floor,
        f"×{page[0] / static[0]:.0f}",
        "p50 ≤ 30 ms",
        page[0] <= 0.030,
    )
    row(
        "web: POST /verify of a QR photo (issuer unreachable: offline)",
        f"p50 {verify[0] * 1000:.1f} ms, p95 {verify[1] * 1000:.1f} ms",
        floor,
        f"×{verify[0] / static[0]:.0f}",
    )


# -- the table ----------------------------------------------------------------------------------------------------


def print_table() -> None:
    widths = [max(len(getattr(r, f)) for r in ROWS) for f in ("figure", "value", "baseline", "ratio", "target")]
    heads = ("figure", "value", "baseline", "ratio", "target")
    print("  ".join(h.ljust(w) for h, w in zip(heads, widths, strict=True)) + "  met")
    for r in ROWS:
        cells = (r.figure, r.value, r.baseline, r.ratio, r.target)
        met = "" if r.met is None else ("yes" if r.met else "NO")
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + f"  {met}")


SECTIONS: dict[str, Callable[[argparse.Namespace, Path], None]] = {}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10× fewer badges: check that the bench runs")
    parser.add_argument("--only", nargs="*", choices=sorted(SECTIONS), help="run these sections only")
    args = parser.parse_args()
    subprocess.run([PYTHON, "-m", "compileall", "-q", "verifier", "wallet", "webview"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory(prefix="backpack-bench-") as folder:
        for name, section in SECTIONS.items():
            if args.only and name not in args.only:
                continue
            print(f"[{name}]", file=sys.stderr)
            section(args, Path(folder))
    print_table()
    return 0


def _ob2(args: argparse.Namespace, work: Path) -> None:
    scale = 10 if args.quick else 1
    section_ob2(1000 // scale, 50 // scale, work)


def _ob2_10k(args: argparse.Namespace, work: Path) -> None:
    scale = 10 if args.quick else 1
    small = section_ob2(1000 // scale, 50 // scale, work, sample=20)
    large = section_ob2(10000 // scale, 500 // scale, work, sample=20)
    growth = large * 10 / small
    row("OB 2.0 hosted: 10× the badges costs", f"×{growth:.2f}", target="≤ ×10.5", met=growth <= 10.5)
    section_ob2_streaming(10000 // scale, 500 // scale, work)


def _scale(args: argparse.Namespace) -> int:
    return 10 if args.quick else 1


SECTIONS.update(
    {
        "ob2": _ob2,
        "ob2-10k": _ob2_10k,
        "delay": lambda args, work: section_delay(1000 // _scale(args), 50 // _scale(args), work),
        "ob3": lambda args, work: section_ob3(200 // _scale(args), work),
        "import": lambda args, work: section_import(1000 // _scale(args), 200 // _scale(args), work),
        "cached": lambda args, work: section_cached(10000 // _scale(args), 500 // _scale(args), work),
        "startup": lambda args, work: section_startup(10000 // _scale(args), work),
        "web": lambda args, work: section_web(100, 50 // _scale(args), work),
    }
)

if __name__ == "__main__":
    sys.exit(main())
