"""Fuzzing the backpack's entry points with Hypothesis, bounded so that the suite stays within CI's budget.

Every target states one property: any input gives a result or one of the project's own errors (``VerifierError``,
``WalletError``, or a report), within a deadline per input — never another exception. See docs/fuzzing.md.

``BACKPACK_FUZZ_EXAMPLES`` sets the number of inputs per target (default: each target's own few seconds' worth);
``BACKPACK_FUZZ_DEADLINE`` the seconds allowed per input (default 10: generous, since CI machines are shared).
"""

from __future__ import annotations

import os
import resource
from collections.abc import Iterator
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings

_DEADLINE = float(os.environ.get("BACKPACK_FUZZ_DEADLINE", "10") or 10)

settings.register_profile(
    "backpack-fuzz",
    deadline=timedelta(seconds=_DEADLINE),
    # Inputs are built from real documents and images, so some are slow to generate; that is the point.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    print_blob=True,  # a failure prints the line that reproduces it (@reproduce_failure)
)
settings.load_profile("backpack-fuzz")

PEAK_GROWTH_MB = 768
"""How much more memory than before a module's targets may ever hold at once: a bomb (an image, a zlib or gzip
stream, a nesting) that got through a limit would show here."""


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


@pytest.fixture(autouse=True, scope="module")
def _bounded_memory() -> Iterator[None]:
    before = _peak_mb()
    yield
    grown = _peak_mb() - before
    assert grown < PEAK_GROWTH_MB, f"the fuzz targets of this module raised peak memory by {grown:.0f} MB"
