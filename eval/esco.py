"""Loaders for public skill-extraction benchmarks: job-ad sentences labelled with ESCO skills.

Two CSV formats, both turned into the project's ``eval.dataset.Sample`` so that
``eval.run.evaluate`` and ``eval.metrics`` score them unchanged:

- **ESCO skill extraction** (Decorte et al. 2022; TECH and HOUSE): ``sentence,span,sub_span,label``,
  one row per annotated span. Rows are grouped by sentence into one sample whose gold
  labels are the set of its rows' labels; ``LABEL NOT PRESENT`` and ``UNDERSPECIFIED``
  rows carry no label (a sentence with only those is a negative). Each ``span`` is an
  exact substring of its sentence and becomes the label's evidence, so citations score too.
- **SkillSkape** (Magron et al. 2024, synthetic): ``,sentence,skills`` where ``skills`` is a
  Python-list literal of ESCO labels, ``['UNK']`` when none fits. No spans.

The TECHWOLF file is published with only ``sentence,label`` (no spans): it loads as the
ESCO format without evidence spans.

Labels are matched, exactly and then ignoring case, against the behaviors of a rubric
made from the ESCO label list (``skills_en_label.txt``, one preferred label per line,
imported by the plain-list importer). Published files have gold labels that their own
label list lacks (TECH: "data extraction, transformation and loading tools"): by default
such labels are dropped, counted and reported (``DroppedLabels``; a sentence left with no
label is left out, not turned into a negative), never silently; ``strict`` makes any of
them an error naming the file and line.
"""

from __future__ import annotations

import ast
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from evidence_matcher.errors import DatasetError
from evidence_matcher.rubrics.model import Rubric
from evidence_matcher.rubrics.plain_list import import_list_file
from evidence_matcher.rubrics.source import read_source

from .dataset import Label, Sample, Split, split_of

CsvFormat = Literal["esco", "skillskape"]
NO_LABEL = frozenset({"LABEL NOT PRESENT", "UNDERSPECIFIED"})  # ESCO rows without a usable label
SKILLSKAPE_NO_LABEL = "UNK"
LABELS_FILE = "skills_en_label.txt"
ESCO_COLUMNS = {"sentence", "label"}  # "span" (and "sub_span") when the file has them
SKILLSKAPE_COLUMNS = {"sentence", "skills"}
MAX_CSV_BYTES = 50_000_000
csv.field_size_limit(1_000_000)


def _read(path: Path) -> str:
    return read_source(path, MAX_CSV_BYTES, DatasetError, "dataset")


def _rows(path: Path, columns: set[str] | frozenset[str], kind: str) -> csv.DictReader:
    """The CSV's rows as dicts, once its header has every column the format needs."""
    reader = csv.DictReader(io.StringIO(_read(path)))
    missing = columns - set(reader.fieldnames or ())
    if missing:
        raise DatasetError(f"{path}: not {kind} (missing column {min(missing)!r})")
    return reader


def detect_csv_format(path: Path) -> CsvFormat:
    """Which benchmark a CSV file holds, from its header row."""
    header = next(csv.reader(io.StringIO(_read(path))), [])
    columns = {c.strip() for c in header}
    if ESCO_COLUMNS <= columns:
        return "esco"
    if SKILLSKAPE_COLUMNS <= columns:
        return "skillskape"
    raise DatasetError(
        f"{path}: unknown CSV header {header!r} (expected ESCO skill extraction: sentence,span,sub_span,label; "
        "or SkillSkape: ,sentence,skills)"
    )


def find_labels_file(dataset: Path) -> Path:
    """The ESCO label list for a dataset: beside it, else in a sibling folder (SkillSkape
    ships none, and uses the same ESCO labels)."""
    dataset = Path(dataset).resolve()
    beside = dataset.parent / LABELS_FILE
    if beside.is_file():
        return beside
    siblings = sorted(dataset.parent.parent.glob(f"*/{LABELS_FILE}"))
    if siblings:
        return siblings[0]
    raise DatasetError(
        f"{dataset}: no {LABELS_FILE} beside it or in a sibling folder; pass the label list with --rubric"
    )


def labels_rubric(labels_file: Path) -> Rubric:
    """The ESCO taxonomy as a rubric: one behavior per label, ids ``behaviors.<line>``."""
    # A skill taxonomy, not a ladder: matched with the taxonomy encoder (index/taxonomy_encoder/).
    return import_list_file(Path(labels_file)).model_copy(update={"kind": "taxonomy"})


