"""``evidence mcp``: the matcher as an MCP server over stdio, for AI assistants (official ``mcp`` SDK).

A way in like the CLI and the HTTP API, calling the same core: ``match_text`` answers the JSON of
``POST /v1/match``; ``score_folder`` and ``level_fit`` run the same scoring as ``evidence score``
(``matcher.scoring.cohort``), ``build_packet`` the same as ``evidence packet``; rubrics are tools and
resources. A mistake comes back as a tool error whose text is the CLI's one line (``Error: ...``), so a
model reads what a person would; so does an argument of the wrong type or a missing one (``Error: match_text:
'text' must be a string``, see ``mcp_arguments``), which the SDK would answer with pydantic's multi-line report.

stdout carries the protocol and nothing else: the SDK points file descriptor 1 at stderr while it
serves, progress bars are off, and log lines (the model loading, each tool error) go to stderr. The model
and indexes load once per process, on the first call that needs them, and are shared by every call
and judge mode; model work runs one call at a time (one model on a few cores gains nothing from more).
"""

from __future__ import annotations

import functools
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from evidence_matcher.errors import EvidenceError, InputError
from evidence_matcher.matcher.result import MatchResult
from evidence_matcher.matcher.scoring.levels import DEFAULT_BAR
from evidence_matcher.rubrics.model import Rubric
from evidence_matcher.rubrics.store import DEFAULT_RUBRIC_ID
from evidence_matcher.rubrics.summary import RubricSummary

from .mcp_models import DocumentFit, DocumentScore, LevelFitSummary, PacketSummary, ScoreSummary

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from evidence_matcher.matcher.engine import Matcher
    from evidence_matcher.matcher.scoring.cohort import CohortRun
    from evidence_matcher.rubrics.track import Track

    from .settings import Settings

INSTRUCTIONS = """\
evidence-matcher maps prose a person wrote about their work (self-reviews, brag docs, incident reviews,
promo docs, pull request descriptions) onto the behaviors of a career ladder (a rubric), offline.
Every citation it returns is a verbatim quote from the text with character offsets (text[start:end] == quote):
quote those, never paraphrase them as evidence. Behaviors without evidence are listed as gaps.
Start with list_rubrics to see the ladders, match_text for one text, score_folder for many files,
level_fit to see which level of a track (a ladder's levels, low to high) documents fit, build_packet for
one person's evidence across documents written over time."""

RubricRef = Annotated[
    str,
    Field(description="A rubric id from list_rubrics (default: the bundled IC6 ladder), or a path to a rubric .yaml."),
]
Paths = Annotated[
    list[str],
    Field(
        description="Files (.md, .txt, .docx, .pdf) and folders (searched recursively). "
        "Absolute paths: relative ones are read from the server's working directory."
    ),
]
Judge = Annotated[
    str,
    Field(
        description="offline (nothing leaves the machine), llm (the LLM the user configured decides; fails if "
        "none is), or auto (llm when configured, else offline)."
    ),
]


@dataclass
class _Scored:
    """A scoring run and what its summaries need to describe it."""

    run: CohortRun
    root: Path | None  # the one folder given, to which documents are shown relative
    track: Track | None
    target: str | None
    fit_bar: float

    def label(self, path: Path) -> str:
        return str(path.relative_to(self.root)) if self.root and path.is_relative_to(self.root) else str(path)


