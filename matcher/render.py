"""Human renderings of a MatchResult: a terminal table and Markdown."""

from __future__ import annotations

from itertools import groupby

from evidence_matcher.matcher.result import MatchResult, SourceRef


def _by_area(result: MatchResult):
    """(area, matches strongest first) in rubric order."""
    rank = {area: i for i, area in enumerate(result.rubric.areas)}
    ordered = sorted(result.matches, key=lambda m: (rank.get(m.area, len(rank)), -m.score))
    return groupby(ordered, key=lambda m: m.area)


def _judge_line(result: MatchResult) -> str:
    judge = result.judge
    line = f"{judge.mode} judge, model {result.model}"
    if judge.status != "ok":
        line += f"; LLM judge {judge.status}: {judge.reason}"
    if result.usage:
        u = result.usage
        line += (
            f"; {u.calls} LLM calls, {u.cache_hits} cached, {u.input_tokens}+{u.output_tokens} tokens, "
            f"{u.quotes_located}/{u.quotes_returned} quotes located"
        )
    return line


def source_link(source: SourceRef) -> str:
    """A Markdown link to an imported item (its id), or its id alone when the export gave no link."""
    return f"[{source.id}]({source.url})" if source.url else source.id


def render_markdown(result: MatchResult) -> str:
    lines = [f"# Evidence for {result.rubric.title}", ""]
    source = result.source
    if source is not None:
        when = f", {source.date}" if source.date else ""
        lines += [f"Source: {source.kind} {source_link(source)}{when}: {source.title}", ""]
    lines.append(f"{len(result.matches)} of {result.rubric.behaviors} behaviors evidenced ({_judge_line(result)}).")
    at = f"; {source_link(source)}" if source is not None and source.url else ""  # each citation keeps its link
    for area, matches in _by_area(result):
        lines += ["", f"## {area}", ""]
        for m in matches:
            lines.append(f"- **{m.behavior_id}** ({m.strength}, {m.score:.2f}): {m.text}")
            for c in m.citations:
                lines.append(f"  > \u201c{c.quote}\u201d (chars {c.start}\u2013{c.end}{at})")
    if result.gaps:
        lines += ["", "## Gaps (no evidence found)", ""]
        lines += [f"- **{g.behavior_id}** ({g.area}): {g.text}" for g in result.gaps]
    return "\n".join(lines) + "\n"


def render_table(result: MatchResult) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(
        title=f"{result.rubric.title}: {len(result.matches)} of {result.rubric.behaviors} behaviors evidenced",
        show_lines=True,
    )
    table.add_column("Area")
    table.add_column("Behavior", max_width=48)
    table.add_column("Strength")
    table.add_column("Evidence (verbatim)", max_width=70)
    colors = {"strong": "green", "moderate": "yellow", "weak": "bright_black"}
    for area, matches in _by_area(result):
        for m in matches:
            quotes = "\n".join(f"\u201c{c.quote}\u201d [{c.start}:{c.end}]" for c in m.citations)
            table.add_row(
                area,
                f"[bold]{m.behavior_id}[/] {m.text}",
                f"[{colors[m.strength]}]{m.strength}[/] {m.score:.2f}",
                quotes,
            )
    if result.source is not None:
        source = result.source
        console.print(f"[bold]{source.kind} {source.id}[/] {source.title} {source.url or ''}", highlight=False)
    console.print(table)
    console.print(f"[dim]{_judge_line(result)}[/]")
    if result.gaps:
        console.print(f"[bold]Gaps[/] ({len(result.gaps)}): " + ", ".join(g.behavior_id for g in result.gaps))
