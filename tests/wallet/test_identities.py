"""Identity normalisation: the earner's emails, URLs, telephone numbers and DIDs."""

from __future__ import annotations

import pytest

from wallet.errors import InvalidIdentity
from wallet.identities import normalize_identity


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ada@example.com", "ada@example.com"),
        ("Ada.Lovelace@Example.COM", "ada.lovelace@example.com"),
        ("  ada@example.com\n", "ada@example.com"),
        ("mailto:ada@example.com", "ada@example.com"),
        ("MAILTO:Ada@Example.com", "ada@example.com"),
        ("ada+badges@sub.example.org", "ada+badges@sub.example.org"),
    ],
)
def test_emails_are_lowercased_and_mailto_stripped(raw: str, expected: str) -> None:
    assert normalize_identity(raw) == ("email", expected)


@pytest.mark.parametrize(
    "raw",
    ["https://ada.example", "http://ada.example/profile", "https://ada.example/me?tab=badges#top"],
)
def test_urls_are_kept_as_given(raw: str) -> None:
    assert normalize_identity(raw) == ("url", raw)


def test_url_is_trimmed() -> None:
    assert normalize_identity("  https://ada.example/me  ") == ("url", "https://ada.example/me")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+15551234567", "+15551234567"),
        ("+1 (555) 123-4567", "+15551234567"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+33.1.23.45.67.89", "+33123456789"),
        ("tel:+15551234567", "+15551234567"),
        ("TEL:+1-555-123-4567", "+15551234567"),
    ],
)
def test_telephone_numbers_take_the_international_plus_form(raw: str, expected: str) -> None:
    assert normalize_identity(raw) == ("telephone", expected)


@pytest.mark.parametrize(
    "raw",
    [
        "did:web:ada.example",
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "did:example:123456789abcdefghi#key-1",
        "did:web:ada.example:users:ada",
    ],
)
def test_dids_are_kept_as_given(raw: str) -> None:
    assert normalize_identity(raw) == ("did", raw)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "ada",
        "ada@",
        "@example.com",
        "ada@example",
        "ada@@example.com",
        "ada lovelace@example.com",
        "5551234567",  # no country code
        "+0123456789",  # country codes never start with 0
        "+12345",  # too short
        "+1234567890123456",  # too long
        "ftp://ada.example",
        "https://",
        "https://ada example.com",
        "ada.example",
        "mailto:",
    ],
)
def test_invalid_values_are_refused(raw: str) -> None:
    with pytest.raises(InvalidIdentity, match="is not an identity"):
        normalize_identity(raw)


@pytest.mark.parametrize("raw", ["did:", "did:web", "did:Web:ada.example", "did:web:", "did:web:ada example"])
def test_invalid_dids_are_refused_with_the_did_form(raw: str) -> None:
    with pytest.raises(InvalidIdentity, match="not a valid DID"):
        normalize_identity(raw)


def test_error_carries_a_stable_code() -> None:
    with pytest.raises(InvalidIdentity) as excinfo:
        normalize_identity("nope")
    assert excinfo.value.code == "invalid_identity"
    assert "'nope'" in str(excinfo.value)
