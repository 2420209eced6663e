"""credentialStatus (Bitstring Status List, StatusList2021, 1EdTech Revocation List): verifier._status.

The status list credentials under ``tests/fixtures/vectors/status/`` are byte-exact copies of the reference pack's
``vectors/status/``; the facts asserted about them (sizes, hashes, set bits, entries) come from the pack's
``manifest.json`` and are written out below, so the tests read nothing outside ``tests/``.
"""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import json
import random
import time
import tracemalloc
import zlib
from pathlib import Path
from typing import Any

import pytest

from verifier._status import (
    LENIENT_MINIMUM_ENTRIES,
    MINIMUM_ENTRIES,
    StatusEntry,
    StatusError,
    StatusMessage,
    StatusResult,
    UnsupportedStatus,
    check_list_length,
    decode_encoded_list,
    evaluate_entry,
    list_subject,
    parse_status_entries,
    read_status,
    revocation_list_entry,
)

STATUS_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "vectors" / "status"

# From the reference pack's manifest.json (entries whose file starts with "status/"): sha256, size, and the facts its
# "what"/"expected" state. "bits" and "set" were stated for 1ed-bsl-testlist (131,072 bits, bit 23) and the DCC list
# e5WK8 (100,000 bits, bits 2, 6 and 8); expired/notYetValid/missingBitStringType hold "the same bits".
VECTORS: dict[str, dict[str, Any]] = {
    "1ed-bsl-testlist.json": {
        "sha256": "e10d41b60f040b70830591a5bb2da53f879077a79b0419f866aaba769f12da7e",
        "bytes": 921,
        "bits": 131_072,
        "set": [23],
    },
    "dcc-e5WK8CbZ1GjycuPombrj.json": {
        "sha256": "50605738641643b47ea7b6512dd70340ceec67a04aac814536f49d005fee5663",
        "bytes": 1111,
        "bits": 100_000,
        "set": [2, 6, 8],
    },
    "dcc-expired.json": {
        "sha256": "3932a8377ed2ad22a19885c94eb62f08de810d7d917857001c68d1a0da4b168b",
        "bytes": 1238,
        "bits": 100_000,
        "set": [2, 6, 8],
    },
    "dcc-missingBitStringType.json": {
        "sha256": "d6e38c4ced5cc52821f366f1f0e30bcaf6a7dca67f6fe873f1ca9dadf8b84e8e",
        "bytes": 1177,
        "bits": 100_000,
        "set": [2, 6, 8],
    },
    "dcc-notYetValid.json": {
        "sha256": "29883346adb1518900687873bef15bf4f6c9ecbcbc7a4fb46cc34c600304286f",
        "bytes": 1200,
        "bits": 100_000,
        "set": [2, 6, 8],
    },
    "dcc-tampered.json": {
        "sha256": "bbf1f67d242c966f712da28074a9a7dcb9900cae018b8840460c45c212320fe0",
        "bytes": 1171,
        "bits": None,  # "encodedList is not valid base64url"
        "set": None,
    },
}
DECODABLE = [name for name, facts in VECTORS.items() if facts["bits"] is not None]

ONE_ED_LIST_URL = (
    "https://raw.githubusercontent.com/1EdTech/digital-credentials-public-validator/refs/heads/main/"
    "inspector-vc/src/test/resources/ob30/bit-string-list/testlist"
)
DCC_LIST_URL = "https://digitalcredentials.github.io/vc-test-fixtures/statusLists/didkey-ed25519Signature2020/"

# credentialStatus of ob3/1ed-bsl-credential-status-revoked.json (note the JSON integer index)
ONE_ED_ENTRY = {
    "id": ONE_ED_LIST_URL + "#23",
    "type": "BitstringStatusListEntry",
    "statusPurpose": "revocation",
    "statusListIndex": 23,
    "statusListCredential": ONE_ED_LIST_URL,
}


def dcc_entry(index: str, list_name: str = "e5WK8CbZ1GjycuPombrj") -> dict[str, Any]:
    """A credentialStatus as in the pack's dcc-* credentials (decimal-string index)."""
    return {
        "id": f"{DCC_LIST_URL}{list_name}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListCredential": DCC_LIST_URL + list_name,
        "statusListIndex": index,
    }


def load(name: str) -> dict[str, Any]:
    return json.loads((STATUS_DIR / name).read_bytes())


