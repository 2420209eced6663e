"""The earner's wallet: the store, the backpack's settings, and one function per thing a holder does.

Front ends (``wallet.cli``, ``wallet.tui``, ``webview``) parse and render; the rules live here. Importing ``wallet``
loads no UI toolkit.
"""

from __future__ import annotations

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
