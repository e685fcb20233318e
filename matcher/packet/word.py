"""The packet as a .docx (python-docx): what pastes into a promo process's document.

python-docx has no call for hyperlinks or cell shading, so those two are written as the WordprocessingML
elements Word itself writes (``w:hyperlink`` with a relationship to the URL; ``w:shd`` on a cell). Paragraph
styles are set by their id on the paragraph's properties: python-docx's lookup by name scans every style of
the template for each paragraph, which made the .docx most of a packet's own time.
"""

from __future__ import annotations

from pathlib import Path

from .build import Citation, Packet
from .render import summary, target_line, title

FILL = {"none": "EEF0F4", "weak": "C9DCF5", "moderate": "6F9FE0", "strong": "1F5BB5"}


def _hyperlink(paragraph, url: str, text: str) -> None:
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rel = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), "Hyperlink")
    props.append(style)
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    props.append(underline)
    run.append(props)
    body = OxmlElement("w:t")
    body.text = text
    run.append(body)
    link.append(run)
    paragraph._p.append(link)


def _shade(cell, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _paragraph(document, text: str = "", style_id: str | None = None):
    paragraph = document.add_paragraph(text)
    if style_id:
        paragraph._p.get_or_add_pPr().style = style_id  # e.g. Heading2, Quote, ListBullet (the template's ids)
    return paragraph


def _heading(document, text: str, level: int):
    return _paragraph(document, text, "Title" if level == 0 else f"Heading{level}")


def _citation(document, c: Citation) -> None:
    _paragraph(document, f"\u201c{c.quote}\u201d", "Quote")
    where = document.add_paragraph()
    where.add_run(f"{c.document}, {c.day.isoformat()} ({c.dated_by}), chars {c.start}\u2013{c.end}, {c.strength}")
    if c.link:
        where.add_run(", ")
        _hyperlink(where, c.link, c.source_id or c.link)


def write_docx(packet: Packet, path: Path) -> Path:
    import docx
    from docx.shared import Pt

    document = docx.Document()
    _heading(document, title(packet), 0)
    if line := target_line(packet):
        document.add_paragraph(line.replace("**", ""))
        table = document.add_table(rows=1, cols=3)
        table.style = "Light List"
        for cell, text in zip(table.rows[0].cells, ("level", "behaviors evidenced", "coverage"), strict=True):
            cell.text = text
        for c in packet.profile:
            row = table.add_row().cells
            row[0].text, row[1].text, row[2].text = c.level, f"{c.evidenced} of {c.behaviors}", f"{c.coverage:.0%}"
    document.add_paragraph(summary(packet))

    _heading(document, f"Coverage by {packet.period}", 1)
    matrix = document.add_table(rows=1, cols=len(packet.periods) + 1)
    matrix.style = "Table Grid"
    for cell, text in zip(matrix.rows[0].cells, ["behavior", *packet.periods], strict=True):
        cell.text = text
    for b in packet.behaviors:
        row = matrix.add_row().cells
        row[0].text = f"{b.behavior.behavior_id} {b.behavior.text}"
        for cell, strength in zip(row[1:], b.cells, strict=True):
            cell.text = "" if strength == "none" else strength
            _shade(cell, FILL[strength])
    for row in matrix.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(8)

    _heading(document, "Evidence", 1)
    for area, cited_behaviors in packet.evidence_by_area():
        _heading(document, area, 2)
        for b in cited_behaviors:
            _heading(document, f"{b.behavior.behavior_id}: {b.behavior.text}", 3)
            for cited in b.citations:
                _citation(document, cited)

    if packet.gaps:
        _heading(document, f"Gaps{f' to {packet.target}' if packet.target else ''}", 1)
        for area_name, refs in packet.gaps.items():
            _heading(document, area_name, 2)
            for g in refs:
                _paragraph(document, f"{g.behavior_id}: {g.text}", "ListBullet")

    _heading(document, "Documents", 1)
    docs = document.add_table(rows=1, cols=4)
    docs.style = "Light List"
    for cell, text in zip(docs.rows[0].cells, ("document", "date", "dated by", "source"), strict=True):
        cell.text = text
    for d in packet.documents:
        row = docs.add_row().cells
        row[0].text = d.label
        if d.dates is None:
            row[2].text = f"failed: {d.error}"
            continue
        row[1].text, row[2].text = d.dates.document.day.isoformat(), d.dates.document.how
        if d.source and d.source.url:
            _hyperlink(row[3].paragraphs[0], d.source.url, d.source.id)
        elif d.source:
            row[3].text = d.source.id
    document.save(str(path))
    return path
