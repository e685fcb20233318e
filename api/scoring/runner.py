"""Score many documents: read, look up the store, embed in batches, store each result at once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from matcher.documents import DocumentError, read_document
from matcher.engine import Matcher
from matcher.result import MatchResult
from rubrics.errors import EvidenceError
from rubrics.model import Rubric

from .store import ScoreStore, content_key

CHUNK = 8  # documents whose sentences are embedded together


@dataclass
class Outcome:
    path: Path
    key: str
    status: Literal["scored", "stored", "failed"]
    result: MatchResult | None = None
    error: str | None = None


def judge_label(matcher: Matcher) -> str:
    return f"llm:{matcher.judge.model.model_id}" if matcher.judge else "offline"


def score_documents(paths: list[Path], matcher: Matcher, rubric: Rubric, store: ScoreStore, rescore: bool = False, progress: bool = True) -> list[Outcome]:
    from tqdm import tqdm

    index = matcher.rubric_index(rubric)
    model, judge = index.embedder.model_id, judge_label(matcher)
    outcomes: dict[Path, Outcome] = {}
    pending: list[tuple[Path, str, str, str]] = []  # path, key, sha, text
    bar = tqdm(total=len(paths), unit="doc", desc="scoring", disable=not progress, dynamic_ncols=True)

    def record(path: Path, key: str, sha: str, result: MatchResult | None, error: str | None) -> None:
        store.put(key, sha, str(path), rubric.id, rubric.fingerprint(), model, judge, result, error)
        outcomes[path] = Outcome(path, key, "scored" if result else "failed", result, error)
        bar.update(1)

    def flush() -> None:
        texts = [text for _, _, _, text in pending]
        try:
            results = matcher.match_many(texts, rubric)
        except EvidenceError:
            results = None  # one bad document: score them one by one
        for i, (path, key, sha, text) in enumerate(pending):
            if results is not None:
                record(path, key, sha, results[i], None)
                continue
            try:
                record(path, key, sha, matcher.match(text, rubric), None)
            except EvidenceError as exc:
                record(path, key, sha, None, str(exc))
        pending.clear()

    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            outcomes[path] = Outcome(path, "", "failed", error=f"{path.name}: cannot read ({exc.strerror})")
            bar.update(1)
            continue
        sha = hashlib.sha256(data).hexdigest()
        key = content_key(sha, rubric.fingerprint(), model, judge)
        stored = None if rescore else store.get(key)
        if stored is not None:
            outcomes[path] = Outcome(path, key, "stored" if stored.status == "ok" else "failed", stored.result, stored.error)
            bar.update(1)
            continue
        try:
            text = read_document(path)
            if len(text) > matcher.max_chars:
                raise DocumentError(f"{path.name}: {len(text):,} characters is over the {matcher.max_chars:,} limit")
        except DocumentError as exc:
            record(path, key, sha, None, str(exc))
            continue
        pending.append((path, key, sha, text))
        if len(pending) >= CHUNK:
            flush()
    if pending:
        flush()
    bar.close()
    return [outcomes[p] for p in paths]
