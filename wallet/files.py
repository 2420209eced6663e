"""Reading a local file as the verifier's limits allow: the size checked before reading, one-line reasons."""

from __future__ import annotations

from pathlib import Path

from verifier import InputTooLarge, Limits
from verifier.extraction import DEFAULT_LIMITS, describe_size

from .errors import SourceError

__all__ = ["read_file_limited"]


def read_file_limited(path: Path, limits: Limits = DEFAULT_LIMITS) -> bytes:
    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            raise InputTooLarge(f"file refused: larger than {describe_size(limits.max_file_bytes)}")
        with path.open("rb") as handle:
            data = handle.read(limits.max_file_bytes + 1)
    except FileNotFoundError as exc:
        raise SourceError(f"no such file: {path}") from exc
    except IsADirectoryError as exc:
        raise SourceError(f"{path} is a folder") from exc
    except PermissionError as exc:
        raise SourceError(f"permission denied: {path}") from exc
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror}") from exc
    if len(data) > limits.max_file_bytes:
        raise InputTooLarge(f"file refused: larger than {describe_size(limits.max_file_bytes)}")
    return data
