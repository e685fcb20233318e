"""Score many documents: read, look up the store, score in chunks, store each result at once.

The driver (this module) reads and hashes every document and owns the store; an engine
(``engines``: this process, or Ray actors) scores the chunks it is given and hands each
back as soon as it is done, so results are committed one chunk at a time whichever
engine runs them. With several rubrics (the levels of a track) each document is scored
against each one, and each (document, rubric) pair is its own row in the store.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from evidence_matcher.matcher.documents import DocumentError, read_document
from evidence_matcher.matcher.engine import Matcher
from evidence_matcher.matcher.result import MatchResult
from evidence_matcher.rubrics.model import Rubric

from .engines import CHUNK, Chunk, Engine, LocalEngine, WorkerFailure
from .store import ScoreStore, content_key


@dataclass
class Outcome:
    path: Path
    key: str
    status: Literal["scored", "stored", "failed"]
    result: MatchResult | None = None
    error: str | None = None


def score_documents(
    paths: list[Path],
    matcher: Matcher,
    rubric: Rubric,
    store: ScoreStore,
    rescore: bool = False,
    progress: bool = True,
    engine: Engine | None = None,
) -> list[Outcome]:
    """Each document against one rubric."""
    return [row[0] for row in score_against(paths, matcher, [rubric], store, rescore, progress, engine)]


def score_against(
    paths: list[Path],
    matcher: Matcher,
    rubrics: list[Rubric],
    store: ScoreStore,
    rescore: bool = False,
    progress: bool = True,
    engine: Engine | None = None,
) -> list[list[Outcome]]:
    """Each document against each rubric: ``out[i][j]`` is ``paths[i]`` against ``rubrics[j]``.

    ``matcher`` (the driver's) adapts the model to each rubric once, before any engine
    work, and names the model and judge that key the store.
    """
    from tqdm import tqdm

    engine = engine or LocalEngine(matcher)
    models = [
        matcher.rubric_index(rubric).embedder.model_id  # type: ignore[union-attr]  # built by the matcher: has one
        for rubric in rubrics
    ]
    judge = matcher.judge_label
    outcomes: dict[tuple[Path, int], Outcome] = {}
    members: dict[int, list[tuple[Path, int, str, str]]] = {}  # chunk index -> (path, rubric, key, sha) per text
    desc = "scoring" if len(rubrics) == 1 else f"scoring ({len(rubrics)} levels)"
    bar = tqdm(total=len(paths) * len(rubrics), unit="doc", desc=desc, disable=not progress, dynamic_ncols=True)

    def record(path: Path, j: int, key: str, sha: str, result: MatchResult | None, error: str | None) -> None:
        if not isinstance(error, WorkerFailure):  # the engine failed, not the document: try again next run
            store.put(key, sha, str(path), rubrics[j].id, rubrics[j].fingerprint(), models[j], judge, result, error)
        outcomes[path, j] = Outcome(path, key, "scored" if result else "failed", result, error)
        bar.update(1)

    def chunks() -> Iterator[Chunk]:
        pending: list[list[tuple[Path, str, str, str]]] = [[] for _ in rubrics]  # per rubric: path, key, sha, text

        numbers = itertools.count()

        def emit(j: int) -> Chunk:
            chunk = Chunk(next(numbers), rubrics[j], tuple(text for *_, text in pending[j]))
            members[chunk.index] = [(path, j, key, sha) for path, key, sha, _ in pending[j]]
            pending[j] = []
            return chunk

        for path in paths:
            try:
                data = path.read_bytes()
            except OSError as exc:
                for j in range(len(rubrics)):
                    outcomes[path, j] = Outcome(path, "", "failed", error=f"{path.name}: cannot read ({exc.strerror})")
                bar.update(len(rubrics))
                continue
            sha = hashlib.sha256(data).hexdigest()
            text, unreadable = None, None  # read once, only if some rubric needs it
            for j, rubric in enumerate(rubrics):
                key = content_key(sha, rubric.fingerprint(), models[j], judge)
                stored = None if rescore else store.get(key)
                if stored is not None:
                    outcomes[path, j] = Outcome(
                        path, key, "stored" if stored.status == "ok" else "failed", stored.result, stored.error
                    )
                    bar.update(1)
                    continue
                if text is None and unreadable is None:
                    try:
                        text = read_document(path, max_chars=matcher.max_chars)  # a bomb stops at the bound
                        if len(text) > matcher.max_chars:
                            raise DocumentError(
                                f"{path.name}: {len(text):,} characters is over the {matcher.max_chars:,} limit"
                            )
                    except DocumentError as exc:
                        unreadable = str(exc)
                if unreadable is not None:
                    record(path, j, key, sha, None, unreadable)
                    continue
                assert text is not None  # read above, or unreadable
                pending[j].append((path, key, sha, text))
                if len(pending[j]) >= CHUNK:
                    yield emit(j)
        for j in range(len(rubrics)):
            if pending[j]:
                yield emit(j)

    try:
        for chunk, scored in engine.run(chunks()):
            for (path, j, key, sha), (result, error) in zip(members.pop(chunk.index), scored, strict=True):
                record(path, j, key, sha, result, error)
    finally:
        bar.close()
    return [[outcomes[path, j] for j in range(len(rubrics))] for path in paths]
