from hypothesis import given, settings
from hypothesis import strategies as st

from evidence_matcher.matcher.segment import segment_text

MESSY = """# 2026 Self-review — Storage  Reliability
Page 2 of 5
CONFIDENTIAL

## Impact
- **Led** the migration of 40 services to the new region; cut p99 latency by 30%.
* Worked with Dr. Smith on the
  capacity plan for the “cold” tier. It shipped two weeks early!
1. Mentored [two engineers](https://wiki.example.com/x) through their promotions.
   2) Wrote the runbook that on-call now uses\u00a0every week.

| Area | Notes |
|------|-------|
| Reliability | I ran weekly health reviews for the storage fleet. |

```
kubectl get pods -n storage   # this is code, not evidence
```
https://docs.example.com/some/page
---
Café talk: I presented our SLO work at the company all-hands in Zürich.\r
Trailing line without a newline where the doc was cut off mid sentence"""


def test_offsets_reproduce_every_quote_on_messy_markdown():
    segments = segment_text(MESSY)
    assert segments
    for s in segments:
        assert MESSY[s.start : s.end] == s.quote
        assert s.quote == s.quote.strip()


def test_markdown_structure_and_noise():
    quotes = [s.quote for s in segment_text(MESSY)]
    joined = "\n".join(quotes)
    # Headings, page numbers, banners, code, URLs and rules are not evidence.
    for noise in ("Self-review", "Page 2", "CONFIDENTIAL", "kubectl", "https://docs", "---"):
        assert noise not in joined
    # Bullet markers are not part of quotes; each item is its own block.
    assert quotes[0].startswith("**Led** the migration")
    assert any(q.startswith("Mentored [two engineers]") for q in quotes)
    assert any(q.startswith("Wrote the runbook") for q in quotes)
    # Wrapped list items continue; abbreviations do not end sentences.
    assert any(q.startswith("Worked with Dr. Smith on the\n  capacity plan") for q in quotes)
    # Table cells are blocks.
    assert "I ran weekly health reviews for the storage fleet." in quotes
    assert quotes[-1].startswith("Trailing line")


def test_clean_text_drops_markup_but_keeps_words():
    by_quote = {s.quote: s for s in segment_text(MESSY)}
    s = by_quote["Mentored [two engineers](https://wiki.example.com/x) through their promotions."]
    assert s.clean == "Mentored two engineers through their promotions."
    assert s.heading == "Impact"


def test_long_sentences_split_into_clauses_at_semicolons():
    text = (
        " ".join(["I rebuilt the storage alerting pipeline for every region"] * 5)
        + "; "
        + "and I also ran the quarterly disaster recovery drill for the whole payments org with four teams."
    )
    segments = segment_text(text)
    assert len(segments) == 2
    assert segments[0].quote.endswith(";")


def test_empty_and_wordless_text_gives_no_segments():
    assert segment_text("") == []
    assert segment_text("---\n\n   \n# Heading only\n- ok\n") == []


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abc de.!?;\n-*#|`1)\t\u00a0é’[]()")), max_size=300))
def test_quotes_are_always_verbatim(text):
    for s in segment_text(text):
        assert text[s.start : s.end] == s.quote
        assert 0 <= s.start < s.end <= len(text)


def test_plain_text_titles_are_context_not_evidence():
    text = (
        "H1 self-assessment — Rafael Díaz (Principal Engineer)\n\n"
        "Checkout health\nWhen I joined Checkout, only I could deploy the pricing engine.\n"
    )
    segments = segment_text(text)
    assert [s.quote for s in segments] == ["When I joined Checkout, only I could deploy the pricing engine."]
    assert segments[0].heading == "Checkout health"


def test_a_short_first_line_of_a_wrapped_paragraph_is_not_a_title():
    text = "I led the migration of all\nservices to the new region in March.\n"
    assert [s.quote for s in segment_text(text)] == ["I led the migration of all\nservices to the new region in March."]


def test_each_timestamped_line_of_a_chat_export_or_timeline_is_its_own_segment():
    text = (
        "Channel export\n\n"
        "09:55 kwame.asante: sure. declaring sev2\n"
        "09:56 incident-bot: SEV2 declared by @kwame.asante\n"
        "[10:03] ade.okonkwo: before we restart anything, pull the consumer group state\n"
        "2024-03-14 10:19 UTC ade.okonkwo: deployed the config-only change to the consumer\n"
        "10:21 ruth.m: lag is falling, and the generation id\nhas been stable for five minutes\n\n"
        "I paused the rollout at 10:20 and the lag cleared by 10:30.\n"
    )
    quotes = [s.quote for s in segment_text(text)]
    assert quotes[:4] == [
        "09:55 kwame.asante: sure. declaring sev2",
        "09:56 incident-bot: SEV2 declared by @kwame.asante",
        "[10:03] ade.okonkwo: before we restart anything, pull the consumer group state",
        "2024-03-14 10:19 UTC ade.okonkwo: deployed the config-only change to the consumer",
    ]
    # A message wrapped onto a second line stays one record; times inside a sentence split nothing.
    assert quotes[4:] == [
        "10:21 ruth.m: lag is falling, and the generation id\nhas been stable for five minutes",
        "I paused the rollout at 10:20 and the lag cleared by 10:30.",
    ]


def test_a_prompt_and_its_answer_on_consecutive_lines_are_separate_segments():
    # Pasted forms: a numbered prompt with its answer on the next line; fields one per line.
    text = (
        "Retro notes for INC-5120, held on the Friday after.\n"
        "Attendees: Adaeze Nwosu (IC), Marcus Webb, Lin Qiao\n"
        "Facilitator: Sunita Rao from the mobile team\n\n"
        "5. Describe the candidate's work with cross-functional partners (Product, Regulatory, etc.)\n"
        "Segun sat down with the regulatory affairs team to walk through our reporting obligations.\n"
        "Would you want to work with him again?\nI'd happily work with him on anything.\n\n"
        "I led the migration of all\nservices to the new region in March.\n"
    )
    quotes = [s.quote for s in segment_text(text)]
    assert quotes == [
        "Retro notes for INC-5120, held on the Friday after.",
        "Attendees: Adaeze Nwosu (IC), Marcus Webb, Lin Qiao",
        "Facilitator: Sunita Rao from the mobile team",
        "Describe the candidate's work with cross-functional partners (Product, Regulatory, etc.)",
        "Segun sat down with the regulatory affairs team to walk through our reporting obligations.",
        "Would you want to work with him again?",
        "I'd happily work with him on anything.",
        "I led the migration of all\nservices to the new region in March.",  # a wrapped line stays
    ]
