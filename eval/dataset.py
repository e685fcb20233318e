"""The project's evaluation dataset format (JSONL), and the fit/test split.

One JSON object per line::

    {"id": "...", "text": "...",
     "labels": [{"behavior": "<id or exact behavior text>", "evidence": ["<verbatim span>", ...]}],
     "partial": ["<id>", ...]}

Behaviors in ``partial`` are arguable: they count neither as hits nor as false positives.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from evidence_matcher.errors import DatasetError
from evidence_matcher.rubrics.model import Rubric

Split = Literal["all", "fit", "test"]
FIT_SHARE = 0.5


class Label(BaseModel):
    behavior: str
    evidence: list[str] = Field(default_factory=list)


class Sample(BaseModel):
    id: str
    text: str
    labels: list[Label] = Field(default_factory=list)
    partial: list[str] = Field(default_factory=list)
    genre: str = ""

    @property
    def gold(self) -> set[str]:
        return {label.behavior for label in self.labels}

    def spans(self, behavior_id: str) -> list[tuple[int, int]]:
        """Character ranges of the gold evidence for a behavior (every occurrence)."""
        out = []
        for label in self.labels:
            if label.behavior != behavior_id:
                continue
            for quote in label.evidence:
                start = self.text.find(quote)
                while start >= 0 and quote:
                    out.append((start, start + len(quote)))
                    start = self.text.find(quote, start + 1)
        return out


def split_of(sample_id: str) -> str:
    """A stable split by id hash: the same sample is always in the same split."""
    bucket = int(hashlib.sha256(sample_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "fit" if bucket < FIT_SHARE else "test"


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load_dataset(path: Path, rubric: Rubric, split: Split = "all") -> list[Sample]:
    """Load and check a dataset against a rubric; labels given as behavior text become ids."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"dataset not found: {path}")
    by_text = {b.text.strip().lower(): b.id for b in rubric.behaviors}
    known = {b.id for b in rubric.behaviors}
    samples: list[Sample] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            sample = Sample.model_validate(json.loads(line))
        except (ValueError, ValidationError) as exc:
            raise DatasetError(f"{path}:{number}: not a valid sample: {str(exc).splitlines()[0]}") from exc
        if sample.id in seen:
            raise DatasetError(f"{path}:{number}: duplicate sample id {sample.id!r}")
        seen.add(sample.id)
        for label in sample.labels:
            resolved = label.behavior if label.behavior in known else by_text.get(label.behavior.strip().lower())
            if resolved is None:
                raise DatasetError(f"{path}:{number}: unknown behavior {label.behavior!r} for rubric {rubric.id}")
            label.behavior = resolved
            for quote in label.evidence:
                if quote not in sample.text:
                    raise DatasetError(
                        f"{path}:{number}: evidence for {resolved} is not verbatim in the text: {quote[:60]!r}"
                    )
        unknown = [p for p in sample.partial if p not in known]
        if unknown:
            raise DatasetError(f"{path}:{number}: unknown partial behavior {unknown[0]!r}")
        if split == "all" or split_of(sample.id) == split:
            samples.append(sample)
    if not samples:
        raise DatasetError(f"{path}: no samples{'' if split == 'all' else f' in the {split} split'}")
    return samples