class _Matchers:
    """The server's matchers: one model and index cache, loaded on first use, shared by every judge mode."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.lock = threading.Lock()  # model work, one call at a time; also guards the lazy load
        self._offline: Matcher | None = None
        self._judged: dict[tuple, Matcher] = {}

    def get(self, judge: str = "offline", redact: bool = True, names: tuple[str, ...] = ()) -> Matcher:
        """Call with ``self.lock`` held. Judge settings are checked by the CLI's own function, so a wrong
        mode or a missing LLM model gives the CLI's message."""
        from .settings import judge_config, matcher_spec

        config = judge_config(self.settings, judge, names)
        if self._offline is None:
            started = time.perf_counter()
            self._offline = matcher_spec(self.settings, "offline").load()
            print(f"evidence mcp: matcher loaded in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
        if config is None:
            return self._offline
        if not redact:
            config = replace(config, redact=False)
        key = (config.model, config.redact, config.names)
        if key not in self._judged:
            cache = self.settings.cache_dir / "llm-cache.sqlite" if self.settings.llm_cache else None
            # The same embedders and indexes (shared dicts), with the judge on top.
            self._judged[key] = replace(self._offline, judge=config.build(cache))
        return self._judged[key]


def _tool_errors(fn):
    """The project's errors become a tool error whose text is exactly the CLI's line (``Error: ...``); the SDK's
    own ToolError would prefix it with the tool's name. Anything else is a crash the SDK reports as such."""
    from mcp.types import CallToolResult, TextContent

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except EvidenceError as exc:
            print(f"evidence mcp: {fn.__name__}: {exc}", file=sys.stderr, flush=True)
            return CallToolResult(content=[TextContent(type="text", text=f"Error: {exc}")], is_error=True)

    return wrapper


def _paths(values: list[str]) -> list[Path]:
    from evidence_matcher.matcher.documents import find_documents

    if not values:
        raise InputError("give at least one file or folder")
    documents = find_documents([Path(v).expanduser() for v in values])
    if not documents:
        raise EvidenceError("no .md, .txt, .docx or .pdf files found in the given paths")
    return documents


def _root(values: list[str]) -> Path | None:
    only = Path(values[0]).expanduser() if len(values) == 1 else None
    return only.resolve() if only is not None and only.is_dir() else None


def build_server(settings: Settings) -> MCPServer:
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.tools import Tool

    from .mcp_arguments import OneLineArguments

    matchers = _Matchers(settings)
    tools: list[Tool] = []

    def tool(fn):
        """Register ``fn`` as a tool; the project's errors it raises come back as the CLI's line."""
        tools.append(Tool.from_function(_tool_errors(fn)))
        return fn

    @tool
    def match_text(
        text: Annotated[str, Field(description="The text to match (markdown or plain), e.g. a self-review.")],
        rubric: RubricRef = DEFAULT_RUBRIC_ID,
        judge: Judge = "auto",
        redact: Annotated[
            bool, Field(description="With the LLM judge: replace emails, phones and names before text leaves.")
        ] = True,
        redact_names: Annotated[
            list[str], Field(description="Names to redact before text goes to the LLM (e.g. the author's).")
        ] = [],  # noqa: B006 - the SDK reads the default from the signature; never mutated
    ) -> MatchResult:
        """Match one text against a career-ladder rubric. Returns the evidenced behaviors (strongest first), each with
        its strength (strong / moderate / weak), a rationale and citations: verbatim quotes with character offsets
        into the text you sent (text[start:end] == quote); then the gaps, behaviors with no evidence. The same JSON
        as the HTTP API's POST /v1/match and `evidence tag --format json`."""
        from evidence_matcher.matcher.inputs import check_text
        from evidence_matcher.rubrics.store import load_rubric

        loaded = load_rubric(rubric)
        check_text(text, settings.max_chars)
        with matchers.lock:
            matcher = matchers.get(judge, redact, tuple(redact_names))
            return matcher.match(text, loaded)

    @tool
    def list_rubrics() -> list[RubricSummary]:
        """List the bundled career-ladder rubrics: id (pass it as `rubric` to the other tools), title, how many
        behaviors can be evidenced, notes (shown, never matched) and a content fingerprint."""
        from evidence_matcher.rubrics.summary import bundled_summaries

        return bundled_summaries()

    @tool
    def show_rubric(rubric: RubricRef = DEFAULT_RUBRIC_ID) -> Rubric:
        """A rubric in full: its areas, their responsibilities and each behavior's id and text (the ladder's own
        words). Use the behavior ids and texts to explain a match or a gap."""
        from evidence_matcher.rubrics.store import load_rubric

        return load_rubric(rubric)

    @tool
    def score_folder(
        paths: Paths,
        out: Annotated[
            str,
            Field(
                description="Folder for the reports and the results store (results.sqlite); created if missing. "
                "Scoring the same folder again re-scores only new or changed documents."
            ),
        ],
        rubric: RubricRef = DEFAULT_RUBRIC_ID,
        track: Annotated[
            str | None,
            Field(description="A <id>.track.yaml: score every level of the track and report each document's fit."),
        ] = None,
        level: Annotated[
            str | None, Field(description="With track: report the gaps to the level above this one.")
        ] = None,
        judge: Judge = "auto",
        rescore: Annotated[bool, Field(description="Score again what the store already has.")] = False,
    ) -> ScoreSummary:
        """Batch-score many documents (e.g. a cohort's promo docs) like `evidence score`: writes one Markdown and JSON
        report per document, a cohort CSV and an HTML cohort report, and returns counts, failures and the paths of the
        reports. Unreadable files (empty, corrupt, encrypted) are listed with a reason; the rest are scored."""
        return _score(paths, Path(out).expanduser(), rubric, track, level, DEFAULT_BAR, judge, rescore)

    @tool
    def level_fit(
        paths: Paths,
        track: Annotated[str, Field(description="A <id>.track.yaml listing a role's levels, low to high.")],
        level: Annotated[
            str | None,
            Field(description="The gaps are measured to the level above this one (default: the level each fits)."),
        ] = None,
        fit_bar: Annotated[
            float, Field(ge=0, le=1, description="A level fits when this share of its behaviors is evidenced.")
        ] = DEFAULT_BAR,
        out: Annotated[
            str | None, Field(description="Folder to also write the reports and results store into (optional).")
        ] = None,
    ) -> LevelFitSummary:
        """Which level of a track each document evidences: every document is matched against every level; for each,
        the coverage of each level (share of its behaviors evidenced), the fit (the highest level with coverage of at
        least fit_bar) and the behaviors of the next level with no evidence. Offline judge."""
        from evidence_matcher.matcher.scoring.levels import level_fit

        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(out).expanduser() if out else Path(scratch)
            scored = _run(paths, folder, DEFAULT_RUBRIC_ID, track, level, fit_bar, "offline", False)
        assert scored.track is not None  # a track was given
        fits = []
        for row in scored.run.rows:
            failed = next((o for o in row if o.result is None), None)
            if failed is not None:
                fits.append(DocumentFit(document=scored.label(row[0].path), error=failed.error))
                continue
            fit = level_fit(scored.track, [o.result for o in row if o.result], fit_bar, scored.target)
            fits.append(DocumentFit(document=scored.label(row[0].path), level_fit=fit.as_dict()))
        levels = scored.track.level_names()
        return LevelFitSummary(
            track=scored.track.id, levels=levels, documents=fits, reports=str(folder) if out else None
        )

    @tool
    def build_packet(
        paths: Paths,
        out: Annotated[str, Field(description="Folder for the packet files and the results store.")],
        track: Annotated[
            str | None, Field(description="A <id>.track.yaml: the packet shows one of its levels.")
        ] = None,
        level: Annotated[
            str | None,
            Field(description="With track: the level the packet is for (default: the level above the fit)."),
        ] = None,
        rubric: RubricRef = DEFAULT_RUBRIC_ID,
        period: Annotated[
            str, Field(description="Columns of the coverage matrix: month, quarter or half.")
        ] = "quarter",
        person: Annotated[str | None, Field(description="Whose packet it is (its title).")] = None,
        judge: Judge = "auto",
    ) -> PacketSummary:
        """One person's evidence packet from many documents written over time (like `evidence packet`): per behavior
        the strongest citations across all documents with their dates, a behavior x period coverage matrix, and the
        gaps to the target level; written as Markdown, HTML, .docx and JSON. Documents are dated by front matter
        `date:`, an import's timestamp, a dated heading, or the file's modification time. Unchanged documents are
        not scored again."""
        from evidence_matcher.matcher.packet.periods import check_period
        from evidence_matcher.matcher.packet.run import make_packet
        from evidence_matcher.matcher.scoring.levels import rubrics_to_score

        check_period(period)
        loaded_track, rubrics, target = rubrics_to_score(rubric, track, level)
        documents = _paths(paths)
        with matchers.lock:
            run = make_packet(
                documents,
                matchers.get(judge),
                rubrics,
                Path(out).expanduser(),
                loaded_track,
                target,
                period,
                person,
                root=_root(paths),
            )
        packet = run.packet
        return PacketSummary(
            target=packet.target,
            fit=packet.fit,
            evidenced=packet.evidenced,
            behaviors=len(packet.behaviors),
            periods=packet.periods,
            coverage={b.behavior.behavior_id: b.cells for b in packet.behaviors},
            gaps={area: [f"{g.behavior_id}: {g.text}" for g in refs] for area, refs in packet.gaps.items()},
            documents=len(documents),
            scored=run.counts["scored"],
            stored=run.counts["stored"],
            failures=run.errors,
            files={kind: str(path) for kind, path in run.written.items()},
        )

    def _run(paths, out, rubric, track, level, fit_bar, judge, rescore) -> _Scored:
        from evidence_matcher.matcher.scoring.cohort import score_cohort
        from evidence_matcher.matcher.scoring.levels import rubrics_to_score

        loaded_track, rubrics, target = rubrics_to_score(rubric, track, level)
        documents = _paths(paths)
        root = _root(paths)
        with matchers.lock:
            matcher = matchers.get(judge)
            run = score_cohort(documents, matcher, rubrics, out, loaded_track, target, fit_bar, root, rescore)
        return _Scored(run, root, loaded_track, target, fit_bar)

    def _score(paths, out, rubric, track, level, fit_bar, judge, rescore) -> ScoreSummary:
        from evidence_matcher.matcher.scoring.levels import level_fit
        from evidence_matcher.matcher.scoring.reports import report_name

        scored = _run(paths, out, rubric, track, level, fit_bar, judge, rescore)
        run, per_document = scored.run, []
        for row in run.rows:
            first = row[0]
            failed = next((o for o in row if o.result is None), None)
            entry = DocumentScore(document=scored.label(first.path), status="failed" if failed else first.status)
            if failed is not None:
                entry.error = failed.error
            else:
                results = [o.result for o in row if o.result]
                shown = 0
                if scored.track is not None:
                    fit = level_fit(scored.track, results, fit_bar, scored.target)
                    entry.fit = fit.fit
                    shown = scored.track.level_names().index(fit.fit) if fit.fit else 0
                entry.evidenced = len(results[shown].matches)
                entry.report = str(run.written["documents"] / f"{report_name(first, scored.root)}.md")
            per_document.append(entry)
        return ScoreSummary(
            documents=len(run.rows),
            scored=run.counts["scored"],
            stored=run.counts["stored"],
            failed=run.counts["failed"],
            failures=run.errors,
            cohort_html=str(run.written["html"]),
            cohort_csv=str(run.written["csv"]),
            documents_folder=str(run.written["documents"]),
            per_document=per_document,
        )

    server: MCPServer = MCPServer(
        "evidence-matcher",
        instructions=INSTRUCTIONS,
        log_level="WARNING",
        warn_on_duplicate_resources=False,
        tools=tools,
        extensions=[OneLineArguments(tools)],  # wrong or missing arguments: one line too, checked before the SDK
    )
    _add_rubric_resources(server)
    return server


def _add_rubric_resources(server: MCPServer) -> None:
    """Each bundled rubric as a resource, ``rubric://<id>``, its canonical YAML."""
    from evidence_matcher.rubrics.store import bundled_rubric_paths, dump_rubric, load_rubric_file

    def reader(path: Path):
        return lambda: dump_rubric(load_rubric_file(path))  # read when asked for: the file may change

    for rubric_id, path in bundled_rubric_paths().items():
        title = load_rubric_file(path).title
        server.resource(
            f"rubric://{rubric_id}",
            name=rubric_id,
            title=title,
            description=f"The {title} rubric (canonical YAML): areas, responsibilities, behaviors with ids.",
            mime_type="application/yaml",
        )(reader(path))


def serve(settings: Settings) -> None:
    """Serve MCP over this process's stdin and stdout until the client closes them."""
    build_server(settings).run("stdio")
