"""The backpack's settings: one place that reads them, validates them and turns them into a fetch policy.

Two sources, one view of them:

* **saved in the backpack** (the ``settings`` table): offline, allow private network, public URL, display name, the
  share host to publish to, and the issuer registries to look issuers up in;
* **the process environment**, which overrides the saved values where an operator needs it:
  ``BACKPACK_ALLOW_PRIVATE_NETWORK=1`` (allows private addresses whatever the backpack says) and
  ``BACKPACK_PUBLIC_URL`` (the web view's address behind a real domain).

This module is the only reader of those two variables: the CLI, the TUI and the web view build their fetch policy
with :func:`fetch_policy` and their share links with :func:`public_url`, so all three verify a badge the same way.
The verifier library reads no environment at all. (``BACKPACK_HOME`` is read by ``wallet.paths``; the CLI's own
switches, ``BACKPACK_DEBUG`` and ``BACKPACK_NO_TUI``, by the CLI.)
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from verifier import FetchPolicy, IssuerRegistry, Limits, VerifierError, parse_registry

from .errors import WalletError
from .files import read_file_limited
from .store import Store

__all__ = [
    "DEFAULT_PUBLIC_URL",
    "DISPLAY_NAME_MAX",
    "SETTING_KEYS",
    "Environment",
    "SettingError",
    "Settings",
    "clean_display_name",
    "fetch_policy",
    "is_loopback_host",
    "issuer_registries",
    "load_settings",
    "parse_setting",
    "public_url",
    "save_settings",
    "set_setting",
    "validate_public_url",
]

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
"""Where ``backpack serve`` listens by default: share links start with it until a public URL is set."""
DISPLAY_NAME_MAX = 80
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


class SettingError(WalletError):
    code = "setting_invalid"


@dataclass(frozen=True)
class Environment:
    """What the process environment overrides. Never saved in the backpack."""

    allow_private_network: bool = False
    public_url: str = ""
    ca_file: str = ""
    """``SSL_CERT_FILE``, the usual variable for a company's (or a test's) certificate authorities."""

    @classmethod
    def read(cls, environ: Mapping[str, str] | None = None) -> Environment:
        env = os.environ if environ is None else environ
        return cls(
            allow_private_network=env.get("BACKPACK_ALLOW_PRIVATE_NETWORK", "").strip().lower() in ("1", "true", "yes"),
            public_url=env.get("BACKPACK_PUBLIC_URL", "").strip(),
            ca_file=env.get("SSL_CERT_FILE", "").strip(),
        )


@dataclass(frozen=True)
class Settings:
    """The backpack's saved settings, and the environment they were read in (``environment``, never saved)."""

    offline: bool = False
    """Verify from the backpack's cache only (the demo backpack, whose issuers exist only in its cache)."""
    allow_private_network: bool = False
    """Let verification and import fetch from loopback and private addresses (local issuers, intranets)."""
    public_url: str = ""
    """The web view's public base URL ("" for the local ``backpack serve`` address)."""
    display_name: str = ""
    """The holder's name on their share pages."""
    publish_host: str = ""
    """The share host that ``backpack publish`` sends portfolios to ("" when none is set)."""
    registries: str = ""
    """Issuer registries to look issuers up in, most authoritative first, comma-separated: http(s) URLs of registries
    (the Digital Credentials Consortium's format) and paths of local trust lists ("" for none: no lookup)."""
    environment: Environment = field(default_factory=Environment, compare=False)

    @property
    def private_network_allowed(self) -> bool:
        """The saved switch, or ``BACKPACK_ALLOW_PRIVATE_NETWORK``: either one allows private addresses."""
        return self.allow_private_network or self.environment.allow_private_network

    @property
    def base_url(self) -> str:
        """Where share links point: ``BACKPACK_PUBLIC_URL``, else the saved public URL, else the local address."""
        return (self.environment.public_url or self.public_url or DEFAULT_PUBLIC_URL).rstrip("/")

    @property
    def public(self) -> bool:
        """Whether share links point at an address other people can reach (not this machine's loopback)."""
        return not is_loopback_host(urlsplit(self.base_url).hostname or "")

    def saved(self) -> dict[str, Any]:
        """The values kept in the backpack, by their stored names."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "environment"}


SETTING_KEYS: dict[str, str] = {
    "offline": "offline",
    "allow-private-network": "allow_private_network",
    "public-url": "public_url",
    "display-name": "display_name",
    "publish-host": "publish_host",
    "registries": "registries",
}
"""The command line's names of the settings (kebab-case) and the names they are saved under."""


def _store_of(store_or_home: Store | Path | str) -> Store:
    return store_or_home if isinstance(store_or_home, Store) else Store(store_or_home)


def _coerce(name: str, value: Any) -> Any:
    default = getattr(Settings(), name)
    if isinstance(default, bool):
        return bool(value)
    return "" if value is None else str(value)


def load_settings(store_or_home: Store | Path | str, *, environ: Mapping[str, str] | None = None) -> Settings:
    """The backpack's settings (defaults for what was never saved, or for a backpack not created yet)."""
    store = _store_of(store_or_home)
    values: dict[str, Any] = {}
    if store.exists():
        names = set(Settings().saved())
        with store.transaction() as db:
            for row in db.all("settings"):
                if row.get("name") in names:
                    values[row["name"]] = _coerce(row["name"], row.get("value"))
    return Settings(**values, environment=Environment.read(environ))


def save_settings(store_or_home: Store | Path | str, settings: Settings) -> Settings:
    """Save the values of ``settings`` that differ from the backpack's, in one write. Returns what is now saved."""
    store = _store_of(store_or_home)
    current = load_settings(store, environ={}).saved()
    changed = {name: value for name, value in settings.saved().items() if current.get(name) != value}
    if changed:
        _write(store, changed)
    return replace(load_settings(store, environ={}), environment=settings.environment)


