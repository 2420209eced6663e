"""``wallet.json_text.indented`` writes exactly what ``json.dumps(..., indent=2, ensure_ascii=False)`` writes."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from wallet.json_text import indented

_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@given(_JSON)
def test_the_text_is_the_standard_librarys(value: Any) -> None:
    assert indented(value) == json.dumps(value, indent=2, ensure_ascii=False)


@given(_JSON)
def test_a_margin_starts_every_line_after_the_first(value: Any) -> None:
    assert indented(value, margin="  ") == json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")


def test_tuples_control_characters_and_keys_that_are_not_strings() -> None:
    value: dict[Any, Any] = {"a\u2028\x00é": ("x", [], {}), "n": [1.5, -0.0, 10**20]}
    assert indented(value) == json.dumps(value, indent=2, ensure_ascii=False)
    odd: dict[Any, Any] = {1: "one", None: [True]}
    assert indented(odd) == json.dumps(odd, indent=2, ensure_ascii=False)
