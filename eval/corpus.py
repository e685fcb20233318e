"""The verifier's training corpus: whole documents, every sentence labelled.

One JSON object per line (``eval/datasets/train/*.jsonl``)::

    {"id": "...", "ladder": "ic6" | "ft-engineer" | "kensho-staff-sre" | ...  (see LADDERS),
     "genre": "incident-review", "format": "sre-book postmortem",
     "subject": "who the document is about (\"the author\", \"Dana Okafor\", \"the Payments SRE team\")",
     "text": "the whole document, markdown as people paste it",
     "segments": [{"quote": "verbatim sentence of text", "behaviors": ["<behavior id>", ...],
                   "actor": "subject" | "other" | "system" | "none",
                   "kind": "deed" | "system" | "metadata" | "timeline" | "consequence" | "plan" |
                           "other-deed" | "rubric-words" | "template" | "context" | "opinion"}]}

A sentence evidences a behavior only when it shows what the subject did, or how: so
``behaviors`` may be non-empty only for ``actor == "subject"``. The corpus is for
training only: it is never scored on, and the dev set (``ic6-dev.jsonl``) is never
trained on.

Training and evaluation see documents through the product's own segmenter, so each
product segment takes the labels of the labelled quotes it overlaps
(:func:`labelled_segments`).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from evidence_matcher.errors import DatasetError
from evidence_matcher.rubrics.model import Rubric

if TYPE_CHECKING:
    from evidence_matcher.index.rubric_index import RubricIndex
    from evidence_matcher.matcher.decision import Analysis

Actor = Literal["subject", "other", "system", "none"]
Kind = Literal[
    "deed",
    "system",
    "metadata",
    "timeline",
    "consequence",
    "plan",
    "other-deed",
    "rubric-words",
    "template",
    "context",
    "opinion",
]
SHARED_DIR = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS_DIR = Path(__file__).resolve().parent / "datasets" / "train"

# Ladders the corpus is written for: the bundled IC6 rubric, and public ladders imported
# from ../shared with the project's own importers (never copied in). The Dropbox IC4 level
# appears only in the held-apart set (``other-ladders/``): a ladder never trained on. Its
# neighbours on the same track (IC3, IC5), whose texts overlap IC4's, are not used either;
# the Dropbox ladders trained on are other roles (IC2 software engineer, M6 director).
LADDERS: dict[str, tuple[str, str, str]] = {
    "ic6": ("bundled", "ic6-principal-reliability-engineer", ""),
    "ft-engineer": (
        "rubrics/ft-engineering-progression/data/job-families/engineering.yml",
        "engineering-individual-contributor-engineer",
        "ft",
    ),
    "kensho-staff-sre": (
        "rubrics/kensho-career-tracks/individual_site_reliability_engineering.md",
        "individual-site-reliability-engineering-staff-site-reliability-engineer",
        "kensho",
    ),
    "kensho-senior-swe": (
        "rubrics/kensho-career-tracks/individual_software_engineering.md",
        "individual-software-engineering-senior-software-engineer-i",
        "kensho",
    ),
    "ft-senior-1": (
        "rubrics/ft-engineering-progression/data/job-families/engineering.yml",
        "engineering-individual-contributor-senior-1",
        "ft",
    ),
    "dropbox-ic2-swe": (
        "rubrics/dropbox-dbx-career-framework/docs/ic2_software_engineer.html",
        "",
        "dropbox",
    ),
    "dropbox-m6-director": (
        "rubrics/dropbox-dbx-career-framework/docs/m6_engineering_director.html",
        "",
        "dropbox",
    ),
    "kensho-staff-mle": (
        "rubrics/kensho-career-tracks/individual_machine_learning_engineering.md",
        "individual-machine-learning-engineering-staff-machine-learning-engineer",
        "kensho",
    ),
    "ft-principal": (
        "rubrics/ft-engineering-progression/data/job-families/engineering.yml",
        "engineering-individual-contributor-principal-ic",
        "ft",
    ),
    "kensho-em": (
        "rubrics/kensho-career-tracks/people_leader_engineering.md",
        "people-leader-engineering-manager",
        "kensho",
    ),
    "kensho-senior-rs": (
        "rubrics/kensho-career-tracks/individual_research_scientist.md",
        "individual-research-scientist-senior-research-scientist-i",
        "kensho",
    ),
    "dropbox-ic4-reliability": (
        "rubrics/dropbox-dbx-career-framework/docs/ic4_reliability_engineer.html",
        "",
        "dropbox",
    ),
}


def analyzed(docs: list[Document], matcher) -> Iterator[tuple[int, RubricIndex, Analysis]]:
    """Each document's number, its ladder's index and the matcher's analysis of it, a ladder at a
    time (in name order, 16 documents a batch): the pass every trainer and experiment starts from."""
    by_ladder: dict[str, list[int]] = {}
    for n, doc in enumerate(docs):
        by_ladder.setdefault(doc.ladder, []).append(n)
    for ladder in sorted(by_ladder):
        index, numbers = matcher.rubric_index(ladder_rubric(ladder)), by_ladder[ladder]
        for start in range(0, len(numbers), 16):
            chunk = numbers[start : start + 16]
            yield from (
                (n, index, a)
                for n, a in zip(chunk, matcher.analyze_many([docs[n].text for n in chunk], index), strict=True)
            )


@cache
def ladder_rubric(name: str, shared_dir: Path = SHARED_DIR) -> Rubric:
    """The rubric a corpus ladder name stands for; DatasetError when ../shared is absent."""
    if name not in LADDERS:
        raise DatasetError(f"unknown ladder {name!r} (known: {', '.join(LADDERS)})")
    source, rubric_id, fmt = LADDERS[name]
    if source == "bundled":
        from evidence_matcher.rubrics.store import load_rubric

        return load_rubric(rubric_id)
    path = Path(shared_dir) / source
    if not path.exists():
        raise DatasetError(f"ladder {name!r} needs {path} (the shared public ladders), which is absent")
    from evidence_matcher.rubrics.importers import import_source

    imported = import_source(path, fmt)
    for rubric in imported.all_rubrics():
        if not rubric_id or rubric.id == rubric_id:
            return rubric
    raise DatasetError(f"{path}: no level {rubric_id!r}")


class Segment(BaseModel):
    quote: str
    behaviors: list[str] = Field(default_factory=list)
    actor: Actor
    kind: Kind

    @model_validator(mode="after")
    def _deeds_only(self) -> Segment:
        if self.behaviors and self.actor != "subject":
            raise ValueError(f"behaviors given for a sentence whose actor is {self.actor!r}: {self.quote[:60]!r}")
        return self


class Document(BaseModel):
    id: str
    ladder: str
    genre: str
    format: str = ""
    subject: str = ""
    text: str
    segments: list[Segment]


@dataclass(frozen=True)
class LabelledSegment:
    doc_id: str
    ladder: str
    genre: str
    start: int
    end: int
    quote: str
    clean: str
    heading: str
    behaviors: frozenset[str]
    actor: str
    kind: str


def load_documents(paths: list[Path], shared_dir: Path = SHARED_DIR) -> list[Document]:
    """Every document of the given files, checked: quotes verbatim, behaviors of the ladder."""
    docs: list[Document] = []
    seen: set[str] = set()
    for path in paths:
        for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                doc = Document.model_validate(json.loads(line))
            except ValidationError as exc:
                first = exc.errors()[0]
                field = ".".join(str(part) for part in first["loc"])
                raise DatasetError(f"{where}: not a valid document: {field}: {first['msg']}") from exc
            except ValueError as exc:
                raise DatasetError(f"{where}: not JSON: {exc}") from exc
            if doc.id in seen:
                raise DatasetError(f"{where}: duplicate document id {doc.id!r}")
            seen.add(doc.id)
            known = {b.id for b in ladder_rubric(doc.ladder, shared_dir).behaviors}
            for seg in doc.segments:
                if seg.quote not in doc.text:
                    raise DatasetError(f"{where} ({doc.id}): quote not verbatim in the text: {seg.quote[:70]!r}")
                unknown = [b for b in seg.behaviors if b not in known]
                if unknown:
                    raise DatasetError(f"{where} ({doc.id}): unknown behavior {unknown[0]!r} for ladder {doc.ladder}")
            docs.append(doc)
    return docs


def corpus_files(corpus_dir: Path = CORPUS_DIR) -> list[Path]:
    return sorted(Path(corpus_dir).glob("*.jsonl"))


def corpus_sha256(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        digest.update(path.name.encode())
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def _spans(doc: Document) -> list[tuple[int, int, Segment]]:
    out = []
    for seg in doc.segments:
        start = doc.text.find(seg.quote)
        while start >= 0:
            out.append((start, start + len(seg.quote), seg))
            start = doc.text.find(seg.quote, start + 1)
    return out


def labelled_segments(doc: Document) -> tuple[list[LabelledSegment], int]:
    """The product's segments of ``doc`` with the labels of the quotes they overlap most,
    and how many product segments no labelled quote covers (left out: unknown label)."""
    from evidence_matcher.matcher.segment import segment_text

    spans = _spans(doc)
    out, uncovered = [], 0
    for seg in segment_text(doc.text):
        best, best_overlap = None, 0
        behaviors: set[str] = set()
        for s, e, labelled in spans:
            overlap = min(e, seg.end) - max(s, seg.start)
            if overlap <= 0:
                continue
            behaviors |= set(labelled.behaviors)  # a segment joining two quotes keeps both's labels
            if overlap > best_overlap:
                best, best_overlap = labelled, overlap
        if best is None:
            uncovered += 1
            continue
        actor = "subject" if behaviors else best.actor
        kind = "deed" if behaviors else best.kind
        out.append(
            LabelledSegment(
                doc.id,
                doc.ladder,
                doc.genre,
                seg.start,
                seg.end,
                seg.quote,
                seg.clean,
                seg.heading,
                frozenset(behaviors),
                actor,
                kind,
            )
        )
    return out, uncovered


def summary(docs: list[Document]) -> dict:
    segs, uncovered = [], 0
    for doc in docs:
        labelled, missing = labelled_segments(doc)
        segs += labelled
        uncovered += missing
    positives = [s for s in segs if s.behaviors]
    return {
        "documents": len(docs),
        "segments": len(segs),
        "positives": len(positives),
        "negatives": len(segs) - len(positives),
        "uncovered_segments": uncovered,
        "by_ladder": dict(Counter(d.ladder for d in docs)),
        "by_genre": dict(Counter(d.genre for d in docs)),
        "negative_kinds": dict(Counter(s.kind for s in segs if not s.behaviors)),
        "behaviors_covered": len({(s.ladder, b) for s in positives for b in s.behaviors}),
    }


ENCODER_TRAIN = "python -m evidence_matcher.eval.encoder_train"


def retrain_command(encoder_options: list[str] | None = None) -> str:
    """What remakes the shipped encoder, verifier and thresholds, in order (each reads the one before)."""
    encoder = " ".join([ENCODER_TRAIN, *(encoder_options or [])])
    return (
        f"{encoder} && python -m evidence_matcher.eval.verifier_train && "
        "evidence eval fit eval/datasets/ic6-dev.jsonl --write"
    )


def write_model_card(folder: Path, title: str, card: dict, intended: str) -> None:
    """The model card beside shipped weights: ``card.json`` (read by the product and the
    tests) and ``MODEL_CARD.md``, the same facts for people."""
    (Path(folder) / "card.json").write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    lines = [f"# {title}", "", intended, "", "| field | value |", "|---|---|"]
    for key, value in card.items():
        if isinstance(value, (dict, list)):
            value = json.dumps(value, ensure_ascii=False)
        lines.append(f"| {key} | {str(value).replace('|', '/')} |")
    lines += ["", f"Reproduce: `{card.get('reproduce', retrain_command())}`", ""]
    (Path(folder) / "MODEL_CARD.md").write_text("\n".join(lines), encoding="utf-8")


def as_sample(doc: Document) -> dict:
    """A document in the dev set's format (``evidence eval`` scores it): per behavior, its quotes."""
    spans: dict[str, list[str]] = {}
    for seg in doc.segments:
        for behavior in seg.behaviors:
            spans.setdefault(behavior, []).append(seg.quote)
    labels = [{"behavior": b, "evidence": quotes} for b, quotes in spans.items()]
    return {"id": doc.id, "genre": doc.genre, "text": doc.text, "labels": labels}


def main(argv: list[str] | None = None) -> int:
    """``python -m evidence_matcher.eval.corpus FILE...``: check files and print their counts;
    with ``--as-dataset``, print them in the dev set's format instead (documents written for
    training but never trained on can be scored by ``evidence eval``)."""
    args = list(argv if argv is not None else sys.argv[1:])
    as_dataset = "--as-dataset" in args
    paths = [Path(p) for p in args if p != "--as-dataset"] or corpus_files()
    try:
        docs = load_documents(paths)
    except DatasetError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    if as_dataset:
        for doc in docs:
            print(json.dumps(as_sample(doc), ensure_ascii=False))
        return 0
    print(json.dumps(summary(docs), indent=1))
    for doc in docs:
        _, missing = labelled_segments(doc)
        if missing:
            print(f"warning: {doc.id}: {missing} sentence(s) of the text have no labelled quote", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
