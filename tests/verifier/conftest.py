"""Fixtures for the verifier tests. Builders live in ``helpers.py`` (imported by the test modules directly)."""

from __future__ import annotations

import pytest
from helpers import BASE_SVG, make_png


@pytest.fixture
def base_png() -> bytes:
    """A small noisy RGB PNG, with a tEXt 'Comment' and a pHYs chunk, and no badge."""
    return make_png()


@pytest.fixture
def base_svg() -> bytes:
    """A small SVG with an XML declaration, a comment, entities, nested elements and non-ASCII text; no badge."""
    return BASE_SVG.encode("utf-8")
