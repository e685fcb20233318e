from hypothesis import given
from hypothesis import strategies as st

from evidence_matcher.matcher.quotes import QuoteLocator, locate_quote

TEXT = (
    "We cut p99 latency by 30%.\n"
    "I told the team to drop the  dual-write path — even though it was an “unpopular” call.\n"
)


def test_exact_quotes_are_found_verbatim():
    quote = "We cut p99 latency by 30%."
    start, end = locate_quote(TEXT, quote)
    assert TEXT[start:end] == quote


def test_whitespace_quote_marks_dashes_and_case_are_forgiven():
    quote = 'i told the team to drop the dual-write path - even though it was an "unpopular" call.'
    start, end = locate_quote(TEXT, quote)
    assert TEXT[start:end] == "I told the team to drop the  dual-write path — even though it was an “unpopular” call."


def test_a_quote_that_is_not_in_the_text_is_refused():
    assert locate_quote(TEXT, "We cut p99 latency by 50%.") is None
    assert locate_quote(TEXT, "I led the Kafka migration across four regions.") is None


def test_too_short_quotes_prove_nothing():
    assert locate_quote(TEXT, "the team") is None


def test_a_quote_spanning_a_line_break():
    start, end = locate_quote(TEXT, "by 30%. I told the team")
    assert TEXT[start:end] == "by 30%.\nI told the team"


@given(st.text(min_size=0, max_size=200), st.integers(0, 200), st.integers(12, 60))
def test_any_located_span_is_in_the_text(text, start, length):
    quote = text[start : start + length]
    span = QuoteLocator(text).locate(quote)
    if span is not None:
        s, e = span
        assert 0 <= s < e <= len(text)
        if quote.strip() == quote and len(quote) >= 12:
            assert text[s:e].lower().split() == quote.lower().split() or text[s:e] == quote
