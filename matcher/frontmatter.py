"""YAML front matter: the ``---`` block some Markdown files start with (``date:``, ``title:``, ``link:``...).

It describes the document, it is not part of what the person wrote: the segmenter skips it (no
citation ever comes from it), the packet reads a document's date from it, and reports show its
``link`` with the document's citations. Imported records (``matcher.sources``) are written with
one, so a file keeps its source's date and link wherever it goes.
"""

from __future__ import annotations

import re

import yaml

_OPEN = re.compile(r"\A\ufeff?---[ \t]*\r?\n")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE)
MAX_FRONT_MATTER_CHARS = 20_000  # a block longer than this is a document that starts with a rule, not metadata


def front_matter_end(text: str) -> int:
    """The offset just past the front matter's closing line (0 when the text has none)."""
    opening = _OPEN.match(text)
    if not opening:
        return 0
    closing = _CLOSE.search(text, opening.end(), opening.end() + MAX_FRONT_MATTER_CHARS)
    if not closing:
        return 0
    end = closing.end()
    return end + 1 if text[end : end + 1] == "\n" else end


def read_front_matter(text: str) -> dict:
    """The front matter as a mapping ({} when there is none, or it is not a YAML mapping)."""
    end = front_matter_end(text)
    if not end:
        return {}
    block = text[_OPEN.match(text).end() : end]  # type: ignore[union-attr]  # front_matter_end found it
    block = _CLOSE.sub("", block)
    try:
        data = yaml.safe_load(block)
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def render_front_matter(fields: dict) -> str:
    """A front matter block for ``fields`` (empty values left out), ending with a newline."""
    kept = {k: v for k, v in fields.items() if v not in (None, "", [], ())}
    body = yaml.safe_dump(kept, sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=False)
    return f"---\n{body}---\n"
