"""Where eval runs are kept: one JSON record per run in a runs folder, listed in a SQLite
history beside them (``<log_dir>/history.sqlite``, one table ``runs``).

The JSON file is the record; the table is an index for listing and finding runs by id
prefix. A run is found by its id, a unique prefix of it, ``last``, or a path to its JSON.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from pydantic import ValidationError

from evidence_matcher.errors import EvidenceError

from .run import EvalRecord

DB_NAME = "history.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    dataset TEXT NOT NULL,
    dataset_sha256 TEXT NOT NULL,
    split TEXT NOT NULL,
    samples INTEGER NOT NULL,
    rubric_fingerprint TEXT NOT NULL,
    model TEXT NOT NULL,
    judge TEXT NOT NULL,
    git_commit TEXT NOT NULL,
    primary_metric TEXT NOT NULL,
    primary_value REAL,
    metrics_json TEXT NOT NULL,
    path TEXT NOT NULL
)
"""


class RunError(EvidenceError):
    """An eval run cannot be found, read or compared."""


def default_log_dir(cache_dir: Path) -> Path:
    return Path(cache_dir) / "runs"


def load_record(path: Path) -> EvalRecord:
    path = Path(path)
    if not path.is_file():
        raise RunError(f"run record not found: {path}")
    try:
        return EvalRecord.model_validate_json(path.read_text(encoding="utf-8"))
    except (ValidationError, ValueError) as exc:
        raise RunError(f"{path}: not an eval record: {str(exc).splitlines()[0]}") from exc


class RunHistory:
    def __init__(self, log_dir: Path):
        self.log_dir = Path(log_dir)
        self.db_path = self.log_dir / DB_NAME

    def _connect(self) -> sqlite3.Connection:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.db_path)
        conn.row_factory = sqlite3.Row
        conn.execute(SCHEMA)
        return conn

    def save(self, record: EvalRecord) -> Path:
        """Write the record's JSON and list it; the file is written first, so a listed run always has one."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        path = self.log_dir / f"{record.run_id}.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(record.model_dump_json(indent=1), encoding="utf-8")
        tmp.replace(path)
        with self._connect() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    record.run_id,
                    record.created,
                    record.dataset,
                    record.dataset_sha256,
                    record.split,
                    record.samples,
                    record.rubric_fingerprint,
                    record.model,
                    record.judge,
                    record.git_commit,
                    record.primary_metric,
                    record.metrics.get(record.primary_metric),
                    json.dumps(record.metrics, sort_keys=True),
                    str(path.resolve()),
                ),
            )
        conn.close()
        return path

    def rows(self, limit: int | None = None) -> list[sqlite3.Row]:
        if not self.db_path.is_file():
            return []
        conn = self._connect()
        try:
            return conn.execute("SELECT * FROM runs ORDER BY created DESC, id DESC LIMIT ?", (limit or -1,)).fetchall()
        finally:
            conn.close()

    def resolve(self, ref: str) -> Path:
        """A run reference (id, unique id prefix, ``last``, or a path to a record) -> its JSON file."""
        as_path = Path(ref)
        if as_path.suffix == ".json" or as_path.is_file():
            if not as_path.is_file():
                raise RunError(f"run record not found: {as_path}")
            return as_path
        if not self.db_path.is_file():
            raise RunError(
                f"no eval runs recorded in {self.log_dir} (run `evidence eval DATASET` first, or pass --log-dir)"
            )
        conn = self._connect()
        try:
            if ref == "last":
                rows = conn.execute("SELECT id, path FROM runs ORDER BY created DESC, id DESC LIMIT 1").fetchall()
            else:
                rows = conn.execute(
                    "SELECT id, path FROM runs WHERE id LIKE ? ESCAPE '\\' ORDER BY id",
                    (ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",),
                ).fetchall()
        finally:
            conn.close()
        if not rows:
            raise RunError(f"no run {ref!r} in {self.db_path} (see `evidence eval runs`)")
        if len(rows) > 1:
            shown = ", ".join(r["id"] for r in rows[:5]) + (", ..." if len(rows) > 5 else "")
            raise RunError(f"run {ref!r} is ambiguous: it matches {len(rows)} runs ({shown})")
        path = Path(rows[0]["path"])
        if not path.is_file():
            raise RunError(f"run {rows[0]['id']} is listed but its record is gone: {path}")
        return path

    def load(self, ref: str) -> EvalRecord:
        return load_record(self.resolve(ref))
