"""What each verification check means, in plain words: one catalogue for the CLI, the TUI and the web pages.

The verifier's messages (``CheckResult.message``) are written for developers: URLs, key ids, claim names. People
reading a verdict first see the plain sentence for the check's id and outcome; the verifier's message stays
available behind it (``backpack show``, ``--json``, the TUI's detail line, the web page's "Details").
"""

from __future__ import annotations

from typing import Literal

from verifier import CheckResult

__all__ = ["CHECK_WORDS", "OUTCOME_WORDS", "Outcome", "plain_words"]

Outcome = Literal["passed", "failed", "warning", "error", "skipped"]

OUTCOME_WORDS: dict[str, str] = {
    "passed": "This check passed.",
    "failed": "This check failed.",
    "warning": "This check passed with a reservation.",
    "error": "This check could not be done.",
    "skipped": "This check did not apply.",
}
"""What an outcome means when the catalogue has no sentence for a check (a check id newer than this table)."""

CHECK_WORDS: dict[str, dict[str, str]] = {
    "extracted": {
        "passed": "A badge was found in what was given.",
        "failed": "No badge was found in what was given.",
    },
    "format": {
        "passed": "It is an Open Badge in a format this checker knows.",
        "failed": "It is not in a badge format this checker knows.",
        "error": "It is in an old or unknown badge format that cannot be checked: ask the issuer for a new copy.",
    },
    "fetched": {
        "passed": "The badge was fetched from its issuer's website.",
        "failed": "The issuer's website does not hold this badge.",
        "error": "The issuer's website could not be reached, so the badge could not be checked: try again later.",
    },
    "hosted_copy": {
        "passed": "This copy matches the one on the issuer's website.",
        "failed": "This copy differs from the one on the issuer's website: it was changed.",
        "warning": "This copy differs slightly from the one on the issuer's website.",
        "error": "This copy could not be compared with the one on the issuer's website.",
    },
    "json_ld": {
        "passed": "The badge's data is well-formed.",
        "failed": "The badge's data is malformed: it does not follow the Open Badges rules.",
        "warning": "Some of the badge's data definitions had to be fetched from the web.",
        "error": "The badge's data uses definitions that could not be obtained, so it could not be read completely.",
    },
    "context": {
        "passed": "It declares itself an Open Badge.",
        "failed": "It does not declare itself an Open Badge correctly.",
        "warning": "It is a digital credential, but not declared as an Open Badge.",
    },
    "type": {
        "passed": "It is marked as a badge credential.",
        "failed": "It is not marked as a badge credential.",
        "warning": "It is a digital credential, but not marked as an Open Badge.",
    },
    "properties": {
        "passed": "It states everything a badge must state.",
        "failed": "Something every badge must state is missing.",
        "warning": "It does not say who earned it.",
    },
    "badge_class": {
        "passed": "The description of the achievement was obtained from the issuer.",
        "failed": "The description of the achievement is missing or wrong.",
        "error": "The description of the achievement could not be obtained from the issuer.",
    },
    "issuer": {
        "passed": "The issuer's profile was obtained.",
        "failed": "The issuer's profile is missing or does not match the badge.",
        "error": "The issuer's profile could not be obtained.",
    },
    "origin": {
        "passed": "The badge is kept on a website its issuer vouches for.",
        "failed": "The badge is kept on a website its issuer does not vouch for.",
        "warning": "The badge is kept on a website its issuer does not clearly vouch for.",
        "error": "Whether the issuer vouches for the badge's website could not be checked.",
    },
    "signature": {
        "passed": "It is signed, and nothing in it was changed since it was signed.",
        "failed": "Its signature does not match: it was changed after it was issued, or not signed by its issuer.",
        "warning": "Its signature holds, with a reservation.",
        "error": "Its signature could not be checked.",
        "skipped": "It has no signature of its own: it was checked against the issuer's website instead.",
    },
    "key_owner": {
        "passed": "The key that signed it belongs to the issuer.",
        "failed": "It was signed by someone other than the issuer it names.",
        "warning": "It proves it was not changed, but not who issued it (the signing key comes with the badge).",
        "error": "The issuer's signing key could not be obtained.",
    },
    "jwt_claims": {
        "passed": "Its signed envelope agrees with the badge inside.",
        "failed": "Its signed envelope contradicts the badge inside.",
        "warning": "Its signed envelope leaves out some details (it does not contradict the badge).",
    },
    "recipient": {
        "passed": "It was issued to the person it is being checked for.",
        "failed": "It was issued to someone else, not to the person it is being checked for.",
        "warning": "Who it belongs to was not checked: no e-mail, web address or DID was given to compare with.",
        "skipped": "Who it belongs to was not checked.",
    },
    "issued_on": {
        "passed": "Its issue date is valid.",
        "failed": "Its issue date is invalid or in the future.",
        "warning": "Its issue date is unusual.",
    },
    "valid_from": {
        "passed": "It is already in force.",
        "failed": "It does not take effect yet, or its start date is invalid.",
    },
    "expiry": {
        "passed": "It has not expired.",
        "failed": "It has expired.",
    },
    "revocation": {
        "passed": "Its issuer has not revoked it.",
        "failed": "Its issuer has revoked it.",
        "error": "Whether its issuer revoked it could not be checked.",
        "skipped": "Its issuer offers no way to revoke it, so there was nothing to check.",
    },
    "endorsements": {
        "passed": "Its endorsements by others are genuine.",
        "failed": "Some of its endorsements by others could not be confirmed.",
        "warning": "Some of its endorsements by others could not be confirmed (this does not change the verdict).",
        "error": "Its endorsements by others could not be checked.",
    },
    "holder": {
        "passed": "The portfolio is signed by the person presenting it, and nothing was changed since.",
        "failed": "The portfolio's signature does not match: it was changed, or signed by someone else.",
        "error": "The portfolio's signature could not be checked.",
    },
    "challenge": {
        "passed": "It answers this check's own request: it is not a copy made for someone else.",
        "failed": "It does not answer this check's own request: it may be a copy made for someone else.",
    },
    "data_model": {
        "passed": "The credential is put together the way the standard requires.",
        "failed": "The credential is not put together the way the standard requires.",
        "error": "Whether the credential is put together correctly could not be checked.",
    },
    "related_resource": {
        "passed": "The files the issuer pinned to this credential are the ones it pinned.",
        "failed": "A file the issuer pinned to this credential has been changed since.",
        "error": "A file the issuer pinned to this credential could not be fetched to compare.",
    },
    "envelope": {
        "passed": "The credential came in a standard envelope, which was opened and checked inside.",
        "failed": "The credential's envelope is not well formed.",
        "error": "The credential came in a kind of envelope this checker cannot open.",
    },
    "issuer_known": {
        "passed": "The issuer is listed in a registry of issuers you use.",
        "warning": "The issuer is not in any registry of issuers you use: its name is its own claim.",
        "error": "The registries of issuers you use could not be read.",
    },
}
"""Check id -> outcome -> the plain sentence."""

