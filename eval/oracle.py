"""The oracle judge: a chat model that answers from the dataset's gold labels (eval only).

``evidence eval DATASET --judge oracle`` runs the whole LLM path (candidates, prompt,
structured answer, quote location, the plausibility gate) with a "perfect LLM": for every
candidate it is shown, it answers "strong" with the gold evidence spans when the behavior
is gold for that document, and "not_evidenced" otherwise. Whatever the run still misses
is what the pipeline caps, not what a model gets wrong: the ceiling of the judge path.

A real model errs, so the oracle can be told to err the two ways a model does
(``--judge "oracle:wrong=1,miss=0.2"``): ``wrong`` candidates per call that are neither gold nor
arguable (partial) judged evidence, the first ones it is shown (the ones the offline matcher
flagged, then the most plausible), each cited by its first sentence found; and ``miss``, the
share of gold behaviors it answers "not_evidenced" (chosen by a hash of sample and behavior, so
the same in every run). What that costs shows how good a model must be before the judge path
beats the offline matcher.

It never leaves the process and only exists in ``eval``: the product cannot be configured
with it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from evidence_matcher.errors import EvidenceError
from evidence_matcher.matcher.llm import Completion

from .dataset import Sample

_CANDIDATES = re.compile(r"CANDIDATES \(JSON\):\n(.*?)\n\nDOCUMENT", re.DOTALL)
_DOCUMENT = re.compile(r"<<<DOCUMENT\n(.*)\nDOCUMENT>>>", re.DOTALL)


@dataclass(frozen=True)
class OracleErrors:
    wrong: int = 0  # per call: this many non-gold candidates judged evidence, the first ones shown
    miss: float = 0.0  # share of gold behaviors answered "not_evidenced"

    def __str__(self) -> str:
        parts = [
            f"{self.wrong} wrong per call" if self.wrong else "",
            f"{self.miss:.0%} of gold missed" if self.miss else "",
        ]
        return ", ".join(filter(None, parts))


def parse_oracle(spec: str) -> OracleErrors | None:
    """``oracle`` -> no errors; ``oracle:wrong=1,miss=0.2`` -> those; anything else is not an oracle (None)."""
    name, _, options = spec.partition(":")
    if name != "oracle":
        return None
    values: dict[str, float] = {}
    for option in filter(None, options.split(",")):
        key, _, value = option.partition("=")
        try:
            values[key.strip()] = float(value)
        except ValueError:
            raise EvidenceError(
                f"--judge {spec!r}: expected oracle:wrong=N,miss=P, e.g. oracle:wrong=1,miss=0.2"
            ) from None
    unknown = set(values) - {"wrong", "miss"}
    wrong, miss = values.get("wrong", 0), values.get("miss", 0.0)
    if unknown or wrong < 0 or wrong != int(wrong) or not 0 <= miss <= 1:
        raise EvidenceError(f"--judge {spec!r}: the options are wrong=N (a count) and miss=P (a share from 0 to 1)")
    return OracleErrors(int(wrong), miss)


def _missed(sample_id: str, behavior_id: str, share: float) -> bool:
    digest = hashlib.sha256(f"{sample_id}\0{behavior_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


class OracleChatModel:
    def __init__(self, samples: list[Sample], errors: OracleErrors = OracleErrors()):
        self.samples = samples
        self.errors = errors
        self.model_id = f"oracle (gold labels; {errors})" if str(errors) else "oracle (gold labels)"

    def _sample_for(self, chunk: str) -> Sample | None:
        return next((s for s in self.samples if chunk.strip() and chunk.strip() in s.text), None)

    def complete(self, messages: list[dict], schema: dict, schema_name: str) -> Completion:
        user = messages[-1]["content"] if messages[-1]["role"] == "user" else messages[1]["content"]
        candidates = json.loads(_CANDIDATES.search(user).group(1))
        chunk = _DOCUMENT.search(user).group(1)
        sample = self._sample_for(chunk)
        gold = {label.behavior: label.evidence for label in sample.labels} if sample else {}
        # Claiming a gold or an arguable (partial) behavior is no error, so neither is ever a wrong claim.
        not_wrong = {*gold, *sample.partial} if sample else set()
        answers, wrong = [], self.errors.wrong
        for candidate in candidates:
            quotes = [q for q in gold.get(candidate["id"], []) if q in chunk]
            rationale = "gold label" if quotes else "not gold"
            if quotes and sample and _missed(sample.id, candidate["id"], self.errors.miss):
                quotes, rationale = [], "gold, missed on purpose"
            elif candidate["id"] not in not_wrong and wrong and candidate["sentences_found"]:
                quotes, rationale, wrong = candidate["sentences_found"][:1], "not gold, claimed on purpose", wrong - 1
            answers.append(
                {
                    "behavior_id": candidate["id"],
                    "verdict": "strong" if quotes else "not_evidenced",
                    "rationale": rationale,
                    "quotes": quotes,
                }
            )
        return Completion(content=json.dumps({"behaviors": answers}))


def oracle_judge(samples: list[Sample], errors: OracleErrors = OracleErrors()):
    """A judge whose model is the oracle; no redaction (the oracle finds the sample by its text), no cache."""
    from evidence_matcher.matcher.judge import Judge

    return Judge(model=OracleChatModel(samples, errors), cache=None, redact=False)
