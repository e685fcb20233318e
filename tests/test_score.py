"""Batch scoring as a user runs it: `evidence score` in real processes, killed mid-run and resumed."""

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evidence_matcher.matcher.documents import DocumentError, find_documents, read_document

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "eval" / "datasets" / "ic6-dev.jsonl"
TEXTS = [json.loads(line)["text"] for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]


def make_docx(path: Path, text: str) -> None:
    import docx

    document = docx.Document()
    for paragraph in text.split("\n"):
        document.add_paragraph(paragraph)
    document.save(str(path))


def make_pdf(path: Path, text: str, password: str | None = None) -> None:
    import pypdf
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 6, text.encode("latin-1", "replace").decode("latin-1"))
    pdf.output(str(path))
    if password:
        reader = pypdf.PdfReader(str(path))
        writer = pypdf.PdfWriter()
        for page in reader.pages:
            writer.add_page(page)
        writer.encrypt(password)
        with path.open("wb") as handle:
            writer.write(handle)


@pytest.fixture
def mixed(tmp_path):
    folder = tmp_path / "promo"
    (folder / "nested").mkdir(parents=True)
    (folder / "a.md").write_text(TEXTS[0], encoding="utf-8")
    (folder / "b.txt").write_text(TEXTS[1], encoding="utf-8")
    make_docx(folder / "nested" / "c.docx", TEXTS[2])
    make_pdf(folder / "nested" / "d.pdf", TEXTS[3])
    (folder / "empty.md").write_text("", encoding="utf-8")
    (folder / "corrupt.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj garbage")
    make_pdf(folder / "locked.pdf", TEXTS[4], password="secret")
    (folder / "huge.txt").write_text("I ran the incident review. " * 1000, encoding="utf-8")
    (folder / "image.png").write_bytes(b"\x89PNG\r\n")  # not a supported type: not picked up from a folder
    return folder


def test_every_format_is_read_and_every_bad_file_gets_a_reason(mixed):
    found = {p.name for p in find_documents([mixed])}
    assert found == {
        "a.md",
        "b.txt",
        "c.docx",
        "d.pdf",
        "empty.md",
        "corrupt.docx",
        "broken.pdf",
        "locked.pdf",
        "huge.txt",
    }
    assert (
        "principal" in read_document(mixed / "nested" / "c.docx").lower()
        or read_document(mixed / "nested" / "c.docx").strip()
    )
    assert len(read_document(mixed / "nested" / "d.pdf").split()) > 20
    reasons = {
        "empty.md": "empty",
        "corrupt.docx": "not a readable .docx",
        "broken.pdf": "not a readable PDF",
        "locked.pdf": "encrypted",
    }
    for name, reason in reasons.items():
        with pytest.raises(DocumentError, match=reason):
            read_document(mixed / name)
    with pytest.raises(DocumentError, match="over the 1,000-byte limit"):
        read_document(mixed / "huge.txt", max_bytes=1000)


def run_score(args, cache_dir, extra_env=None, **kwargs):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EVIDENCE_", "OPENAI_"))}
    env.update({"EVIDENCE_CACHE_DIR": str(cache_dir), **(extra_env or {})})
    cmd = [sys.executable, "-c", "from evidence_matcher.api.cli import main; main()", "score", *map(str, args)]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, **kwargs)


@pytest.mark.slow
def test_a_mixed_folder_scores_what_it_can_and_reports_the_rest(mixed, tmp_path, cache_dir, real_matcher):
    real_matcher.rubric_index()  # model cached before the subprocess runs
    out = tmp_path / "out"
    proc = run_score([mixed, "--out", out], cache_dir, {"EVIDENCE_MAX_CHARS": "20000"})
    assert proc.returncode == 3, proc.stderr  # some failed, and the exit code says so
    assert "9 documents: 4 scored, 0 already in the store, 5 failed" in proc.stdout
    assert "Traceback" not in proc.stderr
    for reason in ("empty", "not a readable .docx", "not a readable PDF", "encrypted", "over the 20,000"):
        assert reason in proc.stderr
    with (out / "cohort.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 9 and sum(r["status"] == "ok" for r in rows) == 4
    assert {r["document"] for r in rows if r["status"] == "ok"} == {"a.md", "b.txt", "nested/c.docx", "nested/d.pdf"}
    page = (out / "cohort.html").read_text(encoding="utf-8")
    assert "Documents × behaviors" in page and "locked.pdf" in page
    reports = sorted(p.name for p in (out / "documents").iterdir())
    assert len(reports) == 8 and all(n.endswith((".md", ".json")) for n in reports)
    again = run_score([mixed, "--out", out], cache_dir, {"EVIDENCE_MAX_CHARS": "20000"})
    assert "0 scored, 4 already in the store, 5 failed" in again.stdout


@pytest.mark.slow
def test_a_killed_run_resumes_without_losing_or_rescoring_anything(tmp_path, cache_dir, real_matcher):
    real_matcher.rubric_index()
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(96):
        (folder / f"doc-{i:03d}.md").write_text(f"{TEXTS[i % len(TEXTS)]}\n\n(copy {i})\n", encoding="utf-8")
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EVIDENCE_", "OPENAI_"))}
    env["EVIDENCE_CACHE_DIR"] = str(cache_dir)
    cmd = [
        sys.executable,
        "-c",
        "from evidence_matcher.api.cli import main; main()",
        "score",
        str(folder),
        "--out",
        str(out),
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = out / "results.sqlite"
    deadline = time.time() + 300
    stored = 0
    while time.time() < deadline and proc.poll() is None:
        if db.exists():
            try:
                with sqlite3.connect(str(db)) as conn:
                    stored = conn.execute("SELECT COUNT(*) FROM results").fetchone()[0]
            except sqlite3.OperationalError:
                stored = 0
            if stored >= 16:
                break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed: use more documents"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(str(db)) as conn:
        kept = conn.execute("SELECT COUNT(*) FROM results WHERE status = 'ok'").fetchone()[0]
    assert kept >= 16

    resumed = run_score([folder, "--out", out], cache_dir)
    assert resumed.returncode == 0, resumed.stderr
    assert f"96 documents: {96 - kept} scored, {kept} already in the store, 0 failed" in resumed.stdout
    with sqlite3.connect(str(db)) as conn:
        rows = conn.execute("SELECT COUNT(*), MAX(attempts) FROM results").fetchone()
    assert rows == (96, 1)  # every document once, none scored twice
