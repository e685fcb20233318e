"""``evidence packet``'s core: score the documents with the same store and resume as ``evidence score`` (a
second run over a grown folder scores only what is new), date them, build the packet and write it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from evidence_matcher.matcher.documents import DocumentError, read_document
from evidence_matcher.matcher.scoring.cohort import score_into_store, tally
from evidence_matcher.matcher.sources import document_sources

from .build import Packet, PacketDocument, build_packet
from .dates import date_document
from .render import render_html, render_markdown, write_json
from .word import write_docx

if TYPE_CHECKING:
    from evidence_matcher.matcher.engine import Matcher
    from evidence_matcher.rubrics.model import Rubric
    from evidence_matcher.rubrics.track import Track


@dataclass
class PacketRun:
    packet: Packet
    written: dict[str, Path]  # markdown, html, docx, json
    counts: dict[str, int]  # scored / stored / failed, over (document, rubric) pairs
    errors: list[str]


def _label(path: Path, root: Path | None, source) -> str:
    if source is not None and source.kind != "document":
        return f"{source.kind} {source.id}"
    return str(path.relative_to(root)) if root and path.is_relative_to(root) else path.name


def make_packet(
    paths: list[Path],
    matcher: Matcher,
    rubrics: list[Rubric],
    out: Path,
    track: Track | None = None,
    level: str | None = None,
    period: str = "quarter",
    person: str | None = None,
    per_behavior: int = 3,
    bar: float = 0.5,
    root: Path | None = None,
    rescore: bool = False,
    progress: bool = False,
    store_at: Path | str | None = None,
) -> PacketRun:
    """Score ``paths`` through the results store at ``store_at`` (a SQLite file or a database URL; default
    ``out/results.sqlite``, as ``evidence score``), then build the packet and write it into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows = score_into_store(paths, matcher, rubrics, out, store_at, rescore, progress)
    sources = document_sources(paths)
    documents = []
    for path, row in zip(paths, rows, strict=True):
        source = sources.get(path)
        label = _label(path, root, source)
        failed = next((o for o in row if o.result is None), None)
        if failed is not None:
            documents.append(PacketDocument(path, label, None, source, [], failed.error))
            continue
        try:  # the text the matcher saw, so the dated headings' offsets are the citations'
            dates = date_document(path, read_document(path, max_chars=matcher.max_chars))
        except DocumentError as exc:  # changed or removed since it was scored
            documents.append(PacketDocument(path, label, None, source, [], str(exc)))
            continue
        documents.append(PacketDocument(path, label, dates, source, [o.result for o in row]))
    packet = build_packet(documents, rubrics, period, track, level, bar, person, per_behavior, matcher.params)
    written = {
        "markdown": out / "packet.md",
        "html": out / "packet.html",
        "docx": out / "packet.docx",
        "json": out / "packet.json",
    }
    written["markdown"].write_text(render_markdown(packet), encoding="utf-8")
    written["html"].write_text(render_html(packet), encoding="utf-8")
    write_docx(packet, written["docx"])
    write_json(packet, written["json"])
    counts, errors = tally(rows)
    return PacketRun(packet, written, counts, errors)
