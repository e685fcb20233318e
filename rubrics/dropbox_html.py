"""Importer for the Dropbox engineering career framework's exported HTML pages.

Written for the page format (dropbox.github.io/dbx-career-framework), not for one role:

- Only ``<div id="doc-container">`` is the page; the sidebar before it has headings too.
- ``<h1>`` is the title "IC6 Principal Reliability Engineer": the level is its first word
  when that holds a digit (IC1, L5, M2...), the role the rest.
- A first paragraph of bold text is the level's summary.
- Before the first ``<h2>``: blocks ``<p><strong>Scope</strong> <em>what it means</em></p>``
  then a list; each becomes an area with one responsibility of the same name (as the
  seed importer does). Impact-lever bullets keep their label ("Domain Expertise - I ...").
- ``<h2>`` is an area ("🏆 Results": the emoji is dropped); a plain paragraph right after it
  is the area's description; ``<p><strong>Name</strong></p>`` then ``<ul>`` is a
  responsibility and its behaviors; ``<li><p>...</p></li>`` and nested markup are flattened.
- Bullets like "The expectations for code fluency do not go up beyond L3" are notes.
- A track appendix ("SRE: Appendix") has no level: its "<strong>Term.</strong> definition"
  list gives the descriptions of responsibilities with those names when a folder is imported.

A folder is imported as one track per role; seniority words are dropped from the role
("Staff", "Principal", "Sr.") so that IC5 Staff and IC7 Sr. Principal Reliability
Engineer join the Reliability Engineer track, ordered by the level's number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from evidence_matcher.errors import RubricError

from .assemble import AreaBuilder, clean
from .company import Replacement, replace_companies
from .model import Responsibility, Rubric, slugify
from .source import read_source
from .track import Track, TrackLevel, with_track

MAX_PAGE_BYTES = 2_000_000
MAX_PAGES = 500
_LEVEL = re.compile(r"^[A-Za-z]{0,4}\d+[A-Za-z]?$")
_SENIORITY = {"staff", "principal", "senior", "sr", "sr.", "distinguished", "lead", "associate", "junior", "jr", "jr."}
_LEADING_SYMBOLS = re.compile(r"^[^\w(\"'“‘]+", re.UNICODE)


@dataclass(frozen=True)
class Appendix:
    title: str
    definitions: dict[str, str]  # responsibility name -> definition


def _soup(raw: str):
    from bs4 import BeautifulSoup, FeatureNotFound

    try:
        return BeautifulSoup(raw, "lxml")
    except FeatureNotFound:  # lxml missing: the standard library's parser reads these pages too
        return BeautifulSoup(raw, "html.parser")


def _text(el) -> str:
    """An element's text, block children separated by a space, whitespace collapsed."""
    for br in el.find_all("br"):
        br.replace_with(" ")
    for block in el.find_all(["p", "div", "li", "ul", "ol"]):
        block.insert_after(" ")
    return clean(el.get_text(""))


def _heading(text: str) -> str:
    return clean(_LEADING_SYMBOLS.sub("", text))


def _container(soup, source: str):
    container = soup.find(id="doc-container")
    if container is None:
        raise RubricError(f'{source}: no <div id="doc-container">: not a page of the Dropbox career framework')
    return container


def _appendix(container) -> Appendix | None:
    definitions: dict[str, str] = {}
    for li in container.find_all("li"):
        strongs = li.find_all("strong")
        if not strongs:
            continue
        lead = clean(" ".join(s.get_text("") for s in strongs))
        if not lead.endswith("."):
            continue
        full = _text(li)
        term = lead.rstrip(".").strip()
        rest = full.split(".", 1)[1].strip() if "." in full else ""
        if term and rest:
            definitions[term] = rest
    if not definitions:
        return None
    h1 = container.find("h1")
    return Appendix(title=_heading(h1.get_text("")) if h1 else "appendix", definitions=definitions)