def only_entry(credential_status: Any) -> StatusEntry:
    (entry,) = parse_status_entries(credential_status)
    assert isinstance(entry, StatusEntry)
    return entry


def set_bits(bitstring: bytes) -> list[int]:
    """Indices of the set bits, bit 0 being the most significant bit of byte 0 (independent of read_status)."""
    return [i * 8 + (7 - j) for i, byte in enumerate(bitstring) if byte for j in range(7, -1, -1) if byte >> j & 1]


def encode(bitstring: bytes, *, prefix: str = "u", padded: bool = False, alphabet: str = "url") -> str:
    """GZIP + base64 the way issuers do: multibase ``u`` by default, bare for StatusList2021."""
    raw = gzip.compress(bitstring, mtime=0)
    text = (base64.urlsafe_b64encode if alphabet == "url" else base64.standard_b64encode)(raw).decode("ascii")
    return prefix + (text if padded else text.rstrip("="))


def bits_with(size_bytes: int, *indices: int) -> bytes:
    data = bytearray(size_bytes)
    for i in indices:
        data[i // 8] |= 0x80 >> (i % 8)
    return bytes(data)


def list_credential(
    encoded: str,
    *,
    purpose: Any = "revocation",
    credential_type: str = "BitstringStatusListCredential",
    subject_type: str = "BitstringStatusList",
) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "https://issuer.example/status/1",
        "type": ["VerifiableCredential", credential_type],
        "issuer": "did:example:issuer",
        "credentialSubject": {
            "id": "https://issuer.example/status/1#list",
            "type": subject_type,
            "statusPurpose": purpose,
            "encodedList": encoded,
        },
    }


def bitstring_entry(index: Any, purpose: str = "revocation", **extra: Any) -> dict[str, Any]:
    return {
        "id": f"https://issuer.example/status/1#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": index,
        "statusListCredential": "https://issuer.example/status/1",
        **extra,
    }


