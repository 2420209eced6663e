"""The earner's wallet: the store, the backpack's settings, and one function per thing a holder does.

Front ends (``wallet.cli``, ``wallet.tui``, ``webview``) parse and render; the rules live here. Importing ``wallet``
loads no UI toolkit.
"""

from __future__ import annotations

import importlib as _importlib
import typing as _typing

# The names as type checkers see them; at run time each module loads on first use (``__getattr__`` below), so that
# ``backpack --help`` or ``backpack list`` does not load the verifier's HTTP client, Pillow or the QR encoder.
if _typing.TYPE_CHECKING:
    from .badge_collections import Collection, delete_collection, delete_collection_and_shares
    from .bundle import write_bundle
    from .errors import WalletError
    from .exporting import Selection, WrittenCard, select, write_cards
    from .importer import ImportOutcome, ImportProgress, ImportResult, import_and_verify
    from .settings import Settings, fetch_policy, load_settings, public_url, save_settings, set_setting
    from .shares import Share
    from .store import BadgeRecord, Store
    from .verification import refresh_stale, verify_records, verify_sources

__all__ = [
    "BadgeRecord",
    "Collection",
    "ImportOutcome",
    "ImportProgress",
    "ImportResult",
    "Selection",
    "Settings",
    "Share",
    "Store",
    "WalletError",
    "WrittenCard",
    "delete_collection",
    "delete_collection_and_shares",
    "fetch_policy",
    "import_and_verify",
    "load_settings",
    "public_url",
    "refresh_stale",
    "save_settings",
    "select",
    "set_setting",
    "verify_records",
    "verify_sources",
    "write_bundle",
    "write_cards",
]

_HOME = {
    "BadgeRecord": "store",
    "Collection": "badge_collections",
    "ImportOutcome": "importer",
    "ImportProgress": "importer",
    "ImportResult": "importer",
    "Selection": "exporting",
    "Settings": "settings",
    "Share": "shares",
    "Store": "store",
    "WalletError": "errors",
    "WrittenCard": "exporting",
    "delete_collection": "badge_collections",
    "delete_collection_and_shares": "badge_collections",
    "fetch_policy": "settings",
    "import_and_verify": "importer",
    "load_settings": "settings",
    "public_url": "settings",
    "refresh_stale": "verification",
    "save_settings": "settings",
    "select": "exporting",
    "set_setting": "settings",
    "verify_records": "verification",
    "verify_sources": "verification",
    "write_bundle": "bundle",
    "write_cards": "exporting",
}


def __getattr__(name: str) -> _typing.Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
