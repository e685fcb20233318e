"""One entry point for every ladder format: detect, import, write canonical YAML.

Single-level sources (the seed's text, a plain list, one Dropbox page) give one rubric;
multi-level sources (a Dropbox folder, an FT job family, a Kensho track file) give
tracks: the levels of a role in order, one rubric per level plus a
``<track-id>.track.yaml`` file. Where the output goes:

- one rubric, ``--out x.yaml``: that file; ``--out folder/``: ``folder/<rubric-id>.yaml``.
- tracks, ``--out folder``: the folder (created), one file per level and one per track;
  ``--out x.yaml --level L``: only level L's rubric, in that file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from evidence_matcher.errors import RubricError

from .company import Replacement, replace_in_rubric
from .model import Rubric
from .track import Track, save_track

FORMATS = ("seed", "list", "dropbox", "ft", "kensho")
_SNIFF_BYTES = 65_536


@dataclass
class Imported:
    rubrics: list[Rubric] = field(default_factory=list)  # single-level sources
    tracks: list[tuple[Track, list[Rubric]]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # pages of a folder that are not levels, each with why

    def all_rubrics(self) -> list[Rubric]:
        return self.rubrics + [r for _, rubrics in self.tracks for r in rubrics]


def _head(path: Path) -> str:
    with open(path, "rb") as handle:
        return handle.read(_SNIFF_BYTES).decode("utf-8", errors="replace")


def detect_format(source: Path) -> str:
    """The format of ``source`` when its shape says so unambiguously; else a RubricError."""
    source = Path(source)
    if source.is_dir():
        if any(source.glob("*.html")) or any(source.glob("docs/*.html")):
            return "dropbox"
        raise RubricError(f"{source}: a folder without .html pages: give --format")
    if not source.is_file():
        raise RubricError(f"file not found: {source}")
    suffix, head = source.suffix.lower(), _head(source)
    if suffix in (".html", ".htm"):
        return "dropbox"
    if suffix in (".yml", ".yaml"):
        if "\nareas:" in f"\n{head}":
            raise RubricError(f"{source}: already a canonical rubric: check it with 'evidence rubric validate'")
        if all(f"\n{key}:" in f"\n{head}" for key in ("levels", "themes")):
            return "ft"
    if suffix in (".md", ".markdown") and "\n## " in head and "|" in head:
        return "kensho"
    if suffix in (".txt", "") or suffix not in (".yml", ".yaml", ".md", ".markdown"):
        return "seed" if any(line.strip() == "|" for line in head.splitlines()) else "list"
    raise RubricError(f"{source}: cannot tell its format: give --format ({', '.join(FORMATS)})")


def import_source(
    source: Path,
    fmt: str | None = None,
    companies: tuple[Replacement, ...] = (),
    rubric_id: str | None = None,
    title: str | None = None,
    section: str = "Behaviors",
) -> Imported:
    source = Path(source)
    fmt = fmt or detect_format(source)
    if fmt == "seed":
        from .seed_format import import_seed_file

        return Imported(rubrics=[replace_in_rubric(import_seed_file(source, rubric_id), companies)])
    if fmt == "list":
        from .plain_list import import_list_file

        return Imported(rubrics=[replace_in_rubric(import_list_file(source, rubric_id, title, section), companies)])
    if fmt == "dropbox":
        from .dropbox_html import import_folder, import_page

        if source.is_dir():
            skipped: list[str] = []
            return Imported(tracks=import_folder(source, companies, rubric_id, skipped), skipped=skipped)
        return Imported(rubrics=[import_page(source, companies, rubric_id)])
    if fmt == "ft":
        from .ft_yaml import import_family

        return Imported(tracks=import_family(source, companies, rubric_id))
    if fmt == "kensho":
        from .kensho_markdown import import_track

        return Imported(tracks=[import_track(source, companies, rubric_id)])
    raise RubricError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")


def _is_file_target(out: Path) -> bool:
    return out.suffix.lower() in (".yaml", ".yml") and not out.is_dir()


def write_imported(imported: Imported, out: Path, level: str | None = None) -> list[Path]:
    """Write what was imported under ``out`` (see the module doc); the files written."""
    from .store import save_rubric

    out = Path(out)
    if level is not None:
        matches = [r for _, rubrics in imported.tracks for r in rubrics if r.level == level]
        if not matches:
            known = sorted({r.level for _, rubrics in imported.tracks for r in rubrics})
            raise RubricError(f"no level {level!r} in this source (levels: {', '.join(known) or 'none'})")
        if len(matches) > 1:
            raise RubricError(f"level {level!r} is in {len(matches)} tracks: import to a folder instead")
        imported = Imported(rubrics=matches)
    if imported.tracks:
        if _is_file_target(out):
            levels = ", ".join(t.level_names()[0] + "..." + t.level_names()[-1] for t, _ in imported.tracks)
            raise RubricError(
                f"this source holds tracks of several levels ({levels}): "
                "give a folder as --out, or pick one with --level"
            )
        return [save_track(track, rubrics, out) for track, rubrics in imported.tracks]
    paths = []
    for rubric in imported.rubrics:
        path = out if _is_file_target(out) and len(imported.rubrics) == 1 else out / f"{rubric.id}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        save_rubric(rubric, path)
        paths.append(path)
    return paths
