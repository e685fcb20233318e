"""Files that expand: generated decompression bombs cost well under a second and no memory.

A .docx whose document.xml inflates to 300 MB, a .docx with a long text that is not a bomb but is over the text limit,
and a PDF whose page stream inflates far past pypdf's bound: each is refused with a one-line reason,
by the library function, the CLI's batch scoring path and ``/v1/extract``.
"""

import resource
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from evidence_matcher.api.app import create_app
from evidence_matcher.api.settings import Settings
from evidence_matcher.matcher.documents import DocumentError, read_document
from tests.fakes import fake_matcher

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _docx(path: Path, body_xml_parts) -> Path:
    """A minimal .docx whose document.xml is streamed from ``body_xml_parts`` (never held whole)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        with archive.open("word/document.xml", "w", force_zip64=True) as handle:
            handle.write(f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}"><w:body>'.encode())
            for part in body_xml_parts:
                handle.write(part)
            handle.write(b"</w:body></w:document>")
    return path


def _paragraphs(count: int):
    """Ordinary varied prose: compresses like a real document (a few times), not like a bomb."""
    import random

    rng = random.Random(0)
    words = (
        "I led the storage migration across four teams and wrote the design review for every tier of our platform"
    ).split()
    for _ in range(count):
        text = " ".join(rng.choice(words) + str(rng.randint(0, 999)) for _ in range(12))
        yield f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>".encode()


def _pdf_bomb(path: Path, inflated_bytes: int = 300_000_000) -> Path:
    """One page whose content stream is ``inflated_bytes`` of spaces, deflated (~300 KB)."""
    compressor = zlib.compressobj(9)
    block = b" " * 1_000_000
    stream = b"".join(compressor.compress(block) for _ in range(inflated_bytes // len(block))) + compressor.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(
        b"%010d 00000 n \n" % o for o in offsets
    )
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.fixture(scope="module")
def bombs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bombs")
    docx_bomb = _docx(
        folder / "bomb.docx", (b"<w:p/>" * 50_000 for _ in range(1_000))
    )  # ~300 MB of XML, deflates to well under 1 MB
    long_text = _docx(folder / "long.docx", _paragraphs(20_000))
    pdf_bomb = _pdf_bomb(folder / "bomb.pdf")
    return {"docx": docx_bomb, "long": long_text, "pdf": pdf_bomb}


def test_the_generated_files_are_small_bombs(bombs):
    assert bombs["docx"].stat().st_size < 1_000_000 and bombs["pdf"].stat().st_size < 1_000_000
    with zipfile.ZipFile(bombs["docx"]) as archive:
        assert archive.getinfo("word/document.xml").file_size > 250_000_000


# pypdf stops inflating the PDF's stream at its bound and extracts nothing from it: "no text".
@pytest.mark.parametrize(
    "kind, reason",
    [("docx", "bomb.docx: .*expands"), ("long", "over the 100,000-character limit"), ("pdf", "bomb.pdf: ")],
)
def test_a_bomb_is_refused_fast_without_memory_growth(bombs, kind, reason):
    before = _rss_mb()
    started = time.thread_time()  # CPU this thread spends: what a bomb costs, whatever else loads the machine
    with pytest.raises(DocumentError, match=reason):
        read_document(bombs[kind], max_chars=100_000)
    # The long .docx is a real document python-docx must parse before it can count its text:
    # 0.9-1.2 s of CPU on 2-core machines, so the bound leaves room for slower CPUs. Parsing
    # the bomb's 300 MB of XML instead would take tens of seconds and gigabytes.
    assert time.thread_time() - started < 3.0
    assert _rss_mb() - before < 100  # peak resident memory barely moves


def test_extract_answers_a_bomb_with_422_and_a_reason(bombs, tmp_path):
    matcher = fake_matcher(tmp_path)
    with TestClient(create_app(Settings(cache_dir=tmp_path, max_chars=100_000), matcher=matcher)) as client:
        for kind, name in (("docx", "bomb.docx"), ("long", "long.docx"), ("pdf", "bomb.pdf")):
            response = client.post(f"/v1/extract?filename={name}", content=bombs[kind].read_bytes())
            assert response.status_code == 422, response.text[:200]
            assert name in response.json()["detail"] and len(response.content) < 1000
