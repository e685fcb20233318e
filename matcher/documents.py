"""Turning files into text: .md, .txt, .docx (python-docx) and .pdf (pypdf).

Every failure is a ``DocumentError`` with a reason a person can act on (empty, corrupt,
encrypted, too large, unsupported), so a batch records it and goes on.

Files that expand are bounded before and while they are read: a .docx is a zip whose
members' declared sizes, compression ratios and actual inflated sizes are checked before
python-docx parses it (a 751 KB file can hold a 300 MB document.xml); a PDF's page count is
checked first, pypdf bounds each stream it inflates, and extraction stops once the text is
past ``max_chars``. So a decompression bomb costs a fraction of a second and no memory.
"""

from __future__ import annotations

import contextlib
import zipfile
from pathlib import Path

from evidence_matcher.errors import InputError

from .inputs import decode_bytes

SUPPORTED = {".md", ".markdown", ".txt", ".docx", ".pdf"}
MAX_FILE_BYTES = 20_000_000
MAX_TEXT_CHARS = 2_000_000  # extraction stops past this (callers pass their own, smaller, text limit)
MAX_UNZIPPED_BYTES = 60_000_000  # all members of a .docx, inflated
MAX_MEMBERS = 5_000
MAX_RATIO = 200  # a member over 1 MB inflating more than this is a bomb, not a document
MAX_PDF_PAGES = 2_000
MAX_PDF_STREAM_BYTES = 16_000_000  # one inflated PDF stream (pypdf's own limit is 75 MB)


class DocumentError(InputError):
    """A file that cannot be turned into text."""


def _check_archive(path: Path) -> None:
    """Refuse a .docx whose members expand past the bounds, by their declared sizes first,
    then by the bytes they really inflate to (declared sizes can lie)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DocumentError(f"{path.name}: not a readable .docx file ({type(exc).__name__})") from exc
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise DocumentError(f"{path.name}: {len(members):,} parts in the .docx, over the {MAX_MEMBERS:,} limit")
        declared = sum(m.file_size for m in members)
        if declared > MAX_UNZIPPED_BYTES:
            raise DocumentError(
                f"{path.name}: expands to {declared:,} bytes, over the {MAX_UNZIPPED_BYTES:,}-byte limit"
            )
        for m in members:
            if m.file_size > 1_000_000 and m.file_size > MAX_RATIO * max(1, m.compress_size):
                raise DocumentError(
                    f"{path.name}: {m.filename} expands {m.file_size // max(1, m.compress_size):,} times: "
                    "not a plain document"
                )
        inflated = 0
        try:
            for m in members:
                with archive.open(m) as handle:
                    while chunk := handle.read(1 << 20):
                        inflated += len(chunk)
                        if inflated > MAX_UNZIPPED_BYTES:
                            raise DocumentError(f"{path.name}: expands past the {MAX_UNZIPPED_BYTES:,}-byte limit")
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:  # includes a CRC or size mismatch
            raise DocumentError(f"{path.name}: not a readable .docx file ({type(exc).__name__})") from exc


def _docx_text(path: Path, max_chars: int) -> str:
    import docx

    _check_archive(path)
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several kinds on damaged files; none may stop a batch
        raise DocumentError(f"{path.name}: not a readable .docx file ({type(exc).__name__})") from exc
    parts, total = [], 0
    rows = (" | ".join(cell.text for cell in row.cells) for table in document.tables for row in table.rows)
    for part in (*(p.text for p in document.paragraphs), *rows):
        parts.append(part)
        total += len(part) + 1
        if total > max_chars:
            raise DocumentError(f"{path.name}: the text is over the {max_chars:,}-character limit")
    return "\n".join(parts)


def _pdf_text(path: Path, max_chars: int) -> str:
    import logging

    import pypdf

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged files are reported as one line, not log noise
    # pypdf bounds what one stream may inflate to (75 MB by default; its Configuration, pypdf >= 7);
    # a page of text is a few KB, so a tighter bound keeps a bomb from costing memory.
    bounded = getattr(pypdf, "apply_configuration", None)
    limits = {
        "zlib_maximum_output_length": MAX_PDF_STREAM_BYTES,
        "lzw_maximum_output_length": MAX_PDF_STREAM_BYTES,
        "maximum_declared_stream_length": MAX_PDF_STREAM_BYTES,
        "array_based_stream_maximum_output_length": MAX_PDF_STREAM_BYTES,
    }
    with bounded(**limits) if bounded else contextlib.nullcontext():
        return _pdf_pages_text(path, max_chars, pypdf)


def _pdf_pages_text(path: Path, max_chars: int, pypdf) -> str:
    from pypdf.errors import LimitReachedError, PdfReadError

    try:
        reader = pypdf.PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(f"{path.name}: the PDF is encrypted (password protected)")
        if len(reader.pages) > MAX_PDF_PAGES:
            raise DocumentError(f"{path.name}: {len(reader.pages):,} pages, over the {MAX_PDF_PAGES:,}-page limit")
        parts, total = [], 0
        for page in reader.pages:
            parts.append(page.extract_text() or "")
            total += len(parts[-1]) + 1
            if total > max_chars:
                raise DocumentError(f"{path.name}: the text is over the {max_chars:,}-character limit")
        return "\n".join(parts)
    except DocumentError:
        raise
    except LimitReachedError as exc:  # pypdf's own bound on what one stream may inflate to
        raise DocumentError(f"{path.name}: a stream in the PDF expands past the limit: not a plain document") from exc
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(
            f"{path.name}: not a readable PDF ({str(exc).splitlines()[0][:80] or type(exc).__name__})"
        ) from exc
    except Exception as exc:  # pypdf raises many kinds on damaged files; none may stop a batch
        if "encrypt" in str(exc).lower() or "crypt" in type(exc).__name__.lower():
            raise DocumentError(f"{path.name}: the PDF is encrypted and cannot be read ({type(exc).__name__})") from exc
        raise DocumentError(f"{path.name}: not a readable PDF ({type(exc).__name__})") from exc


def read_document(path: Path, max_bytes: int = MAX_FILE_BYTES, max_chars: int = MAX_TEXT_CHARS) -> str:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise DocumentError(f"{path.name}: unsupported file type {suffix or '(none)'} (use .md, .txt, .docx or .pdf)")
    size = path.stat().st_size
    if size == 0:
        raise DocumentError(f"{path.name}: the file is empty")
    if size > max_bytes:
        raise DocumentError(f"{path.name}: {size:,} bytes is over the {max_bytes:,}-byte limit")
    if suffix == ".docx":
        text = _docx_text(path, max_chars)
    elif suffix == ".pdf":
        text = _pdf_text(path, max_chars)
    else:
        try:
            text = decode_bytes(path.read_bytes(), path.name)
        except InputError as exc:
            raise DocumentError(str(exc)) from exc
    if not text.strip():
        raise DocumentError(f"{path.name}: no text in the file")
    return text


def find_documents(paths: list[Path]) -> list[Path]:
    """Files given, and supported files under folders given (recursively), sorted, no duplicates."""
    found: dict[Path, None] = {}
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in SUPPORTED and not child.name.startswith((".", "~$")):
                    found[child.resolve()] = None
        elif path.exists():
            found[path.resolve()] = None
        else:
            raise InputError(f"not found: {path}")
    return list(found)
