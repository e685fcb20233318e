"""Turning files into text: .md, .txt, .docx (python-docx) and .pdf (pypdf).

Every failure is a ``DocumentError`` with a reason a person can act on (empty, corrupt,
encrypted, too large, unsupported), so a batch records it and goes on.
"""

from __future__ import annotations

from pathlib import Path

from rubrics.errors import InputError

from .inputs import decode_bytes

SUPPORTED = {".md", ".markdown", ".txt", ".docx", ".pdf"}
MAX_FILE_BYTES = 20_000_000


class DocumentError(InputError):
    """A file that cannot be turned into text."""


def _docx_text(path: Path) -> str:
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several kinds on damaged files; none may stop a batch
        raise DocumentError(f"{path.name}: not a readable .docx file ({type(exc).__name__})") from exc
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def _pdf_text(path: Path) -> str:
    import logging

    import pypdf
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged files are reported as one line, not log noise

    try:
        reader = pypdf.PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(f"{path.name}: the PDF is encrypted (password protected)")
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(f"{path.name}: not a readable PDF ({str(exc).splitlines()[0][:80] or type(exc).__name__})") from exc
    except Exception as exc:  # pypdf raises many kinds on damaged files; none may stop a batch
        if "encrypt" in str(exc).lower() or "crypt" in type(exc).__name__.lower():
            raise DocumentError(f"{path.name}: the PDF is encrypted and cannot be read ({type(exc).__name__})") from exc
        raise DocumentError(f"{path.name}: not a readable PDF ({type(exc).__name__})") from exc


def read_document(path: Path, max_bytes: int = MAX_FILE_BYTES) -> str:
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
        text = _docx_text(path)
    elif suffix == ".pdf":
        text = _pdf_text(path)
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
