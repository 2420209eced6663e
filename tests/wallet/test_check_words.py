"""The plain-words catalogue of verification checks (wallet/check_words.py): every check id has words for its
outcomes, the words carry nothing technical, and the messages the verifier really writes map to the right words."""

from __future__ import annotations

import re

import pytest

from verifier import CHECK_IDS, CheckResult, VerifierPolicy, verify
from verifier.http import FetchPolicy
from wallet.check_words import CHECK_WORDS, OUTCOME_WORDS, plain_words


def test_every_check_id_has_words_for_passing_and_failing() -> None:
    assert set(CHECK_WORDS) == set(CHECK_IDS)
    for check_id, words in CHECK_WORDS.items():
        # issuer_known never fails: an issuer in no registry is a warning, never a failure of authenticity.
        assert ({"passed", "warning"} if check_id == "issuer_known" else {"passed", "failed"}) <= set(words), check_id
        assert set(words) <= set(OUTCOME_WORDS), check_id


@pytest.mark.parametrize("check_id", sorted(CHECK_IDS))
def test_the_words_are_plain_sentences(check_id: str) -> None:
    for outcome, sentence in CHECK_WORDS[check_id].items():
        assert sentence[0].isupper() and sentence.endswith("."), (check_id, outcome, sentence)
        # Nothing a non-technical reader would stumble on: no URLs, ids, claim names or code.
        assert not re.search(r"https?:|did:|\bjws\b|\bjwt\b|\bjti\b|\bnbf\b|@context|_|\{", sentence, re.I), sentence


def test_an_unknown_outcome_word_falls_back_to_the_outcome() -> None:
    # A report from a newer verifier may hold a check id this table does not know: CheckResult refuses unknown ids,
    # so the fallback is reached through an outcome the id has no sentence for.
    words = plain_words(CheckResult("expiry", "error", "the expiry date could not be read"))
    assert words == OUTCOME_WORDS["error"]


def test_real_messages_map_to_the_words_that_tell_them_apart() -> None:
    cases = {
        ("fetched", "error", "could not fetch the hosted assertion: cannot resolve host 'x.example' (https://x)"): (
            "The issuer's website could not be reached, so the badge could not be checked: try again later."
        ),
        ("fetched", "error", "this shared link was withdrawn by its holder (https://a/s/b answered 410 Gone)"): (
            "The person who shared this link has withdrawn it."
        ),
        ("fetched", "error", "this shared link was expired: its holder shared it for a while (https://a)"): (
            "This shared link has expired."
        ),
        ("fetched", "error", "refused to fetch from a private or local address (127.0.0.1)"): (
            "The link points into a private or local network, which this checker does not visit."
        ),
        ("revocation", "failed", "suspended (bit 3 of https://a/status)"): "Its issuer has suspended it.",
        ("revocation", "failed", "revoked by the issuer: Issued in error"): "Its issuer has revoked it.",
        ("recipient", "warning", "not checked: no identity to compare with"): (
            "Who it belongs to was not checked: no e-mail, web address or DID was given to compare with."
        ),
    }
    for (check_id, outcome, message), words in cases.items():
        assert plain_words(CheckResult(check_id, outcome, message)) == words  # type: ignore[arg-type]


def test_a_real_report_reads_in_plain_words(demo_file_bytes: dict[str, bytes]) -> None:
    policy = VerifierPolicy(fetch=FetchPolicy(offline=True), recipients=("someone@example.org",))
    report = verify(demo_file_bytes["git-essentials.svg"], policy=policy)
    words = {check.id: plain_words(check) for check in report.checks}
    assert words["signature"] == "It is signed, and nothing in it was changed since it was signed."
    assert words["recipient"] == "It was issued to someone else, not to the person it is being checked for."
    for check in report.checks:
        assert plain_words(check) != check.message
