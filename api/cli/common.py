"""What every command shares: settings, the matcher with its one-time progress bars, reading input.

Settings are read here, at the edge; everything below takes explicit arguments.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "self-review-ic6.md"
DEV_SET = Path(__file__).resolve().parents[2] / "eval" / "datasets" / "ic6-dev.jsonl"
# This CLI as a command line, for what runs it in a fresh process (cold-start and load benchmarks).
SELF = [sys.executable, "-m", "evidence_matcher.api.cli"]
# --store, as `evidence score` and `evidence packet` take it (both score through matcher.scoring.cohort's store).
STORE_HELP = "The results store: a SQLite file or postgresql://user@host/db (default: <out>/results.sqlite)."


def settings_from_env():
    from ..settings import load_settings

    return load_settings()


def progress_bars():
    """A progress callback drawing one tqdm bar per task on stderr (one-time work such as tuning)."""
    bars: dict = {}

    def report(what: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if what not in bars:
            bars[what] = tqdm(total=total, desc=f"{what} (one time)", unit="step", file=sys.stderr, leave=False)
        bars[what].update(done - bars[what].n)
        if done >= total:
            bars[what].close()

    return report


def build_matcher(settings, judge_mode: str = "offline", names: tuple[str, ...] = (), params=None):
    """The matcher every command uses: its settings as a spec, loaded with progress bars."""
    from ..settings import matcher_spec

    return matcher_spec(settings, judge_mode, names, params).load(progress=progress_bars())


def read_input(source: str, max_chars: int) -> str:
    from evidence_matcher.matcher.inputs import check_text, decode_bytes, read_text_file

    if source == "-":
        if sys.stdin.isatty():
            typer.echo("Paste the text, then press Ctrl-D:", err=True)
        data = sys.stdin.buffer.read(max_chars * 4 + 4)
        return check_text(decode_bytes(data, "standard input"), max_chars, "standard input")
    return read_text_file(Path(source), max_chars)


def echo_tally(documents: int, levels: int | None, counts: dict[str, int], errors: list[str]) -> None:
    """The one-line summary of a scoring run (``levels``: with a track), then each distinct failure."""
    per = f" × {levels} levels" if levels is not None else ""
    typer.echo(
        f"{documents} documents{per}: {counts['scored']} scored, {counts['stored']} already in the store, "
        f"{counts['failed']} failed"
    )
    for error in errors:
        typer.echo(f"  failed: {error}", err=True)


def documents_to_score(paths, source, user, site, out) -> list:
    """The files under ``paths`` and the records of an export given with ``--from``, as documents."""
    from evidence_matcher.errors import EvidenceError
    from evidence_matcher.matcher.documents import find_documents

    from .sources import imported_documents

    if not paths and source is None:
        raise EvidenceError("give files or folders, or an export with --from")
    documents = find_documents(paths) + imported_documents(source, user, site, out)
    if not documents:
        raise EvidenceError("no .md, .txt, .docx or .pdf files found in the given paths")
    return documents
