"""The batch-scoring store: one row per (document content, rubric, model, judge) in ``schema.results``.

Each document's result is committed the moment it is scored, so a run killed at any point
loses nothing already done, and a rerun skips what is stored. The store is a SQLite file by
default (``<out>/results.sqlite``) or any database ``database.open_database`` accepts
(``postgresql://...``): the same table, through the same migrations.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from evidence_matcher.errors import StoreError
from evidence_matcher.matcher.result import MatchResult

from .database import open_database
from .schema import results


def content_key(content_sha256: str, rubric_fingerprint: str, model: str, judge: str) -> str:
    return hashlib.sha256("\x1f".join([content_sha256, rubric_fingerprint, model, judge]).encode()).hexdigest()


@dataclass
class Row:
    key: str
    path: str
    status: str
    error: str | None
    result: MatchResult | None
    attempts: int


class ScoreStore:
    """Results by key. ``path``: a SQLite file, or a database URL (``postgresql://...``)."""

    def __init__(self, path: Path | str):
        self.engine = open_database(path)

    def get(self, key: str) -> Row | None:
        columns = (results.c.key, results.c.path, results.c.status, results.c.error, results.c.result)
        with self.engine.connect() as connection:
            row = connection.execute(select(*columns, results.c.attempts).where(results.c.key == key)).first()
        if row is None:
            return None
        result = MatchResult.model_validate_json(row.result) if row.result else None
        return Row(row.key, row.path, row.status, row.error, result, row.attempts)

    def put(
        self,
        key: str,
        content_sha256: str,
        path: str,
        rubric_id: str,
        rubric_fp: str,
        model: str,
        judge: str,
        result: MatchResult | None,
        error: str | None,
    ) -> None:
        changed = {
            "path": path,
            "status": "ok" if result is not None else "failed",
            "error": error,
            "result": result.model_dump_json() if result is not None else None,
            "scored_at": time.time(),
        }
        # An upsert without a dialect's own syntax: update, else insert; a concurrent writer that
        # inserted the same key first makes the insert fail, and the update then finds its row.
        for _ in range(2):
            try:
                with self.engine.begin() as connection:
                    updated = connection.execute(
                        update(results).where(results.c.key == key).values(attempts=results.c.attempts + 1, **changed)
                    )
                    if updated.rowcount == 0:
                        connection.execute(
                            insert(results).values(
                                key=key,
                                content_sha256=content_sha256,
                                rubric_id=rubric_id,
                                rubric_fingerprint=rubric_fp,
                                model=model,
                                judge=judge,
                                attempts=1,
                                **changed,
                            )
                        )
                return
            except IntegrityError:
                continue
        raise StoreError(f"could not store the result {key}: it kept conflicting")  # not a race any more

    def close(self) -> None:
        self.engine.dispose()


def result_json(result: MatchResult) -> str:
    return json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False)
