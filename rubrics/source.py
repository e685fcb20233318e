"""Reading a ladder file someone gave us: it must exist, be small enough, and be UTF-8."""

from __future__ import annotations

from pathlib import Path

from .errors import RubricError


def read_source(path: Path, max_bytes: int) -> str:
    path = Path(path)
    if not path.is_file():
        raise RubricError(f"file not found: {path}")
    if path.stat().st_size > max_bytes:
        raise RubricError(f"{path}: larger than the {max_bytes:,}-byte limit")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RubricError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