def _split_title(title: str) -> tuple[str, str]:
    first, _, rest = title.partition(" ")
    if _LEVEL.match(first) and rest:
        return first, rest
    return "", title


def parse_page(
    raw: str, source: str = "page", companies: tuple[Replacement, ...] = (), rubric_id: str | None = None
) -> Rubric | Appendix:
    """One exported page: a level's Rubric, or the track's Appendix."""
    container = _container(_soup(raw), source)
    h1 = container.find("h1")
    if h1 is None:
        raise RubricError(f"{source}: no <h1> title in the page")
    title = replace_companies(_heading(h1.get_text("")), companies)
    level, role = _split_title(title)
    if not level:
        appendix = _appendix(container)
        if appendix is not None:
            return appendix
        raise RubricError(f"{source}: title {title!r} names no level (expected e.g. 'IC3 Software Engineer')")

    def sub(s: str) -> str:
        return replace_companies(s, companies)

    built = AreaBuilder()
    summary = ""
    area_name: str | None = None  # None: the top blocks before the first <h2>
    area_desc = ""
    resps: list[Responsibility] = []
    pending: str | None = None  # a responsibility name waiting for its list
    top: tuple[str, str] | None = None  # a top block (name, description) waiting for its list

    def close_area():
        nonlocal resps
        if area_name is not None:
            built.add(area_name, area_desc, resps)
        resps = []

    for el in h1.find_all_next(["h2", "h3", "p", "ul", "ol"]):
        if container not in el.parents:
            break
        if el.find_parent(["li", "ul", "ol"]) is not None:
            continue  # inside a list: read with its item
        if el.name in ("h2", "h3"):
            close_area()
            area_name, area_desc, pending, top = sub(_heading(el.get_text(""))), "", None, None
            continue
        if el.name == "p":
            strong, em = el.find("strong"), el.find("em")
            text = _text(el)
            # A name may be split over several <strong> elements ("Architecture" "design").
            bold = clean(" ".join(s.get_text("") for s in el.find_all("strong"))) if strong else ""
            if (
                area_name is None
                and not summary
                and not top
                and strong
                and bold == text
                and not resps
                and not built.areas
            ):
                summary = sub(text)  # the level's one-line summary, bold (and italic)
            elif area_name is None and strong and em:
                top = (sub(bold), sub(clean(em.get_text(""))))
            elif strong and bold == text:
                pending = sub(bold)
            elif area_name is not None and not resps and pending is None:
                area_desc = clean(f"{area_desc} {sub(text)}")
            continue
        items: list[str] = []
        for li in el.find_all("li", recursive=False):
            text = sub(_text(li))
            strongs = li.find_all("strong")
            if area_name is not None and strongs and clean(" ".join(s.get_text("") for s in strongs)) == _text(li):
                # A responsibility named inside a list item, its behaviors in the items after it.
                if items and pending is not None:
                    resps.append(built.responsibility(area_name, pending, items))
                    items = []
                pending = text
                continue
            if text:
                items.append(text)
        if not items:
            continue
        if area_name is None:
            if top is None:
                raise RubricError(f"{source}: a list before any block heading: {items[0][:60]!r}")
            name, desc = top
            built.add(name, desc, [built.responsibility(name, name, items)])
            top = None
        else:
            if pending is None:
                raise RubricError(
                    f"{source}: a list under {area_name!r} without a responsibility name: {items[0][:60]!r}"
                )
            resps.append(built.responsibility(area_name, pending, items))
            pending = None
    close_area()
    if not built.areas:
        raise RubricError(f"{source}: no behaviors found under {title!r}")
    return Rubric(
        id=rubric_id or slugify(title),
        title=title,
        role=role,
        level=level,
        summary=summary,
        source=source,
        areas=tuple(built.areas),
    )


def _track_role(role: str) -> str:
    words = role.split()
    while len(words) > 1 and words[0].lower() in _SENIORITY:
        words.pop(0)
    return " ".join(words)