# Where one id and outcome covers situations a reader must tell apart, the verifier's message decides: these words
# are looked for in it, first match wins. The verifier writes them; tests/wallet/test_check_words.py pins them.
_REFINEMENTS: tuple[tuple[str, str, str, str], ...] = (
    ("fetched", "error", "withdrawn by its holder", "The person who shared this link has withdrawn it."),
    ("fetched", "error", "shared link was expired", "This shared link has expired."),
    (
        "fetched",
        "error",
        "private or local address",
        "The link points into a private or local network, which this checker does not visit.",
    ),
    ("fetched", "error", "offline", "Checked offline, and no copy of the badge was saved before."),
    ("revocation", "error", "offline", "Checked offline, and no copy of the issuer's revocation list was saved."),
    ("revocation", "failed", "suspended", "Its issuer has suspended it."),
    ("extracted", "failed", "too large", "What was given is too large to be checked."),
    ("extracted", "failed", "larger than", "What was given is too large to be checked."),
    ("extracted", "error", "too large", "What was given is too large to be checked."),
    ("extracted", "error", "larger than", "What was given is too large to be checked."),
    ("extracted", "error", "nested more than", "What was given is nested too deeply to be checked."),
)

# A document nested beyond the verifier's limit, whichever check met it: the reader must not be told the issuer was
# unreachable or the badge forged. The verifier's JSONTooDeep message says "nested more than N levels deep".
_TOO_DEEP = "nested more than"
_TOO_DEEP_WORDS = "A document needed for this check is nested too deeply to be read, so it could not be checked."


def plain_words(check: CheckResult) -> str:
    """The sentence a person reads for ``check``: what it means, without URLs, key ids or claim names."""
    message = check.message.lower()
    for check_id, outcome, needle, words in _REFINEMENTS:
        if check.id == check_id and check.outcome == outcome and needle in message:
            return words
    if check.outcome == "error" and _TOO_DEEP in message:
        return _TOO_DEEP_WORDS
    return CHECK_WORDS.get(check.id, {}).get(check.outcome) or OUTCOME_WORDS.get(check.outcome, check.message)
