"""Replacing company names in ladder text on import (``--company``).

``OLD=NEW`` replaces the whole word OLD by NEW; ``OLD`` alone by "the company". Both
straight and curly possessives follow ("Dropbox's" -> "EscrowTab's", "Dropbox’s" ->
"the company’s"); a NEW ending in "s" takes a bare apostrophe ("Acme Labs’"). Words that
merely start with the name ("Dropboxers") are left alone, and "the Dropbox" does not
become "the the company". Case matters: company names are proper nouns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from evidence_matcher.errors import RubricError

GENERIC = "the company"


@dataclass(frozen=True)
class Replacement:
    old: str
    new: str

    @classmethod
    def parse(cls, spec: str) -> Replacement:
        old, sep, new = spec.partition("=")
        old, new = old.strip(), new.strip()
        if not old or (sep and not new):
            raise RubricError(f"--company {spec!r}: expected NAME or NAME=REPLACEMENT")
        return cls(old, new if sep else GENERIC)


def parse_companies(specs: list[str] | tuple[str, ...] | None) -> tuple[Replacement, ...]:
    return tuple(Replacement.parse(spec) for spec in specs or ())


def _possessive(name: str, apostrophe: str) -> str:
    return name + apostrophe + ("" if name.endswith("s") else "s")


def replace_companies(text: str, replacements: tuple[Replacement, ...]) -> str:
    for rep in replacements:
        pattern = re.compile(rf"(?P<the>\b[Tt]he\s+)?(?<![\w-]){re.escape(rep.old)}(?P<pos>['’]s?)?(?![\w-])")

        def swap(match: re.Match, rep: Replacement = rep, text: str = text) -> str:
            new = rep.new
            pos = match.group("pos")
            if pos and (pos[1:] == "s" or rep.old.endswith("s")):
                new = _possessive(new, pos[0])
            elif pos:
                new += pos  # a quote mark after the name, not a possessive
            the = match.group("the") or ""
            if the and new.lower().startswith("the "):
                the = ""
                new = match.group("the")[0] + new[1:]  # keep the case of the source's "the"
            start = match.start()
            if not the and new[:1].islower() and (start == 0 or re.search(r"[.!?:]\s+$", text[:start])):
                new = new[0].upper() + new[1:]
            return the + new

        text = pattern.sub(swap, text)
    return text


def replace_in_rubric(rubric, replacements: tuple[Replacement, ...]):
    """Every human-readable text of ``rubric`` with the names replaced; ids stay as they are."""
    from .model import Rubric

    if not replacements:
        return rubric

    def sub(value: str) -> str:
        return replace_companies(value, replacements)

    data = rubric.model_dump()
    for key in ("title", "role", "summary"):
        data[key] = sub(data[key])
    for area in data["areas"]:
        area["name"], area["description"] = sub(area["name"]), sub(area["description"])
        for resp in area["responsibilities"]:
            resp["name"], resp["description"] = sub(resp["name"]), sub(resp["description"])
            for b in resp["behaviors"]:
                b["text"] = sub(b["text"])
                b["examples"] = tuple(sub(e) for e in b["examples"])
    return Rubric.model_validate(data)
