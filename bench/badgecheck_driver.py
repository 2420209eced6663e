"""Run IMS Global's badgecheck (the reference validator) on the benchmark's badges, one call per badge, for run.py.

    BADGECHECK_PYTHON/python bench/badgecheck_driver.py SOURCES.json CONTEXTS_DIR

Runs in badgecheck's own virtual environment (see docs/performance.md for installing it on Python 3.11), not the
backpack's. badgecheck fetches the Open Badges 2.0 context from w3id.org; this machine has no Internet, so a requests
adapter answers the contexts the backpack bundles (verifier/contexts) and lets every other URL through — the badges,
badge classes and issuers still come from the local world over HTTP. badgecheck's own cache (requests-cache, in
memory) is on, as by default. Prints {"seconds", "valid", "total"}.
"""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.response import HTTPResponse


def _bundled(contexts_dir: Path) -> dict[str, bytes]:
    index = json.loads((contexts_dir / "INDEX.json").read_text())
    served = {}
    for url, entry in index["contexts"].items():
        body = (contexts_dir / entry["file"]).read_bytes()
        for name in [url, *entry.get("aliases", [])]:
            served[name.rstrip("/")] = body
    return served


class _ContextAdapter(HTTPAdapter):
    def __init__(self, served: dict[str, bytes]) -> None:
        super().__init__()
        self.served = served

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        body = self.served.get(str(request.url).rstrip("/"))
        if body is None:
            return super().send(request, **kwargs)
        raw = HTTPResponse(
            body=io.BytesIO(body),
            headers={"Content-Type": "application/ld+json", "Content-Length": str(len(body))},
            status=200,
            preload_content=False,
            request_url=str(request.url),
        )
        return self.build_response(request, raw)  # a real response object, as requests-cache expects


def main() -> int:
    sources = json.loads(Path(sys.argv[1]).read_text())
    adapter = _ContextAdapter(_bundled(Path(sys.argv[2])))
    original_init = requests.Session.__init__

    def init(self: requests.Session, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    requests.Session.__init__ = init  # type: ignore[method-assign]
    from openbadges import verify  # after the patch: its sessions are made at import and per call

    started = time.perf_counter()
    valid = 0
    problem = None
    for url in sources:
        report = verify(url, recipient_profile={"email": "learner@example.com"})["report"]
        valid += bool(report["valid"])
        if not report["valid"] and problem is None:
            problem = [m for m in report["messages"] if m.get("messageLevel") == "ERROR"][:2]
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "valid": valid, "total": len(sources), "first_problem": problem}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
