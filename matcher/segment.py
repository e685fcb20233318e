"""Split submitted text into citable segments with exact character offsets.

Every segment satisfies ``text[segment.start:segment.end] == segment.quote``: quotes are
never rebuilt from cleaned text, so a citation can only ever be the user's own words.

The text is first read line by line as markdown, because self-reviews and brag docs are
mostly headings and bullets: headings become context (not evidence), each list item,
table cell or timestamped line (a chat export's or timeline's record) is its own block,
YAML front matter, code fences and pasted-document noise (page numbers, "Confidential",
bare URLs, rules) are skipped. Each block is then split into sentences
by Bling Fire's rule-based sentence breaker (no model download), and very long
sentences into clauses at semicolons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import blingfire

from .frontmatter import front_matter_end

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^(\s*)(?:[-*+•▪◦‣–]|\d{1,3}[.)]|[a-zA-Z][.)])\s+(?:\[[ xX]\]\s+)?")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_RULE = re.compile(r"^\s*([-*_=])(\s*\1){2,}\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
# A line that opens with a time ("09:55 kwame: ...", "[14:02] ...", "2024-03-14 14:02 UTC ...") is a
# record of a chat export or a timeline, not the wrapped continuation of a paragraph.
_TIMESTAMP_LINE = re.compile(r"^\s*\[?(\d{4}-\d{2}-\d{2}[ T])?\d{1,2}:\d{2}(:\d{2})?\]?(\s|$)")
_NOISE = re.compile(
    r"^\s*(page\s+\d+(\s+of\s+\d+)?|\d+\s*/\s*\d+|confidential.*|internal( use)? only.*|draft|"
    r"https?://\S+|www\.\S+|\[?\d+\]?|-\s*\d+\s*-|table of contents|contents)\s*$",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_MARKUP = re.compile(r"(\*\*|__|`|~~)|\[([^\]]*)\]\([^)]*\)")

_TERMINAL = re.compile(r"[.!?:;,]\s*$")
# A line that ends a thought (a question, a closing bracket, a colon, a full stop) followed by a
# line that opens like a new one (a capital, a quote): pasted forms put a prompt and its answer,
# or "Org: ..." / "Nominator: ..." fields, on consecutive lines. The sentence breaker joins
# "...(Product, Regulatory, etc.)\nSegun sat down with..." into one sentence, so the question
# would ride along in the answer's citation; here the answer starts a block of its own.
_ENDS_LINE = re.compile(r"[.!?:)\]]\s*$")
_OPENS_LINE = re.compile(r"^[A-Z\"“‘'(]")
_FIELD_LINE = re.compile(r"^[A-Z][\w /&'’-]{0,30}:\s+\S")
MIN_WORDS = 4  # fewer words than this cannot evidence a behavior ("Q3 wins", "Page 2")
CLAUSE_SPLIT_WORDS = 45


@dataclass(frozen=True)
class Segment:
    start: int
    end: int
    quote: str  # == text[start:end]
    clean: str  # what gets embedded: markup removed, whitespace folded
    heading: str = ""


def _clean(quote: str) -> str:
    text = _MARKUP.sub(lambda m: m.group(2) or "", quote)
    return re.sub(r"\s+", " ", text).strip()


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _blocks(text: str) -> list[tuple[int, int, str]]:
    """(start, end, heading) of each paragraph, list item or table cell."""
    blocks: list[tuple[int, int, str]] = []
    heading = ""
    current: list[int] | None = None  # [start, end] of the open paragraph or list item
    in_fence = False

    def close():
        nonlocal current
        if current is not None:
            blocks.append((current[0], current[1], heading))
            current = None

    pos = 0
    metadata_end = front_matter_end(text)  # the document's YAML front matter describes it: never evidence
    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines):
        following = lines[number + 1].strip() if number + 1 < len(lines) else ""
        start, end = pos, pos + len(line.rstrip("\r\n"))
        pos += len(line)
        if start < metadata_end:
            continue
        body = text[start:end]
        if _FENCE.match(body):
            close()
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        if not body.strip() or _RULE.match(body) or _NOISE.match(body) or _TABLE_RULE.match(body):
            close()
            continue
        if m := _HEADING.match(body):
            close()
            heading = m.group(2)
            continue
        if current is None and _is_plain_heading(body, following):
            heading = body.strip()
            continue
        if _TABLE_ROW.match(body):
            close()
            cell_start = start
            for piece in body.split("|"):
                cell_end = cell_start + len(piece)
                blocks.append((cell_start, cell_end, heading))
                cell_start = cell_end + 1
            continue
        if m := _LIST_ITEM.match(body):
            close()
            current = [start + m.end(), end]
            continue
        if _TIMESTAMP_LINE.match(body):
            close()
            current = [start, end]
            continue
        if current is not None and _starts_anew(lines[number - 1], body):  # the open block's last line
            close()
        if current is None:
            current = [start, end]
        else:
            current[1] = end  # a wrapped line continues its paragraph or list item
    close()
    return blocks


def _starts_anew(previous: str, line: str) -> bool:
    """Does ``line`` start a new block rather than wrap the open one, whose last line is ``previous``?"""
    if line[:1].isspace():
        return False  # an indented line continues its list item
    return bool(_FIELD_LINE.match(line)) or (bool(_ENDS_LINE.search(previous)) and bool(_OPENS_LINE.match(line)))


def _is_plain_heading(line: str, following: str) -> bool:
    """A title line pasted from a doc: short, capitalised, no closing punctuation, and
    followed by a blank line or a capitalised line ("Checkout health" / "When I joined...").

    Only a line that starts a block can be one, and a hard-wrapped paragraph goes on in
    lower case, so its first line is not mistaken for a title.
    """
    stripped = line.strip().strip("*_").strip()
    if not stripped or not stripped[0].isupper() or _LIST_ITEM.match(line):
        return False
    if len(stripped.split()) > 10 or _TERMINAL.search(stripped):
        return False
    return not following or not following[0].isalpha() or following[0].isupper()


def _sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    chunk = text[start:end]
    _, offsets = blingfire.text_to_sentences_and_offsets(chunk)
    spans: list[tuple[int, int]] = []
    for s, e in offsets or [(0, len(chunk))]:
        # Sentence breakers split after abbreviations ("Dr.", "e.g."): glue a fragment
        # too short to be a sentence onto the one that follows it.
        if spans and len(_WORD.findall(chunk[spans[-1][0] : spans[-1][1]])) < 3:
            spans[-1] = (spans[-1][0], e)
        else:
            spans.append((s, e))
    out: list[tuple[int, int]] = []
    for s, e in spans:
        out.extend(_clauses(chunk, s, e))
    return [(start + s, start + e) for s, e in out]


def _clauses(chunk: str, start: int, end: int) -> list[tuple[int, int]]:
    """Very long sentences usually list several achievements; split them at semicolons."""
    if len(_WORD.findall(chunk[start:end])) <= CLAUSE_SPLIT_WORDS:
        return [(start, end)]
    pieces, piece_start = [], start
    for m in re.finditer(r";\s+", chunk[start:end]):
        pieces.append((piece_start, start + m.start() + 1))
        piece_start = start + m.end()
    pieces.append((piece_start, end))
    return pieces


def segment_text(text: str) -> list[Segment]:
    segments: list[Segment] = []
    for block_start, block_end, heading in _blocks(text):
        block_start, block_end = _trim(text, block_start, block_end)
        if block_start >= block_end:
            continue
        for s, e in _sentence_spans(text, block_start, block_end):
            s, e = _trim(text, s, e)
            quote = text[s:e]
            clean = _clean(quote)
            if len(_WORD.findall(clean)) < MIN_WORDS:
                continue
            segments.append(Segment(start=s, end=e, quote=quote, clean=clean, heading=heading))
    return segments


def whole_text_segment(text: str) -> list[Segment]:
    """A one-line text the segmenter keeps nothing of, as one segment.

    The segmenter skips short lines as titles ("Experience with Kubernetes") and fragments
    under four words ("python"), which is right inside a document but leaves a short text
    on its own (a job-ad line, a skill phrase) with nothing to match: 33 of the 101 ESCO
    TECH sentences. Such a line is matched whole; a markdown heading, rule or page
    furniture on its own still gives nothing.
    """
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    line = text[start:end]
    if (
        "\n" in line
        or not any(c.isalnum() for c in line)
        or _HEADING.match(line)
        or _RULE.match(line)
        or _NOISE.match(line)
    ):
        return []
    return [Segment(start=start, end=end, quote=line, clean=" ".join(line.split()))]