# --------------------------------------------------------------------------------------------------------------------
# The public vectors
# --------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_vector_files_are_byte_exact_copies(name: str) -> None:
    data = (STATUS_DIR / name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == VECTORS[name]["sha256"]
    assert len(data) == VECTORS[name]["bytes"]


@pytest.mark.parametrize("name", DECODABLE)
def test_vector_lists_hold_the_stated_bits(name: str) -> None:
    bitstring = decode_encoded_list(load(name)["credentialSubject"]["encodedList"])
    assert len(bitstring) * 8 == VECTORS[name]["bits"]
    assert set_bits(bitstring) == VECTORS[name]["set"]
    for index in VECTORS[name]["set"]:
        assert read_status(bitstring, index) == 1
    for index in (0, 1, 7, 22, 24, VECTORS[name]["bits"] - 1):
        assert read_status(bitstring, index) == (index in VECTORS[name]["set"])


def test_1edtech_testlist_meets_the_minimum_and_revokes_index_23() -> None:
    entry = only_entry(ONE_ED_ENTRY)
    assert (entry.method, entry.index, entry.list_url, entry.status_size) == ("bitstring", 23, ONE_ED_LIST_URL, 1)
    testlist = load("1ed-bsl-testlist.json")
    check_list_length(decode_encoded_list(testlist["credentialSubject"]["encodedList"]), 1, MINIMUM_ENTRIES)
    result = evaluate_entry(entry, testlist, minimum_entries=MINIMUM_ENTRIES)
    assert result == StatusResult("revocation", 1, True, False, "revoked", list_entries=131_072)


@pytest.mark.parametrize(("index", "revoked"), [("7", False), ("6", True), ("8", True), ("2", True), ("3", False)])
def test_dcc_list_is_read_with_a_lenient_minimum(index: str, revoked: bool) -> None:
    result = evaluate_entry(
        only_entry(dcc_entry(index)), load("dcc-e5WK8CbZ1GjycuPombrj.json"), minimum_entries=LENIENT_MINIMUM_ENTRIES
    )
    assert (result.value, result.revoked, result.suspended) == (int(revoked), revoked, False)
    assert result.message == ("revoked" if revoked else "not revoked")
    assert result.list_entries == 100_000


def test_dcc_list_is_too_short_for_a_strict_verifier() -> None:
    dcc_list = load("dcc-e5WK8CbZ1GjycuPombrj.json")
    with pytest.raises(StatusError, match=r"100,000 entries, fewer than the minimum of 131,072") as caught:
        evaluate_entry(only_entry(dcc_entry("7")), dcc_list)  # the default minimum is the strict one
    assert caught.value.code == "STATUS_LIST_LENGTH_ERROR"
    assert "STATUS_LIST_LENGTH_ERROR" in str(caught.value)
    with pytest.raises(StatusError):
        evaluate_entry(only_entry(dcc_entry("7")), dcc_list, minimum_entries=MINIMUM_ENTRIES)


@pytest.mark.parametrize("name", ["dcc-expired.json", "dcc-notYetValid.json"])
def test_expired_and_not_yet_valid_lists_still_read_bit_7_as_zero(name: str) -> None:
    """The list's validity period is the caller's check; the manifest says bit 7 = 0 on both."""
    entry = only_entry(dcc_entry("7", name.removesuffix(".json").removeprefix("dcc-")))
    result = evaluate_entry(entry, load(name), minimum_entries=LENIENT_MINIMUM_ENTRIES)
    assert (result.value, result.revoked) == (0, False)


def test_list_without_the_bitstring_credential_type_is_refused() -> None:
    entry = only_entry(dcc_entry("7", "missingBitStringType"))
    expected = r"type \(VerifiableCredential\) does not include BitstringStatusListCredential"
    with pytest.raises(StatusError, match=expected):
        evaluate_entry(entry, load("dcc-missingBitStringType.json"), minimum_entries=LENIENT_MINIMUM_ENTRIES)


def test_tampered_list_does_not_decode() -> None:
    tampered = load("dcc-tampered.json")
    with pytest.raises(StatusError, match="not valid base64url"):
        decode_encoded_list(tampered["credentialSubject"]["encodedList"])
    with pytest.raises(StatusError, match="not valid base64url"):
        evaluate_entry(only_entry(dcc_entry("7", "tampered")), tampered, minimum_entries=LENIENT_MINIMUM_ENTRIES)


def test_the_list_id_need_not_match_the_entry_url() -> None:
    """e5WK8's id is https://testing.dcconsortium.org/…, yet it is served from (and referenced by) GitHub URLs."""
    dcc_list = load("dcc-e5WK8CbZ1GjycuPombrj.json")
    entry = only_entry(dcc_entry("8"))
    assert dcc_list["id"] != entry.list_url
    assert evaluate_entry(entry, dcc_list, minimum_entries=LENIENT_MINIMUM_ENTRIES).revoked


# --------------------------------------------------------------------------------------------------------------------
# Bit order and multi-bit entries
# --------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bitstring", "index", "value"),
    [
        (b"\x80\x00", 0, 1),
        (b"\x80\x00", 7, 0),
        (b"\x01\x00", 7, 1),
        (b"\x01\x00", 0, 0),
        (b"\x00\x40", 9, 1),
        (b"\x00\x40", 14, 0),
        (b"\x00\x01", 15, 1),
    ],
)
def test_bit_zero_is_the_most_significant_bit_of_byte_zero(bitstring: bytes, index: int, value: int) -> None:
    assert read_status(bitstring, index) == value


