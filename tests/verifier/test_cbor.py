"""The strict CBOR subset of ecdsa-sd-2023 proof values: one reading per proof, nothing else accepted."""

from __future__ import annotations

from typing import Any

import pytest

from verifier._ob3.suites import cbor


@pytest.mark.parametrize(
    "value", [0, 23, 24, 255, 256, 65536, 2**32, b"", b"\x01" * 64, [], [1, [2, b"x"]], {0: b"a", 7: b"b"}]
)
def test_round_trip(value: Any) -> None:
    assert cbor.decode(cbor.encode(value)) == value


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x18\x05", "shortest form"),  # 5 written on two bytes
        (b"\x19\x00\x10", "shortest form"),
        (b"\xc2\x41\x01", "tag"),  # a tagged (bignum) byte string
        (b"\x20", "negative integer"),
        (b"\x61a", "text string"),
        (b"\xf5", "float or simple value"),
        (b"\x9f\x01\xff", "indefinite-length"),
        (b"\x82\x01", "truncated"),
        (b"\x42\x01", "truncated"),
        (b"\x01\x02", "trailing bytes"),
        (b"\xa2\x01\x40\x01\x40", "distinct integers"),
        (b"\xa1\x40\x40", "distinct integers"),
        (b"\x81" * 6 + b"\x01", "nested too deeply"),
        (b"\x9a\x00\x01\x00\x01", "too long"),
    ],
)
def test_anything_else_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(cbor.CborError, match=message):
        cbor.decode(data)