@dataclass
class DroppedLabels:
    """Gold labels a published file has but its taxonomy lacks: dropped, and said so."""

    labels: dict[str, int] = field(default_factory=dict)  # label -> rows
    sentences_left_out: int = 0  # sentences whose every gold label was dropped

    def lines(self, path: Path) -> list[str]:
        if not self.labels:
            return []
        rows = sum(self.labels.values())
        shown = "; ".join(f"{label!r} x{n}" for label, n in sorted(self.labels.items(), key=lambda kv: -kv[1])[:5])
        more = f" (+{len(self.labels) - 5} more)" if len(self.labels) > 5 else ""
        return [
            f"{path.name}: dropped {len(self.labels)} gold label(s) not in the taxonomy, {rows} row(s): "
            f"{shown}{more} (--strict makes this an error)",
            *(
                [f"{path.name}: left out {self.sentences_left_out} sentence(s) whose only gold labels were dropped"]
                if self.sentences_left_out
                else []
            ),
        ]


class _LabelResolver:
    def __init__(self, rubric: Rubric, strict: bool = True, dropped: DroppedLabels | None = None):
        self.exact = {b.text.strip(): b.id for b in rubric.behaviors}
        self.folded = {b.text.strip().lower(): b.id for b in rubric.behaviors}
        self.known = {b.id for b in rubric.behaviors}
        self.rubric_id = rubric.id
        self.strict, self.dropped = strict, dropped if dropped is not None else DroppedLabels()

    def __call__(self, label: str, where: str) -> str | None:
        label = label.strip()
        found = self.exact.get(label) or self.folded.get(label.lower()) or (label if label in self.known else None)
        if found is None:
            if self.strict:
                raise DatasetError(f"{where}: label {label!r} is not in rubric {self.rubric_id}")
            self.dropped.labels[label] = self.dropped.labels.get(label, 0) + 1
        return found


def _keep(sample_id: str, split: Split) -> bool:
    return split == "all" or split_of(sample_id) == split


def load_esco_csv(
    path: Path, rubric: Rubric, split: Split = "all", strict: bool = True, dropped: DroppedLabels | None = None
) -> list[Sample]:
    """ESCO skill-extraction annotations: one sample per sentence, in order of first appearance."""
    path = Path(path)
    resolve = _LabelResolver(rubric, strict, dropped)
    reader = _rows(path, ESCO_COLUMNS, "an ESCO skill-extraction CSV")
    grouped: dict[str, dict[str, list[str]]] = {}  # sentence -> label id -> spans
    lost: set[str] = set()  # sentences with a dropped gold label
    for line, row in enumerate(reader, start=2):
        sentence, span, label = row["sentence"] or "", row.get("span") or "", (row["label"] or "").strip()
        if not sentence.strip():
            raise DatasetError(f"{path}:{line}: empty sentence")
        if span and span not in sentence:
            raise DatasetError(f"{path}:{line}: span is not verbatim in its sentence: {span[:60]!r}")
        labels = grouped.setdefault(sentence, {})
        if not label:
            raise DatasetError(f"{path}:{line}: empty label (use LABEL NOT PRESENT for a span without one)")
        if label in NO_LABEL:
            continue
        behavior = resolve(label, f"{path}:{line}")
        if behavior is None:
            lost.add(sentence)
            continue
        spans = labels.setdefault(behavior, [])
        if span and span not in spans:
            spans.append(span)
    samples = []
    for number, (sentence, labels) in enumerate(grouped.items(), start=1):
        sample_id = f"{path.stem}#{number}"
        if sentence in lost and not labels:
            resolve.dropped.sentences_left_out += 1  # not a negative: its gold label is just not in the taxonomy
            continue
        if _keep(sample_id, split):
            samples.append(
                Sample(id=sample_id, text=sentence, labels=[Label(behavior=b, evidence=e) for b, e in labels.items()])
            )
    if not samples:
        raise DatasetError(f"{path}: no samples{'' if split == 'all' else f' in the {split} split'}")
    return samples


def parse_skills(value: str, where: str) -> list[str]:
    """``"['C#', 'Java (computer programming)']"`` -> the list; a literal, never evaluated code."""
    try:
        parsed = ast.literal_eval(value.strip())
    except (ValueError, SyntaxError) as exc:
        raise DatasetError(f"{where}: skills is not a Python list literal: {value[:60]!r}") from exc
    if not isinstance(parsed, (list, tuple)) or not all(isinstance(s, str) for s in parsed):
        raise DatasetError(f"{where}: skills must be a list of strings, not {value[:60]!r}")
    return list(parsed)


