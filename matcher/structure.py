"""What a sentence is, apart from what it says: its section, voice, tense and shape.

Similarity alone cannot tell "We rolled back and paged the database team" (a deed) from
"The gateway checks a per-merchant rate limit" (a system description), a metadata line,
a timeline entry, an impact figure or a plan: they all sit close to a behavior about
reliability. These cheap signals (the section heading the sentence sits under, who acts,
whether it is future or a question, whether it is a timestamped or key: value line)
are part of what the verifier (``matcher.verifier``) reads with each candidate.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from .segment import Segment

# Section headings people use, by what the section holds. The first match wins.
HEADING_KINDS: list[tuple[str, re.Pattern]] = [
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in [
        ("timeline", r"timeline|chronolog|sequence of events|log\b|transcript|channel"),
        ("impact", r"impact|customer effect|blast radius|by the numbers|metrics"),
        ("cause", r"root cause|cause|trigger|contributing|why|5 whys|what happened|analysis"),
        ("actions", r"action item|follow.?up|remediation|next step|todo|to do|corrective|owner"),
        ("lessons", r"went well|went wrong|poorly|lucky|lesson|learn|retro|start|stop|continue|keep doing"),
        ("response", r"detection|resolution|mitigation|response|recovery"),
        ("summary", r"summary|overview|tl;?dr|abstract|executive"),
        ("background", r"background|context|architecture|system|about|introduction|how .* works|glossary"),
        ("future", r"goal|plan|growth|development|next (half|year|quarter)|aspiration|focus|roadmap|non-goals?"),
        ("feedback", r"feedback|strength|differently|improve|could .* do|should .* do|peer|360"),
        ("achievements", r"accomplish|achievement|impact i|highlight|win|delivered|what i did|results|projects?"),
    ]
]

# First person singular: public, since the subject experiment (eval.feature_groups) counts the same thing.
FIRST_PERSON = re.compile(r"\b(I|I'm|I've|I'd|I'll|me|my|myself|mine)\b")
_STARTS_I = re.compile(r"^\W*(I|I'm|I've|I'd)\b")
_WE = re.compile(r"\b(we|we're|we've|we'd|our|ours|us)\b", re.IGNORECASE)
_THIRD = re.compile(r"\b(she|he|her|his|him|hers|herself|himself)\b", re.IGNORECASE)
_THEY = re.compile(r"\b(they|them|their|themselves)\b", re.IGNORECASE)
_FUTURE = re.compile(
    r"\b(will|won't|shall|plan(s|ning)? to|going to|intend|aim to|want to|would like|hope to|should|"
    r"next (week|month|quarter|half|year)|"
    r"by (q[1-4]|end of)|todo|to-do|proposed? to|tbd)\b",
    re.IGNORECASE,
)
_TIMESTAMP = re.compile(r"^\W*(\[?\d{1,2}:\d{2}(:\d{2})?\]?|\d{4}-\d{2}-\d{2})")
_KEY_VALUE = re.compile(r"^\W*[A-Z][\w /&-]{0,24}:\s")
_PASSIVE = re.compile(r"\b(was|were|been|being|got)\s+\w+(ed|en)\b", re.IGNORECASE)
_LINK = re.compile(r"https?://|www\.|\]\(|\.(com|io|net|org)\b|#\d+|[A-Z]{2,}-\d+")
_DIGIT = re.compile(r"\d")
_PAST_DEED = re.compile(
    r"\b(I|we|she|he|they)\s+(\w+ed|led|built|wrote|ran|made|took|drove|set|chose|found|brought|gave|got|put|cut|spent|held|met|kept|sent|told|sold|won|began|knew|saw|thought|taught|caught)\b",
    re.IGNORECASE,
)

STRUCT_NAMES = [f"heading:{name}" for name, _ in HEADING_KINDS] + [
    "heading:none",
    "first_person",
    "starts_with_i",
    "we",
    "third_person",
    "they",
    "future",
    "question",
    "timestamp",
    "key_value",
    "passive",
    "link",
    "digit_share",
    "log_words",
    "list_item",
    "table_cell",
    "past_deed",
    "position",
    "doc_first_person",
    "doc_we",
    "doc_third_person",
    "doc_timestamps",
]


def heading_kind(heading: str) -> int:
    for i, (_, pattern) in enumerate(HEADING_KINDS):
        if heading and pattern.search(heading):
            return i
    return len(HEADING_KINDS)  # none or other


def _line_start(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    return text[start:pos]


def segment_structure(text: str, segments: Sequence[Segment]) -> np.ndarray:
    """(segments, len(STRUCT_NAMES)) float32 features of each segment in its document."""
    n = len(segments)
    out = np.zeros((n, len(STRUCT_NAMES)), dtype=np.float32)
    if n == 0:
        return out
    base = len(HEADING_KINDS) + 1
    for i, seg in enumerate(segments):
        s = seg.clean
        out[i, heading_kind(seg.heading)] = 1.0
        before = _line_start(text, seg.start)
        words = max(1, len(s.split()))
        out[i, base : base + 17] = [
            bool(FIRST_PERSON.search(s)),
            bool(_STARTS_I.search(s)),
            bool(_WE.search(s)),
            bool(_THIRD.search(s)),
            bool(_THEY.search(s)),
            bool(_FUTURE.search(s)),
            "?" in s,
            bool(_TIMESTAMP.search(s)),
            bool(_KEY_VALUE.search(s)),
            bool(_PASSIVE.search(s)),
            bool(_LINK.search(seg.quote)),
            len(_DIGIT.findall(s)) / max(1, len(s)),
            math.log1p(words) / 5.0,
            bool(re.match(r"^\s*([-*+•]|\d{1,3}[.)])\s", before + " ")) and bool(before.strip()),
            "|" in before,
            bool(_PAST_DEED.search(s)),
            i / max(1, n - 1),
        ]
    doc = out[:, base : base + 8].mean(axis=0)
    out[:, base + 17] = doc[0]  # share of sentences in the first person singular
    out[:, base + 18] = doc[2]  # ... with we / our
    out[:, base + 19] = doc[3]  # ... with she / he
    out[:, base + 20] = doc[7]  # ... that are timestamped lines
    return out
