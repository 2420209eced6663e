"""``Ed25519Signature2020`` (W3C CCG): the ``eddsa-rdfc-2022`` algorithm under its own proof type, with no
``cryptosuite`` property. Still the most common proof of OB 3.0 credentials issued before 2024."""

from __future__ import annotations

from .eddsa_rdfc_2022 import EddsaRdfc

__all__ = ["ED25519_SIGNATURE_2020"]

ED25519_SIGNATURE_2020 = EddsaRdfc("Ed25519Signature2020")