def load_skillskape_csv(
    path: Path, rubric: Rubric, split: Split = "all", strict: bool = True, dropped: DroppedLabels | None = None
) -> list[Sample]:
    """SkillSkape: one sample per row; ``UNK`` means no ESCO label fits."""
    path = Path(path)
    resolve = _LabelResolver(rubric, strict, dropped)
    reader = _rows(path, SKILLSKAPE_COLUMNS, "a SkillSkape CSV")
    samples, seen = [], set()
    for number, row in enumerate(reader, start=1):
        where = f"{path}:row {number}"
        sentence = row["sentence"] or ""
        if not sentence.strip():
            raise DatasetError(f"{where}: empty sentence")
        key = (row.get("") or "").strip() or str(number)
        sample_id = f"{path.stem}#{key}"
        if sample_id in seen:
            raise DatasetError(f"{where}: duplicate row index {key!r}")
        seen.add(sample_id)
        named = [s for s in parse_skills(row["skills"] or "", where) if s.strip() != SKILLSKAPE_NO_LABEL]
        ids = list(dict.fromkeys(b for b in (resolve(s, where) for s in named) if b is not None))
        if named and not ids:
            resolve.dropped.sentences_left_out += 1
            continue
        if _keep(sample_id, split):
            samples.append(Sample(id=sample_id, text=sentence, labels=[Label(behavior=b) for b in ids]))
    if not samples:
        raise DatasetError(f"{path}: no samples{'' if split == 'all' else f' in the {split} split'}")
    return samples


def load_csv_dataset(
    path: Path, rubric: Rubric, split: Split = "all", strict: bool = True, dropped: DroppedLabels | None = None
) -> list[Sample]:
    """Either benchmark, detected from the header."""
    if detect_csv_format(path) == "esco":
        return load_esco_csv(path, rubric, split, strict, dropped)
    return load_skillskape_csv(path, rubric, split, strict, dropped)


def is_csv_dataset(path: Path) -> bool:
    return Path(path).suffix.lower() == ".csv"


def eval_rubric(dataset: Path, rubric: str | None, default: str) -> Rubric | str:
    """The rubric to score ``dataset`` against: ``--rubric`` when given (a ``.txt`` label list is
    imported as a plain list), else the ESCO label list found beside a CSV benchmark, else ``default``."""
    if rubric and Path(rubric).suffix.lower() == ".txt":
        return labels_rubric(Path(rubric))
    if rubric:
        return rubric
    return labels_rubric(find_labels_file(dataset)) if is_csv_dataset(dataset) else default


def load_eval_samples(
    dataset: Path, rubric: Rubric, split: str | None, strict: bool = True, dropped: DroppedLabels | None = None
) -> tuple[list[Sample], str]:
    """A JSONL dev set (default split ``test``) or a CSV benchmark (default split ``all``: a
    public validation file is scored whole), and the split used."""
    from .dataset import load_dataset

    if split not in {None, "all", "fit", "test"}:
        raise DatasetError(f"--split must be all, fit or test, not {split!r}")
    if is_csv_dataset(dataset):
        split = split or "all"
        return load_csv_dataset(dataset, rubric, split, strict, dropped), split  # type: ignore[arg-type]  # split: checked above
    split = split or "test"
    return load_dataset(dataset, rubric, split), split  # type: ignore[arg-type]  # split: checked above


def load_eval_data(
    dataset: Path, rubric: str | None, split: str | None, default: str, strict: bool = False, report=None
) -> tuple[Rubric, list[Sample], str]:
    """What ``evidence eval`` and ``eval retrieval`` score: the rubric, the samples and the split used.

    Loaded before any model, so a bad dataset, label or split fails at once. A published
    benchmark's gold labels missing from its taxonomy are dropped and each ``report``ed as
    one line (``strict``: an error instead)."""
    from evidence_matcher.rubrics.store import load_rubric

    resolved = eval_rubric(dataset, rubric, default)
    loaded = load_rubric(resolved) if isinstance(resolved, str) else resolved
    dropped = DroppedLabels()
    samples, split = load_eval_samples(dataset, loaded, split, strict, dropped)
    for line in dropped.lines(Path(dataset)):
        if report:
            report(line)
    return loaded, samples, split