def _level_number(level: str) -> tuple[int, str]:
    digits = re.search(r"\d+", level)
    return (int(digits.group()) if digits else 0, level)


def _with_definitions(rubric: Rubric, definitions: dict[str, str]) -> Rubric:
    by_name = {slugify(name): text for name, text in definitions.items()}
    data = rubric.model_dump()
    for area in data["areas"]:
        for resp in area["responsibilities"]:
            if not resp["description"] and slugify(resp["name"]) in by_name:
                resp["description"] = by_name[slugify(resp["name"])]
    return Rubric.model_validate(data)


def import_page(path: Path, companies: tuple[Replacement, ...] = (), rubric_id: str | None = None) -> Rubric:
    path = Path(path)
    parsed = parse_page(read_source(path, MAX_PAGE_BYTES), path.name, companies, rubric_id)
    if isinstance(parsed, Appendix):
        raise RubricError(
            f"{path}: {parsed.title!r} is a track appendix (definitions of {', '.join(parsed.definitions)}), "
            "not a level: import its folder to attach the definitions to the levels"
        )
    return parsed


def import_folder(
    folder: Path, companies: tuple[Replacement, ...] = (), track_id: str | None = None, skipped: list[str] | None = None
) -> list[tuple[Track, list[Rubric]]]:
    """Every level page of ``folder`` (and its docs/ subfolder), one track per role.

    Pages that are neither a level nor a track appendix (an index, an "archetypes" page)
    are skipped, each with one line in ``skipped`` saying why; only a folder with no level
    page at all is an error.
    """
    folder = Path(folder)
    pages = sorted(folder.glob("*.html")) or sorted(folder.glob("docs/*.html"))
    if not pages:
        raise RubricError(f"{folder}: no .html pages")
    if len(pages) > MAX_PAGES:
        raise RubricError(f"{folder}: more than {MAX_PAGES} pages")
    levels: dict[str, list[Rubric]] = {}
    appendices: list[Appendix] = []
    for page in pages:
        raw = read_source(page, MAX_PAGE_BYTES)
        try:
            parsed = parse_page(raw, page.name, companies)
        except RubricError as exc:
            if skipped is not None:
                skipped.append(f"skipped {page.name}: {str(exc).removeprefix(page.name + ': ')}")
            continue  # an index or other page of the site: not part of any ladder
        if isinstance(parsed, Appendix):
            appendices.append(parsed)
        else:
            levels.setdefault(_track_role(parsed.role), []).append(parsed)
    if not levels:
        raise RubricError(f"{folder}: no level pages (titles like 'IC3 Software Engineer')")
    if track_id and len(levels) > 1:
        raise RubricError(
            f"{folder}: --id names one track, but the folder holds {len(levels)} roles: {', '.join(levels)}"
        )
    tracks = []
    for role, rubrics in levels.items():
        rubrics.sort(key=lambda r: _level_number(r.level))
        names = {slugify(resp.name) for r in rubrics for _, resp, _ in r.walk()}
        best = max(appendices, key=lambda a: len(names & {slugify(t) for t in a.definitions}), default=None)
        if best is not None and names & {slugify(t) for t in best.definitions}:
            rubrics = [_with_definitions(r, best.definitions) for r in rubrics]
        tid = track_id or slugify(role)
        seen = [r.level for r in rubrics]
        dupes = sorted({lvl for lvl in seen if seen.count(lvl) > 1})
        if dupes:
            raise RubricError(f"{folder}: several pages for level {dupes[0]} of {role!r}")
        rubrics = [with_track(r, tid) for r in rubrics]
        track = Track(
            id=tid,
            title=role,
            role=role,
            levels=tuple(TrackLevel(level=r.level, rubric=f"{r.id}.yaml") for r in rubrics),
        )
        tracks.append((track, rubrics))
    return tracks
