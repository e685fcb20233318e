"""POST /v1/extract: the text of an uploaded .md/.txt/.docx/.pdf file, for the page's file picker.

The file is sent as the raw request body (no multipart), read from a temporary file that
is deleted at once, and never stored.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from evidence_matcher.errors import InputError
from evidence_matcher.matcher.documents import SUPPORTED, DocumentError, read_document

from ..state import get_state

router = APIRouter(prefix="/v1", tags=["files"])


class Extracted(BaseModel):
    filename: str
    text: str


def _extract(data: bytes, suffix: str, filename: str, max_chars: int) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            return read_document(path, max_chars=max_chars)  # bombs stop here, at a bound, not in memory
        except DocumentError as exc:  # name the user's file, not the temporary copy
            raise DocumentError(str(exc).replace(path.name, filename)) from exc


@router.post(
    "/extract",
    response_model=Extracted,
    summary="Extract the text of a .md, .txt, .docx or .pdf file sent as the request body",
    openapi_extra={
        "requestBody": {
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            "required": True,
        }
    },
)
async def extract(
    request: Request,
    filename: str = Query(
        ..., min_length=1, max_length=255, description="The file's name; its extension picks the parser."
    ),
) -> Extracted:
    suffix = Path(filename).suffix.lower()
    if suffix not in SUPPORTED:
        raise InputError(f"unsupported file type {suffix or '(none)'}: use .md, .txt, .docx or .pdf")
    data = await request.body()
    text = await run_in_threadpool(_extract, data, suffix, filename, get_state(request).settings.max_chars)
    return Extracted(filename=filename, text=text)
