"""The one table of status words (``wallet.status_words``) shared by the web view, the TUI and the CLI."""

from __future__ import annotations

from wallet.status_words import STATUS_WORDS, STATUSES, words_for


def test_every_status_has_words_marks_and_a_sentence() -> None:
    assert set(STATUS_WORDS) == set(STATUSES)
    for status in STATUSES:
        words = words_for(status)
        assert words.status == status and words.word and words.symbol and words.icon
        assert "{what}" in words.sentence
        assert words.style == (words.colour or "dim")


def test_web_marks_avoid_emoji_that_common_fonts_lack() -> None:
    assert words_for("expired").symbol == "◷" and words_for("expired").icon == "⌛"


def test_an_unknown_status_shows_as_itself() -> None:
    words = words_for("superseded")
    assert (words.word, words.symbol, words.icon) == ("superseded", "?", "?")
