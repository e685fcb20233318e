"""Locate a quoted passage in the submitted text and return its exact character span.

An LLM's quote is a claim, not a fact: it is accepted only where it can be found in the
text. Exact match first; then a match that ignores differences of whitespace, quote
marks, dashes and case, which models routinely introduce. The span returned always
comes from the original text, so ``text[start:end]`` is what the user wrote.
"""

from __future__ import annotations

import re

_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
    }
)
_MIN_QUOTE_CHARS = 12  # shorter "quotes" ("I led", "the team") locate anywhere and prove nothing


def _normalise(text: str) -> tuple[str, list[int]]:
    """Folded text with runs of whitespace as one space, and each kept char's original index."""
    chars: list[str] = []
    index: list[int] = []
    previous_space = True
    for i, ch in enumerate(text.translate(_FOLD)):
        if ch.isspace():
            if previous_space:
                continue
            chars.append(" ")
            previous_space = True
        else:
            chars.append(ch.lower())
            previous_space = False
        index.append(i)
    return "".join(chars), index


def locate_quote(text: str, quote: str, normalised: tuple[str, list[int]] | None = None) -> tuple[int, int] | None:
    """(start, end) of ``quote`` in ``text``, or None when it is not there."""
    quote = quote.strip().strip('"\u201c\u201d').strip()
    if len(quote) < _MIN_QUOTE_CHARS:
        return None
    start = text.find(quote)
    if start >= 0:
        return start, start + len(quote)
    folded_text, index = normalised or _normalise(text)
    folded_quote, _ = _normalise(quote)
    folded_quote = folded_quote.strip()
    match = re.search(re.escape(folded_quote), folded_text)
    if not match or not folded_quote:
        return None
    return index[match.start()], index[match.end() - 1] + 1


class QuoteLocator:
    """Locates many quotes in one text, normalising the text once."""

    def __init__(self, text: str):
        self.text = text
        self._normalised = _normalise(text)

    def locate(self, quote: str) -> tuple[int, int] | None:
        return locate_quote(self.text, quote, self._normalised)
