"""``wallet.settings``: saved values, environment overrides, validation, and the fetch policy built from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from verifier import FetchPolicy
from wallet.settings import (
    DEFAULT_PUBLIC_URL,
    Environment,
    SettingError,
    Settings,
    fetch_policy,
    load_settings,
    public_url,
    save_settings,
    set_setting,
    validate_public_url,
)
from wallet.store import Store


def test_a_new_backpack_has_the_defaults_and_reading_them_creates_nothing(store: Store) -> None:
    assert load_settings(store, environ={}) == Settings()
    assert load_settings(store.home, environ={}) == Settings()
    assert not store.home.exists()


def test_saved_values_round_trip_and_only_changes_are_written(store: Store) -> None:
    saved = save_settings(store, Settings(offline=True, display_name="Ada"))
    assert saved == Settings(offline=True, display_name="Ada")
    assert store.get_setting("offline") is True
    assert store.get_setting("public_url") is None  # a default never changed is not written
    assert load_settings(str(store.home)) == saved


@pytest.mark.parametrize(
    ("key", "raw", "name", "value"),
    [
        ("offline", "yes", "offline", True),
        ("offline", "OFF", "offline", False),
        ("allow-private-network", "true", "allow_private_network", True),
        ("allow_private_network", True, "allow_private_network", True),
        ("public-url", "https://badges.example.org/", "public_url", "https://badges.example.org"),
        ("public-url", "", "public_url", ""),
        ("display-name", "  Ada   Lovelace ", "display_name", "Ada Lovelace"),
        ("publish-host", "https://host.example.net", "publish_host", "https://host.example.net"),
    ],
)
def test_set_setting_checks_and_saves_one_value(
    store: Store, key: str, raw: str | bool, name: str, value: object
) -> None:
    settings = set_setting(store, key, raw)
    assert getattr(settings, name) == value
    assert store.get_setting(name) == value


@pytest.mark.parametrize(
    ("key", "raw", "reason"),
    [
        ("colour", "blue", "no setting named 'colour'"),
        ("offline", "maybe", "offline is on or off"),
        ("public-url", "ftp://x.example", "public-url: 'ftp://x.example' is not an http(s) URL"),
        ("publish-host", "https://x.example/?a=1", "publish-host: the public URL takes no query"),
    ],
)
def test_set_setting_refuses_bad_values_with_one_line(store: Store, key: str, raw: str, reason: str) -> None:
    with pytest.raises(SettingError) as caught:
        set_setting(store, key, raw)
    assert str(caught.value).startswith(reason)
    assert not store.home.exists()


def test_the_environment_overrides_and_is_never_saved(store: Store) -> None:
    environ = {"BACKPACK_ALLOW_PRIVATE_NETWORK": "1", "BACKPACK_PUBLIC_URL": " https://env.example.org/ "}
    set_setting(store, "public-url", "https://saved.example.org")
    settings = load_settings(store, environ=environ)
    assert settings.environment == Environment(allow_private_network=True, public_url="https://env.example.org/")
    assert (settings.allow_private_network, settings.private_network_allowed) == (False, True)
    assert settings.base_url == "https://env.example.org"
    assert public_url(store, environ=environ) == "https://env.example.org"
    assert public_url(store, environ={}) == "https://saved.example.org"
    assert public_url(None, environ={}) == DEFAULT_PUBLIC_URL
    save_settings(store, settings)
    assert store.get_setting("allow_private_network") is None


def test_fetch_policy_from_settings_and_overrides() -> None:
    assert fetch_policy(Settings()) == FetchPolicy()
    assert fetch_policy(Settings(offline=True, allow_private_network=True)) == FetchPolicy(
        offline=True, allow_private_network=True
    )
    from_env = Settings(environment=Environment(allow_private_network=True))
    assert fetch_policy(from_env).allow_private_network is True
    # SSL_CERT_FILE: a company's (or a test's) certificate authorities, for https issuers.
    assert Environment.read({"SSL_CERT_FILE": "/etc/company-ca.pem"}).ca_file == "/etc/company-ca.pem"
    assert fetch_policy(Settings()).ca_file is None


def test_ssl_cert_file_is_a_file_or_a_one_line_error(tmp_path: Path) -> None:
    authorities = tmp_path / "company-ca.pem"
    authorities.write_text("-----BEGIN CERTIFICATE-----\n")
    assert fetch_policy(Settings(environment=Environment(ca_file=str(authorities)))).ca_file == str(authorities)
    with pytest.raises(SettingError, match="SSL_CERT_FILE: no certificate file at /etc/company-ca.pem"):
        fetch_policy(Settings(environment=Environment(ca_file="/etc/company-ca.pem")))
    # None leaves the setting alone: not giving --offline never takes an offline backpack online.
    assert fetch_policy(Settings(offline=True), offline=None).offline is True
    assert fetch_policy(Settings(), offline=True, deadline=3.0) == FetchPolicy(offline=True, deadline=3.0)
    with pytest.raises(TypeError):
        fetch_policy(Settings(), colour="blue")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("https://badges.example.org/", "https://badges.example.org"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("https://example.org/backpack/", "https://example.org/backpack"),
        ("badges.example.org", None),
        ("https://", None),
        ("https://example.org/?x=1", None),
        ("https://example.org:99999", None),
        ("javascript:alert(1)", None),
    ],
)
def test_validate_public_url(raw: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(ValueError):
            validate_public_url(raw)
    else:
        assert validate_public_url(raw) == expected


def test_odd_saved_values_are_read_as_their_type(tmp_path: Path) -> None:
    store = Store(tmp_path / "odd")
    store.set_setting("offline", 1)
    store.set_setting("display_name", None)
    store.set_setting("unknown", "kept out")
    assert load_settings(store, environ={}) == Settings(offline=True)
