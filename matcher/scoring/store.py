"""The batch-scoring store: one SQLite row per (document content, rubric, model, judge).

Each document's result is committed the moment it is scored (WAL journal), so a run
killed at any point loses nothing already done, and a rerun skips what is stored.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from evidence_matcher.matcher.result import MatchResult

SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    key TEXT PRIMARY KEY,
    content_sha256 TEXT NOT NULL,
    path TEXT NOT NULL,
    rubric_id TEXT NOT NULL,
    rubric_fingerprint TEXT NOT NULL,
    model TEXT NOT NULL,
    judge TEXT NOT NULL,
    status TEXT NOT NULL,          -- ok | failed
    error TEXT,
    result TEXT,                   -- MatchResult JSON when ok
    scored_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 1
);
"""


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
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path))
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self.db.commit()

    def get(self, key: str) -> Row | None:
        row = self.db.execute(
            "SELECT key, path, status, error, result, attempts FROM results WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        result = MatchResult.model_validate_json(row[4]) if row[4] else None
        return Row(row[0], row[1], row[2], row[3], result, row[5])

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
        status = "ok" if result is not None else "failed"
        payload = result.model_dump_json() if result is not None else None
        self.db.execute(
            """INSERT INTO results (key, content_sha256, path, rubric_id, rubric_fingerprint, model, judge, status,
                 error, result, scored_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(key) DO UPDATE SET path=excluded.path, status=excluded.status, error=excluded.error,
                 result=excluded.result, scored_at=excluded.scored_at, attempts=results.attempts + 1""",
            (key, content_sha256, path, rubric_id, rubric_fp, model, judge, status, error, payload, time.time()),
        )
        self.db.commit()

    def close(self) -> None:
        self.db.close()


def result_json(result: MatchResult) -> str:
    return json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False)
