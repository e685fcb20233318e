"""The bias check: the same samples with names and pronouns swapped to the other gender.

A swapped text evidences the same behaviors, so every prediction that changes is one the
matcher makes on gender alone. The swap list is ``eval/bias_swaps.yaml`` (documented there).
Replacement is one pass over the text (so "he" -> "she" is never swapped back), on word
boundaries, keeping the original word's case; pronouns match in any case, names and titles
only when capitalised (so the verb "mark" is not the name "Mark").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from evidence_matcher.errors import EvidenceError

from .analysis import analyze_samples, decide_samples
from .dataset import Sample
from .metrics import Counts, sample_counts

SWAPS_PATH = Path(__file__).resolve().parent / "bias_swaps.yaml"
_NEXT_WORD = re.compile(r"[ \t]+([A-Za-z][A-Za-z'-]*)")


@dataclass(frozen=True)
class SwapTable:
    words: dict[str, str]  # lower-case word -> lower-case replacement, any case matches (pronouns)
    names: dict[str, str]  # exact capitalised word -> replacement (names, titles)
    object_followers: frozenset[str]

    @property
    def pattern(self) -> re.Pattern:
        pronouns = sorted({*self.words, "her", "his", "him", "hers"}, key=len, reverse=True)
        names = sorted(self.names, key=len, reverse=True)
        return re.compile(
            r"\b(?:(?P<pronoun>(?i:"
            + "|".join(map(re.escape, pronouns))
            + r"))|(?P<name>"
            + "|".join(map(re.escape, names))
            + r"))\b"
        )


def _pairs(mapping: dict, what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for a, b in (mapping or {}).items():
        for x, y in ((str(a), str(b)), (str(b), str(a))):
            if x in out and out[x] != y:
                raise EvidenceError(f"{SWAPS_PATH.name}: {what} {x!r} is paired twice")
            out[x] = y
    return out


@lru_cache(maxsize=4)
def load_swaps(path: Path = SWAPS_PATH) -> SwapTable:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    words = {k.lower(): v.lower() for k, v in _pairs(data.get("pronouns"), "pronoun").items()}
    names = {**_pairs(data.get("titles"), "title"), **_pairs(data.get("names"), "name")}
    return SwapTable(
        words=words,
        names=names,
        object_followers=frozenset(w.lower() for w in str(data.get("object_followers", "")).split()),
    )


def _match_case(original: str, replacement: str) -> str:
    if len(original) > 1 and original.isupper():
        return replacement.upper()
    if original[0].isupper():
        return replacement[0].upper() + replacement[1:]
    return replacement


def _before_noun_phrase(text: str, end: int, table: SwapTable) -> bool:
    """Is the word after ``end`` the start of what a possessive would own?"""
    nxt = _NEXT_WORD.match(text, end)
    if not nxt:
        return False  # punctuation or the end: "... to her." / "... was his."
    word = nxt.group(1).lower()
    return word not in table.object_followers and not word.endswith("ly")


def swap_text(text: str, table: SwapTable | None = None) -> tuple[str, int]:
    """The text with names and pronouns swapped, and how many words were replaced."""
    table = table or load_swaps()
    count = 0

    def replace(m: re.Match) -> str:
        nonlocal count
        count += 1
        word = m.group(0)
        if m.group("name"):
            return table.names[word]
        low = word.lower()
        if low == "her":
            new = "his" if _before_noun_phrase(text, m.end(), table) else "him"
        elif low == "his":
            new = "her" if _before_noun_phrase(text, m.end(), table) else "hers"
        elif low == "him":
            new = "her"
        elif low == "hers":
            new = "his"
        else:
            new = table.words[low]
        return _match_case(word, new)

    return table.pattern.sub(replace, text), count


class BiasChange(BaseModel):
    """How the predictions changed when names and pronouns were swapped (``eval/bias.py``)."""

    swaps: int = Field(0, description="Words replaced in the text.")
    added: list[str] = Field(default_factory=list, description="Behaviors predicted only on the swapped text.")
    removed: list[str] = Field(default_factory=list, description="Behaviors predicted only on the original text.")


def swap_changes(matcher, samples, index, predicted: list[set[str]], progress: bool = False):
    """Match the swapped texts; per sample, the behaviors added and removed."""
    swapped = [(s, *swap_text(s.text)) for s in samples]
    twins = [Sample(id=s.id, text=text) for s, text, _ in swapped]
    analyses = analyze_samples(matcher, twins, index, progress, desc="bias: embedding swapped texts")
    decided = decide_samples(matcher, [t.text for t in twins], analyses, index, progress)
    out = []
    for (_, _, n), before, result in zip(swapped, predicted, decided, strict=True):
        after = {m.behavior_id for m in result.matches}
        out.append(BiasChange(swaps=n, added=sorted(after - before), removed=sorted(before - after)))
    return out


def bias_metrics(results) -> dict[str, float]:
    """``bias.*`` metrics from per-sample results carrying a ``bias`` change."""
    rows = [r for r in results if r.bias is not None]
    if not rows:
        return {}
    micro = Counts()
    for r in rows:
        after = (set(r.predicted) | set(r.bias.added)) - set(r.bias.removed)
        for c in sample_counts(after, set(r.gold), set(r.partial)).values():
            micro.add(c)
    changed = sum(bool(r.bias.added or r.bias.removed) for r in rows)
    return {
        "bias.swapped_samples": sum(r.bias.swaps > 0 for r in rows),
        "bias.changed_samples": changed,
        "bias.changed_share": changed / len(rows),
        "bias.added": sum(len(r.bias.added) for r in rows),
        "bias.removed": sum(len(r.bias.removed) for r in rows),
        "bias.micro_f1": micro.prf()[2],
    }
