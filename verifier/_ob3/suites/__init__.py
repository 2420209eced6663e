"""Data Integrity cryptosuites, one module per suite behind the ``Cryptosuite`` protocol (``base``).

``suite_for(proof)`` picks the suite of a proof by its ``type`` (and ``cryptosuite``); a proof of any other kind has
no suite here, and its caller reports it as not verifiable (never as a forgery).
"""

from __future__ import annotations

from typing import Any

from .base import Cryptosuite, ProofProblem, Unverifiable
from .ecdsa_jcs_2019 import ECDSA_JCS_2019
from .ecdsa_rdfc_2019 import ECDSA_RDFC_2019
from .ecdsa_sd_2023 import ECDSA_SD_2023
from .ed25519_signature_2018 import ED25519_SIGNATURE_2018
from .ed25519_signature_2020 import ED25519_SIGNATURE_2020
from .eddsa_jcs_2022 import EDDSA_JCS_2022
from .eddsa_rdfc_2022 import EDDSA_2022, EDDSA_RDFC_2022

__all__ = ["SUITES", "Cryptosuite", "ProofProblem", "Unverifiable", "describe_proof", "suite_for"]

SUITES: dict[str, Cryptosuite] = {
    suite.name: suite
    for suite in (
        EDDSA_RDFC_2022,
        EDDSA_JCS_2022,
        ECDSA_RDFC_2019,
        ECDSA_JCS_2019,
        ECDSA_SD_2023,
        ED25519_SIGNATURE_2020,
        ED25519_SIGNATURE_2018,
        EDDSA_2022,
    )
}


def describe_proof(proof: dict[str, Any]) -> str:
    """``DataIntegrityProof/<cryptosuite>``, or the proof type alone."""
    kind = proof.get("type")
    suite = proof.get("cryptosuite")
    return f"{kind}/{suite}" if suite else str(kind)


def suite_for(proof: dict[str, Any]) -> Cryptosuite | None:
    return SUITES.get(describe_proof(proof))