def _write(store: Store, values: Mapping[str, Any]) -> None:
    with store.transaction(write=True) as db:
        for name, value in values.items():
            db.upsert("settings", {"name": name, "value": value}, name=name)


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` (a name or an address, as in a URL or a Host header) is this machine's loopback."""
    name = host.strip().strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def validate_public_url(raw: str) -> str:
    """The public base URL to store ("" for the default), or ``ValueError`` with the one-line reason."""
    value = raw.strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in value):
        raise ValueError(f"{value!r} is not an http(s) URL (for example https://badges.example.org)")
    if parts.query or parts.fragment:
        raise ValueError("the public URL takes no query or fragment: give the address the web view is served at")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise ValueError(f"{value!r} has an invalid port") from exc
    return value.rstrip("/")


def clean_display_name(raw: str) -> str:
    """A display name as saved: whitespace collapsed, at most ``DISPLAY_NAME_MAX`` characters."""
    return " ".join(raw.split())[:DISPLAY_NAME_MAX]


def _parse_bool(key: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingError(f"{key} is on or off: give true or false, not {raw!r}")


def parse_setting(key: str, raw: str | bool) -> tuple[str, Any]:
    """The saved name and the checked value of one setting given by its command-line name (``public-url``) or its
    saved name (``public_url``); ``SettingError`` says why a value is refused."""
    name = SETTING_KEYS.get(key) or (key if key in SETTING_KEYS.values() else None)
    if name is None:
        raise SettingError(f"no setting named {key!r}: the settings are {', '.join(SETTING_KEYS)}")
    if isinstance(getattr(Settings(), name), bool):
        return name, raw if isinstance(raw, bool) else _parse_bool(key, raw)
    text = str(raw)
    if name in ("public_url", "publish_host"):
        try:
            return name, validate_public_url(text)
        except ValueError as exc:
            raise SettingError(f"{key}: {exc}") from None
    if name == "registries":
        return name, _parse_registries(key, text)
    return name, clean_display_name(text)


def _parse_registries(key: str, raw: str) -> str:
    """The registries as saved: URLs checked, trust-list paths made absolute and checked to be readable files."""
    saved = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        if "://" in item:
            parts = urlsplit(item)
            if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in item):
                raise SettingError(f"{key}: {item!r} is not an http(s) URL of a registry")
            saved.append(item)
            continue
        path = Path(item).expanduser().resolve()
        if not path.is_file():
            raise SettingError(f"{key}: no trust-list file at {path}")
        registry = _read_trust_list(path)
        if registry.problem is not None:
            raise SettingError(f"{key}: {path} is not a registry: {registry.problem}")
        saved.append(str(path))
    return ",".join(dict.fromkeys(saved))


_TRUST_LIST_LIMITS = Limits(max_file_bytes=Limits().max_text_bytes)


def _read_trust_list(path: Path) -> IssuerRegistry:
    try:
        data = read_file_limited(path, _TRUST_LIST_LIMITS)
        as_of = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(microsecond=0)
    except (WalletError, VerifierError, OSError) as exc:
        return IssuerRegistry(name=str(path), source=str(path), problem=str(exc))
    return parse_registry(data, source=str(path), as_of=as_of.isoformat().replace("+00:00", "Z"))


def issuer_registries(settings: Settings) -> tuple[str | IssuerRegistry, ...]:
    """The registries of ``settings`` for ``VerifierPolicy.registries``: URLs as they are (the verifier fetches and
    caches them), trust-list files read now (one that cannot be read is reported by the check, not raised)."""
    return tuple(
        item if "://" in item else _read_trust_list(Path(item))
        for item in (part.strip() for part in settings.registries.split(","))
        if item
    )


def set_setting(store_or_home: Store | Path | str, key: str, raw: str | bool) -> Settings:
    """Check and save one setting (see :func:`parse_setting`). Returns the settings now in effect."""
    store = _store_of(store_or_home)
    name, value = parse_setting(key, raw)
    _write(store, {name: value})  # written even when it equals the default: the holder chose it
    return load_settings(store)


_POLICY_FIELDS = frozenset(f.name for f in fields(FetchPolicy))


def fetch_policy(settings: Settings, **overrides: Any) -> FetchPolicy:
    """The fetch policy of this backpack: its offline and private-network settings, then ``overrides``.

    Overrides are ``FetchPolicy`` fields; ``None`` leaves a value as the settings make it (so a command-line flag
    passes ``flag or None``: not giving ``--offline`` never turns a backpack kept offline back online).
    """
    unknown = set(overrides) - _POLICY_FIELDS
    if unknown:
        raise TypeError(f"not fetch policy fields: {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {
        "offline": settings.offline,
        "allow_private_network": settings.private_network_allowed,
        "ca_file": settings.environment.ca_file or None,
    }
    values.update({name: value for name, value in overrides.items() if value is not None})
    if values["ca_file"] is not None and not os.path.isfile(values["ca_file"]):
        # Said once, here, rather than as "could not be reached" on every https badge.
        raise SettingError(f"SSL_CERT_FILE: no certificate file at {values['ca_file']}")
    return FetchPolicy(**values)


def public_url(store: Store | None = None, *, environ: Mapping[str, str] | None = None) -> str:
    """The web view's public base URL (see :attr:`Settings.base_url`); without a store, the environment's or the
    default."""
    if store is None:
        return Settings(environment=Environment.read(environ)).base_url
    return load_settings(store, environ=environ).base_url
