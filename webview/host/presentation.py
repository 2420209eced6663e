"""The host's first look at a holder's proof: whose it is and which challenge it answers, so the challenge can be
looked up (unknown, used, expired) before anything is verified.

The verifier then checks the holder's signature and, with ``VerifierPolicy(expected_challenge=…,
expected_domain=…)``, that the signed proof answers that challenge for this host, for authentication
(``report.check("holder")`` and ``report.check("challenge")``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["ACCEPTED_PURPOSES", "HolderProofOptions", "ProofOptionsRefused", "proof_options"]

# A holder proving control of its key for this request says `authentication` (VC Data Model, Data Integrity).
ACCEPTED_PURPOSES = ("authentication",)
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
