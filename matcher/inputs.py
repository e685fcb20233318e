"""Checks on submitted text, shared by every way in (CLI, HTTP, batch)."""

from __future__ import annotations

from pathlib import Path

from evidence_matcher.errors import InputError

DEFAULT_MAX_CHARS = 100_000  # ~15,000 words: far above any review, far below a memory problem


def decode_bytes(data: bytes, name: str = "input") -> str:
    if b"\x00" in data[:8192]:
        raise InputError(f"{name} looks like a binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name} is not valid UTF-8 text (byte {exc.start})") from exc
    return text


def read_text_file(path: Path, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path} is a directory, not a file")
    if not path.exists():
        raise InputError(f"file not found: {path}")
    # Read at most a little over the limit: a huge file is refused without loading it whole.
    with path.open("rb") as handle:
        data = handle.read(max_chars * 4 + 4)
    return check_text(decode_bytes(data, str(path)), max_chars, str(path))


def check_text(text: str, max_chars: int = DEFAULT_MAX_CHARS, name: str = "text") -> str:
    if not isinstance(text, str):
        raise InputError(f"{name} must be a string")
    if not text.strip():
        raise InputError(f"{name} is empty: paste or give some text to match")
    if len(text) > max_chars:
        raise InputError(f"{name} has {len(text):,} characters; the limit is {max_chars:,}")
    return text