def test_every_bit_matches_the_reference_formula() -> None:
    data = random.Random(7).randbytes(64)
    for i in range(len(data) * 8):
        assert read_status(data, i) == (data[i // 8] >> (7 - i % 8)) & 1


def test_hand_made_list_round_trips_through_gzip_and_base64url() -> None:
    bitstring = bits_with(MINIMUM_ENTRIES // 8, 0, 5, 42, MINIMUM_ENTRIES - 1)
    decoded = decode_encoded_list(encode(bitstring))
    assert decoded == bitstring
    assert set_bits(decoded) == [0, 5, 42, MINIMUM_ENTRIES - 1]
    credential = list_credential(encode(bitstring))
    assert evaluate_entry(only_entry(bitstring_entry("42")), credential).revoked
    assert not evaluate_entry(only_entry(bitstring_entry(41)), credential).revoked
    assert evaluate_entry(only_entry(bitstring_entry(MINIMUM_ENTRIES - 1)), credential).revoked


@pytest.mark.parametrize(
    ("bitstring", "size", "values"),
    [
        (bytes([0b10_01_11_00]), 2, [2, 1, 3, 0]),
        (bytes([0xA5, 0x3C]), 4, [0xA, 0x5, 0x3, 0xC]),
        (bytes([0x00, 0xFF, 0x7E]), 8, [0x00, 0xFF, 0x7E]),
        (bytes([0x12, 0x34, 0x56, 0x78]), 16, [0x1234, 0x5678]),
        (bytes([0x12, 0x34, 0x56, 0x78]), 32, [0x12345678]),
    ],
)
def test_multi_bit_entries_read_most_significant_bit_first(bitstring: bytes, size: int, values: list[int]) -> None:
    assert [read_status(bitstring, i, size) for i in range(len(values))] == values
    with pytest.raises(StatusError, match=f"index {len(values)} outside the list of {len(values)} entries"):
        read_status(bitstring, len(values), size)


def test_status_sizes_that_do_not_divide_a_byte_still_read_correctly() -> None:
    # 0b101_011_11 0b0_000000: three-bit entries 5, 3, 6 (two bits of byte 0 and one of byte 1), 0, 0
    assert [read_status(bytes([0b10101111, 0b00000000]), i, 3) for i in range(5)] == [5, 3, 6, 0, 0]


def test_out_of_range_index_names_the_list_size() -> None:
    with pytest.raises(StatusError, match=r"^index 16 outside the list of 16 entries$") as caught:
        read_status(b"\x00\x00", 16)
    assert caught.value.code == "RANGE_ERROR"
    with pytest.raises(StatusError, match="outside the list of 100,000 entries"):
        read_status(bytes(12_500), 100_000)
    with pytest.raises(StatusError, match="index -1 outside"):
        read_status(b"\x00", -1)
    with pytest.raises(StatusError, match="outside the list of 0 entries"):
        read_status(b"", 0)


def test_check_list_length_counts_entries_not_bits() -> None:
    check_list_length(bytes(16_384), 1, MINIMUM_ENTRIES)
    with pytest.raises(StatusError, match="131,064 entries, fewer than the minimum of 131,072"):
        check_list_length(bytes(16_383), 1, MINIMUM_ENTRIES)
    with pytest.raises(StatusError, match="65,536 entries of 2 bits") as caught:
        check_list_length(bytes(16_384), 2, MINIMUM_ENTRIES)
    assert caught.value.code == "STATUS_LIST_LENGTH_ERROR"
    check_list_length(bytes(32_768), 2)  # the default minimum is 131,072
    check_list_length(bytes(12_500), 1, LENIENT_MINIMUM_ENTRIES)


# --------------------------------------------------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoder",
    [
        pytest.param(lambda b: encode(b), id="multibase-u"),
        pytest.param(lambda b: encode(b, prefix=""), id="bare-H4sI"),
        pytest.param(lambda b: encode(b, padded=True), id="u-padded"),
        pytest.param(lambda b: encode(b, prefix="", padded=True), id="bare-padded"),
        pytest.param(lambda b: encode(b, prefix="U", padded=True), id="multibase-U"),
        pytest.param(lambda b: encode(b, prefix="", alphabet="standard"), id="standard-alphabet"),
        pytest.param(lambda b: "  " + encode(b)[:20] + "\n" + encode(b)[20:] + "\n", id="whitespace"),
    ],
)
def test_encodings_issuers_use_all_decode(encoder: Any) -> None:
    bitstring = random.Random(3).randbytes(300) + bytes(2000)
    assert decode_encoded_list(encoder(bitstring)) == bitstring


def test_statuslist2021_values_start_with_h4si_and_bitstring_values_with_uh4si() -> None:
    assert encode(bytes(16)).startswith("uH4sI")
    assert encode(bytes(16), prefix="").startswith("H4sI")


def test_gzip_members_written_one_after_the_other_decode_as_one_list() -> None:
    raw = gzip.compress(b"\x80", mtime=0) + gzip.compress(b"\x01", mtime=0)
    assert decode_encoded_list("u" + base64.urlsafe_b64encode(raw).decode().rstrip("=")) == b"\x80\x01"


def _b64(raw: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        ("", "empty"),
        ("u", "empty"),
        ("uH4sI!AAA", "not base64url: it contains '!'"),
        ("uH4sIA", "5 characters cannot encode whole bytes"),
        ("uH4sIAAAAAAAA_-3BM", "17 characters cannot encode whole bytes"),
        (_b64(b"not gzip at all"), "does not hold GZIP data"),
        (_b64(gzip.compress(bytes(1000))[:-12]), "truncated GZIP"),
        (_b64(gzip.compress(b"\x80" * 10)[:-8] + b"\x00\x00\x00\x00\x0a\x00\x00\x00"), "not valid GZIP data"),
        (_b64(gzip.compress(b"\x80") + b"junk"), "unexpected data after its GZIP stream"),
        (_b64(zlib.compress(bytes(100))), "does not hold GZIP data"),
    ],
)
def test_bad_encodings_raise_status_errors(encoded: str, message: str) -> None:
    with pytest.raises(StatusError, match=message):
        decode_encoded_list(encoded)


def test_non_string_encoded_list_is_refused() -> None:
    with pytest.raises(StatusError, match="must be a string, not a list"):
        decode_encoded_list(["uH4sI"])  # type: ignore[arg-type]
    entry = only_entry(bitstring_entry(0))
    credential = list_credential("x")
    del credential["credentialSubject"]["encodedList"]
    with pytest.raises(StatusError, match="no encodedList"):
        evaluate_entry(entry, credential)


def _gzip_of_zeros(size: int) -> bytes:
    """GZIP of ``size`` zero bytes, built in 1 MB steps so the test never holds the whole thing."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block) for _ in range(size // len(block))]
    parts.append(compressor.flush())
    return b"".join(parts)


def test_gzip_bomb_is_refused_quickly_without_inflating_it() -> None:
    bomb = _b64(_gzip_of_zeros(100 * 1024 * 1024))
    assert len(bomb) < 200_000  # ~100 KB of text that would inflate to 100 MB
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(StatusError, match=r"larger than 16,777,216 bytes once decompressed") as caught:
            decode_encoded_list(bomb)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.code == "STATUS_LIST_TOO_LARGE"
    assert elapsed < 5
    assert peak < 40 * 1024 * 1024, f"peak {peak:,} bytes"


def test_decompression_limit_is_exact_and_configurable() -> None:
    assert len(decode_encoded_list(encode(bytes(4096)), max_bytes=4096)) == 4096
    with pytest.raises(StatusError, match="larger than 4,095 bytes"):
        decode_encoded_list(encode(bytes(4096)), max_bytes=4095)
    credential = list_credential(encode(bits_with(16_384, 3)))
    with pytest.raises(StatusError, match="larger than 1,024 bytes"):
        evaluate_entry(only_entry(bitstring_entry(3)), credential, max_bytes=1024)


# --------------------------------------------------------------------------------------------------------------------
# Parsing credentialStatus
# --------------------------------------------------------------------------------------------------------------------


def test_one_object_or_a_list_of_them() -> None:
    assert parse_status_entries(None) == []
    assert parse_status_entries([]) == []
    assert parse_status_entries(ONE_ED_ENTRY) == parse_status_entries([ONE_ED_ENTRY])
    entries = parse_status_entries([ONE_ED_ENTRY, dcc_entry("7")])
    assert [e.index for e in entries if isinstance(e, StatusEntry)] == [23, 7]


def test_entry_fields() -> None:
    entry = only_entry(dcc_entry("6"))
    assert entry == StatusEntry(
        method="bitstring",
        purpose="revocation",
        index=6,
        list_url=DCC_LIST_URL + "e5WK8CbZ1GjycuPombrj",
        status_size=1,
        status_messages=(),
        entry_id=DCC_LIST_URL + "e5WK8CbZ1GjycuPombrj#6",
        type="BitstringStatusListEntry",
    )
    assert only_entry(bitstring_entry("000123")).index == 123
    assert only_entry({**bitstring_entry(1), "type": ["BitstringStatusListEntry"]}).method == "bitstring"


def test_unknown_types_are_reported_not_raised() -> None:
    items = parse_status_entries(
        [
            {"id": "https://x.example/rl#0", "type": "RevocationList2020Status", "revocationListIndex": "0"},
            {"type": ["CredentialStatusList2017"]},
            bitstring_entry(3),
        ]
    )
    assert items[0] == UnsupportedStatus("RevocationList2020Status", "https://x.example/rl#0")
    assert items[1] == UnsupportedStatus("CredentialStatusList2017", None)
    assert isinstance(items[2], StatusEntry)


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("https://x.example/status", "must be an object, not a string"),
        ({"id": "https://x.example/status"}, "has no type"),
        (bitstring_entry(-1), "statusListIndex -1 is negative"),
        (bitstring_entry("-5"), "statusListIndex '-5' is negative"),
        (bitstring_entry("seven"), "'seven' is not a decimal integer"),
        (bitstring_entry("7.0"), "'7.0' is not a decimal integer"),
        (bitstring_entry(""), "'' is not a decimal integer"),
        (bitstring_entry("1" * 25), "is not a decimal integer"),
        (bitstring_entry(7.0), "must be an integer or a decimal string, not a number"),
        (bitstring_entry(True), "must be an integer or a decimal string, not a boolean"),
        (bitstring_entry(None), "statusListIndex is missing"),
        ({**bitstring_entry(1), "statusPurpose": None}, "statusPurpose is missing"),
        ({**bitstring_entry(1), "statusPurpose": ["revocation"]}, "statusPurpose is missing or not a string"),
        ({**bitstring_entry(1), "statusListCredential": ""}, "statusListCredential is missing"),
        ({**bitstring_entry(1), "statusSize": 0}, r"statusSize 0 is not 1, 2, 4, 8"),
        ({**bitstring_entry(1), "statusSize": 3}, r"statusSize 3 is not 1, 2, 4, 8"),
        ({**bitstring_entry(1), "statusSize": -2}, "statusSize -2"),
        ({**bitstring_entry(1), "statusSize": 128}, "statusSize 128"),
        ({**bitstring_entry(1), "statusSize": 2}, "statusMessage is required when statusSize is 2"),
        ({**bitstring_entry(1), "statusMessage": [{"status": "one", "message": "x"}]}, "'one' is not a hexadecimal"),
        ({**bitstring_entry(1), "statusMessage": ["x"]}, "each statusMessage must be an object"),
        ({"type": "StatusList2021Entry", "statusPurpose": "revocation", "statusListIndex": "1"}, "ListCredential is"),
        ({"type": "1EdTechRevocationList"}, "id, the URL of the issuer's revocation list, is missing"),
    ],
)
def test_malformed_entries_raise_report_ready_errors(item: Any, message: str) -> None:
    with pytest.raises(StatusError, match=message) as caught:
        parse_status_entries([bitstring_entry(0), item])
    assert isinstance(caught.value, ValueError)
    assert caught.value.code == "MALFORMED_VALUE_ERROR"


def test_status_size_and_messages_are_parsed() -> None:
    entry = only_entry(
        bitstring_entry(
            "5",
            "message",
            statusSize=2,
            statusMessage=[
                {"status": "0x0", "message": "pending"},
                {"status": "0x1", "message": "accepted"},
                {"status": "0x2", "message": "rejected"},
                {"status": "0X3", "message": "withdrawn"},
            ],
        )
    )
    assert entry.status_size == 2
    assert entry.status_messages[3] == StatusMessage(3, "withdrawn")
    assert entry.message_for(2) == "rejected" and entry.message_for(4) is None
    as_text = only_entry({**bitstring_entry(1), "statusSize": "8", "statusMessage": [{"status": 0, "message": "ok"}]})
    assert (as_text.status_size, as_text.status_messages) == (8, (StatusMessage(0, "ok"),))


def test_statuslist2021_entry() -> None:
    entry = only_entry(
        {
            "id": "https://issuer.example/sl/3#94567",
            "type": "StatusList2021Entry",
            "statusPurpose": "suspension",
            "statusListIndex": "94567",
            "statusListCredential": "https://issuer.example/sl/3",
            "statusSize": 4,  # not a StatusList2021 term: ignored
        }
    )
    assert (entry.method, entry.purpose, entry.index, entry.status_size) == ("statuslist2021", "suspension", 94567, 1)


def test_1edtech_entry() -> None:
    entry = only_entry({"id": "https://issuer.example/revocations", "type": "1EdTechRevocationList"})
    assert (entry.method, entry.purpose, entry.index, entry.list_url) == (
        "1edtech",
        "revocation",
        None,
        "https://issuer.example/revocations",
    )
    with pytest.raises(StatusError, match="revocation_list_entry"):
        evaluate_entry(entry, list_credential(encode(bytes(16_384))))


# --------------------------------------------------------------------------------------------------------------------
# The list credential: types and purpose
# --------------------------------------------------------------------------------------------------------------------


def test_statuslist2021_list_with_bare_h4si_encoding() -> None:
    encoded = encode(bits_with(16_384, 94567), prefix="")
    assert encoded.startswith("H4sI")
    credential = list_credential(
        encoded, purpose="suspension", credential_type="StatusList2021Credential", subject_type="StatusList2021"
    )
    entry = only_entry(
        {
            "type": "StatusList2021Entry",
            "statusPurpose": "suspension",
            "statusListIndex": "94567",
            "statusListCredential": "https://issuer.example/status/1",
        }
    )
    assert evaluate_entry(entry, credential) == StatusResult(
        "suspension", 1, False, True, "suspended", list_entries=131_072
    )
    other = only_entry({**bitstring_entry(94566), "type": "StatusList2021Entry", "statusPurpose": "suspension"})
    assert evaluate_entry(other, credential).message == "not suspended"


def test_list_type_must_match_the_entry_method() -> None:
    sl2021 = list_credential(
        encode(bytes(16_384), prefix=""), credential_type="StatusList2021Credential", subject_type="StatusList2021"
    )
    with pytest.raises(StatusError, match="does not include BitstringStatusListCredential") as caught:
        list_subject(sl2021, only_entry(bitstring_entry(1)))
    assert caught.value.code == "STATUS_VERIFICATION_ERROR"
    bitstring_list = list_credential(encode(bytes(16_384)))
    entry_2021 = only_entry({**bitstring_entry(1), "type": "StatusList2021Entry"})
    with pytest.raises(StatusError, match="does not include StatusList2021Credential"):
        list_subject(bitstring_list, entry_2021)
    wrong_subject = list_credential(encode(bytes(16_384)), subject_type="StatusList2021")
    with pytest.raises(StatusError, match=r"credentialSubject type \(StatusList2021\) is not BitstringStatusList"):
        list_subject(wrong_subject, only_entry(bitstring_entry(1)))
    no_subject = list_credential(encode(bytes(16_384)))
    no_subject["credentialSubject"] = [no_subject["credentialSubject"]] * 2
    with pytest.raises(StatusError, match="no credentialSubject object"):
        list_subject(no_subject, only_entry(bitstring_entry(1)))
    with pytest.raises(StatusError, match="not a JSON object"):
        list_subject([], only_entry(bitstring_entry(1)))  # type: ignore[arg-type]


def test_purpose_mismatch_is_refused() -> None:
    credential = list_credential(encode(bits_with(16_384, 1)))
    with pytest.raises(StatusError, match="the list's purpose revocation does not cover suspension") as caught:
        evaluate_entry(only_entry(bitstring_entry(1, "suspension")), credential)
    assert caught.value.code == "STATUS_VERIFICATION_ERROR"
    without = copy.deepcopy(credential)
    del without["credentialSubject"]["statusPurpose"]
    with pytest.raises(StatusError, match="no statusPurpose"):
        list_subject(without, only_entry(bitstring_entry(1)))


def test_a_list_may_serve_several_purposes() -> None:
    credential = list_credential(encode(bits_with(16_384, 1)), purpose=["revocation", "suspension"])
    subject = list_subject(credential, only_entry(bitstring_entry(1, "suspension")))
    assert subject is credential["credentialSubject"]
    assert evaluate_entry(only_entry(bitstring_entry(1, "suspension")), credential).suspended
    with pytest.raises(StatusError, match="the list's purpose revocation, suspension does not cover message"):
        list_subject(credential, only_entry(bitstring_entry(1, "message")))
    single = copy.deepcopy(credential)
    single["credentialSubject"] = [single["credentialSubject"]]  # a one-item list, as JSON-LD compaction may leave
    assert list_subject(single, only_entry(bitstring_entry(1))) is single["credentialSubject"][0]


def test_message_purpose_reads_the_status_message() -> None:
    bitstring = bytearray(32_768)
    bitstring[0] = 0b00_01_10_11  # entries 0..3 = 0, 1, 2, 3
    credential = list_credential(encode(bytes(bitstring)), purpose="message")
    messages = [{"status": f"0x{v:x}", "message": m} for v, m in enumerate(["ok", "pending", "failed", "withdrawn"])]
    results = [
        evaluate_entry(only_entry(bitstring_entry(i, "message", statusSize=2, statusMessage=messages)), credential)
        for i in range(4)
    ]
    assert [(r.value, r.message, r.revoked, r.suspended) for r in results] == [
        (0, "ok", False, False),
        (1, "pending", False, False),
        (2, "failed", False, False),
        (3, "withdrawn", False, False),
    ]
    assert results[0].list_entries == 131_072


def test_multi_bit_revocation_value_other_than_zero_revokes() -> None:
    bitstring = bytearray(65_536)
    bitstring[1] = 0x0C  # at statusSize 4, byte 1 holds entry 2 (high nibble, 0) and entry 3 (low nibble, 12)
    credential = list_credential(encode(bytes(bitstring)))
    messages = [{"status": hex(v), "message": f"state {v}"} for v in range(16)]
    entry = only_entry(bitstring_entry(3, statusSize=4, statusMessage=messages))
    result = evaluate_entry(entry, credential)
    assert (result.value, result.revoked, result.message) == (12, True, "state 12")
    assert not evaluate_entry(only_entry(bitstring_entry(2, statusSize=4, statusMessage=messages)), credential).revoked


def test_other_purposes_are_described_by_value() -> None:
    credential = list_credential(encode(bits_with(16_384, 4)), purpose="refresh")
    set_result = evaluate_entry(only_entry(bitstring_entry(4, "refresh")), credential)
    clear_result = evaluate_entry(only_entry(bitstring_entry(5, "refresh")), credential)
    assert (set_result.value, set_result.revoked, set_result.suspended, set_result.message) == (
        1,
        False,
        False,
        "refresh status 0x1",
    )
    assert clear_result.message == "refresh status 0x0 (not set)"


# --------------------------------------------------------------------------------------------------------------------
# 1EdTech Revocation List documents
# --------------------------------------------------------------------------------------------------------------------

CREDENTIAL_ID = "urn:uuid:2b8a2f4e-1c53-4d57-b3fa-5c1c1e0a7f10"


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"revokedCredentials": [{"id": CREDENTIAL_ID, "revoked": True}]}, (True, None)),
        ({"revokedCredentials": [{"id": CREDENTIAL_ID}]}, (True, None)),
        ({"revokedCredential": [{"id": CREDENTIAL_ID, "revocationReason": "In error"}]}, (True, "In error")),
        ({"revokedCredential": {"id": CREDENTIAL_ID, "revoked": True}}, (True, None)),
        ({"revokedCredentials": [{"id": CREDENTIAL_ID, "revoked": False, "revocationReason": "x"}]}, (False, None)),
        ({"revokedCredentials": [{"id": CREDENTIAL_ID, "revoked": "false"}]}, (False, None)),
        ({"revokedCredentials": [CREDENTIAL_ID]}, (True, None)),
        ({"revokedCredentials": CREDENTIAL_ID}, (True, None)),
        ({"revokedCredentials": ["urn:uuid:other", {"id": "urn:uuid:another"}]}, (False, None)),
        ({"revokedCredentials": []}, (False, None)),
        ({"revokedCredentials": [{"revoked": True}, 7, None]}, (False, None)),
        (
            {
                "revokedCredentials": [{"id": CREDENTIAL_ID, "revoked": False}],
                "revokedCredential": [{"id": CREDENTIAL_ID, "revocationReason": "  Misconduct  "}],
            },
            (True, "Misconduct"),
        ),
        (
            {"id": "https://issuer.example/revocations", "revokedCredentials": [{"id": CREDENTIAL_ID, "reason": "r"}]},
            (True, "r"),
        ),
    ],
)
def test_revocation_list_variants(document: dict[str, Any], expected: tuple[bool, str | None]) -> None:
    assert revocation_list_entry(document, CREDENTIAL_ID) == expected


def test_a_document_without_revoked_credentials_is_not_a_revocation_list() -> None:
    with pytest.raises(StatusError, match="not a 1EdTech revocation list"):
        revocation_list_entry({"id": "https://issuer.example/revocations"}, CREDENTIAL_ID)
    with pytest.raises(StatusError, match="not a JSON object"):
        revocation_list_entry([CREDENTIAL_ID], CREDENTIAL_ID)  # type: ignore[arg-type]
