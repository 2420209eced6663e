"""The host's rule for a holder's proof: which purpose, which challenge, which domain.

The verifier checks the holder's signature (``report.check("holder")``); the signed proof options are read here.
This is the one place to swap for ``VerifierPolicy(expected_challenge=…, expected_domain=…)`` once the verifier
checks them itself: ``proof_options`` then only has to say which challenge to look up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["ACCEPTED_PURPOSES", "HolderProofOptions", "ProofOptionsRefused", "proof_options"]

# `authentication` is what a holder proving control of its key should say (VC Data Model, Data Integrity); the
# backpack's verifier still accepts only `assertionMethod` for a holder's proof, so the host takes both until it does.
ACCEPTED_PURPOSES = ("authentication", "assertionMethod")
_MAX_CHALLENGE = 128


class ProofOptionsRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class HolderProofOptions:
    holder: str
    challenge: str
    domain: str


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def proof_options(presentation: dict[str, Any], *, expected_domain: str) -> HolderProofOptions:
    """The holder and the challenge of a presentation whose proof is bound to this host, else ``ProofOptionsRefused``.

    Every proof must be by the holder for this host: a proof set with one proof for another domain or purpose would
    let a presentation made for someone else ride along.
    """
    holder = presentation.get("holder")
    holder_id = holder.get("id") if isinstance(holder, dict) else holder
    if not isinstance(holder_id, str) or not holder_id.startswith("did:key:"):
        raise ProofOptionsRefused("holder_not_did_key", "the presentation's holder must be a did:key")
    proofs = _as_list(presentation.get("proof"))
    if not proofs:
        raise ProofOptionsRefused("holder_proof_missing", "the presentation is not signed by its holder (no proof)")
    challenges = set()
    for proof in proofs:
        if not isinstance(proof, dict):
            raise ProofOptionsRefused("holder_proof_failed", "a proof of the presentation is not an object")
        purpose = proof.get("proofPurpose")
        if purpose not in ACCEPTED_PURPOSES:
            raise ProofOptionsRefused(
                "wrong_purpose", f"the proof's purpose is {purpose!r}, not one of {', '.join(ACCEPTED_PURPOSES)}"
            )
        challenge = proof.get("challenge")
        if not isinstance(challenge, str) or not challenge or len(challenge) > _MAX_CHALLENGE:
            raise ProofOptionsRefused(
                "challenge_missing", "the proof carries no challenge: ask POST /api/v1/challenges for one"
            )
        domains = _as_list(proof.get("domain"))
        if expected_domain not in domains:
            raise ProofOptionsRefused(
                "wrong_domain", f"the proof is for the domain {proof.get('domain')!r}, not for {expected_domain!r}"
            )
        challenges.add(challenge)
    if len(challenges) != 1:
        raise ProofOptionsRefused("challenge_missing", "the proofs carry different challenges")
    return HolderProofOptions(holder=holder_id, challenge=challenges.pop(), domain=expected_domain)
