"""The oracle judge: a chat model that answers from the dataset's gold labels (eval only).

``evidence eval DATASET --judge oracle`` runs the whole LLM path (candidates, prompt,
structured answer, quote location, the plausibility gate) with a "perfect LLM": for every
candidate it is shown, it answers "strong" with the gold evidence spans when the behavior
is gold for that document, and "not_evidenced" otherwise. Whatever the run still misses
is what the pipeline caps, not what a model gets wrong: the ceiling of the judge path.

It never leaves the process and only exists in ``eval``: the product cannot be configured
with it.
"""

from __future__ import annotations

import json
import re

from evidence_matcher.matcher.llm import Completion

from .dataset import Sample

_CANDIDATES = re.compile(r"CANDIDATES \(JSON\):\n(.*?)\n\nDOCUMENT", re.DOTALL)
_DOCUMENT = re.compile(r"<<<DOCUMENT\n(.*)\nDOCUMENT>>>", re.DOTALL)


class OracleChatModel:
    model_id = "oracle (gold labels)"

    def __init__(self, samples: list[Sample]):
        self.samples = samples

    def _sample_for(self, chunk: str) -> Sample | None:
        return next((s for s in self.samples if chunk.strip() and chunk.strip() in s.text), None)

    def complete(self, messages: list[dict], schema: dict, schema_name: str) -> Completion:
        user = messages[-1]["content"] if messages[-1]["role"] == "user" else messages[1]["content"]
        candidates = json.loads(_CANDIDATES.search(user).group(1))
        chunk = _DOCUMENT.search(user).group(1)
        sample = self._sample_for(chunk)
        gold = {label.behavior: label.evidence for label in sample.labels} if sample else {}
        answers = []
        for candidate in candidates:
            quotes = [q for q in gold.get(candidate["id"], []) if q in chunk]
            verdict = "strong" if quotes else "not_evidenced"
            answers.append(
                {
                    "behavior_id": candidate["id"],
                    "verdict": verdict,
                    "rationale": "gold label" if quotes else "not gold",
                    "quotes": quotes,
                }
            )
        return Completion(content=json.dumps({"behaviors": answers}))


def oracle_judge(samples: list[Sample]):
    """A judge whose model is the oracle; no redaction (the oracle finds the sample by its text), no cache."""
    from evidence_matcher.matcher.judge import Judge

    return Judge(model=OracleChatModel(samples), cache=None, redact=False)
