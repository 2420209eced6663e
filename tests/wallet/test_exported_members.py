"""The wallet's public names are pinned: anything made public by accident, or dropped, fails here."""

from __future__ import annotations

import wallet

PUBLIC = [
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


def test_all_is_pinned_and_sorted() -> None:
    assert wallet.__all__ == PUBLIC
    assert wallet.__all__ == sorted(wallet.__all__)


def test_every_public_name_is_defined_in_a_wallet_module() -> None:
    for name in wallet.__all__:
        member = getattr(wallet, name)
        assert member.__module__.startswith("wallet."), name
