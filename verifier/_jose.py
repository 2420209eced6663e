"""joserfc configured for badges: larger header and payload limits than its defaults (512 B / 128 KB), which an
inline RSA ``jwk`` header or a credential with an embedded image exceeds; badge text is capped at 2 MB anyway."""

from __future__ import annotations

from collections.abc import Collection

from joserfc import jws

__all__ = ["jws_registry"]


class _BadgeJWSRegistry(jws.JWSRegistry):
    max_header_length = 16 * 1024
    max_payload_length = 2 * 1024 * 1024


def jws_registry(algorithms: Collection[str]) -> jws.JWSRegistry:
    return _BadgeJWSRegistry(algorithms=list(algorithms))
