"""Where the backpack lives on disk: ``--home``, else ``$BACKPACK_HOME``, else the XDG data directory."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["default_home"]


def _xdg_data_home() -> Path:
    value = os.environ.get("XDG_DATA_HOME", "").strip()
    return Path(value) if value and Path(value).is_absolute() else Path.home() / ".local" / "share"


def default_home() -> Path:
    value = os.environ.get("BACKPACK_HOME", "").strip()
    return Path(value).expanduser() if value else _xdg_data_home() / "openbadges-backpack"
