"""Reading a file someone gave us (a ladder, a benchmark CSV): it must exist, be small enough, and be UTF-8."""

from __future__ import annotations

from pathlib import Path

from evidence_matcher.errors import EvidenceError, RubricError


def read_source(path: Path, max_bytes: int, error: type[EvidenceError] = RubricError, what: str = "file") -> str:
    """The file's text (a UTF-8 byte-order mark dropped), or ``error`` with a one-line reason."""
    path = Path(path)
    if not path.is_file():
        raise error(f"{what} not found: {path}")
    if path.stat().st_size > max_bytes:
        raise error(f"{path}: larger than the {max_bytes:,}-byte limit")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text (byte {exc.start})") from exc
