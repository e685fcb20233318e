"""What the MCP server's tools return beyond the project's own models (MatchResult, Rubric, RubricSummary):
summaries of a scoring run, a level fit and a packet, with the paths of the files they wrote. Field
descriptions are part of each tool's output schema, read by the model that calls it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class DocumentScore(BaseModel):
    document: str = Field(description="The file, relative to the folder scored when one folder was given.")
    status: str = Field(description="scored (now), stored (an earlier run's result), or failed.")
    error: str | None = None
    evidenced: int | None = Field(None, description="Behaviors evidenced (against the rubric, or the fit level).")
    fit: str | None = Field(None, description="With a track: the highest level whose coverage reaches the bar.")
    report: str | None = Field(None, description="Path of this document's Markdown report (open it for citations).")


class ScoreSummary(BaseModel):
    documents: int
    scored: int = Field(description="(document, rubric) pairs scored by this call.")
    stored: int = Field(description="Pairs already in the results store (unchanged documents are never re-scored).")
    failed: int
    failures: list[str] = Field(description="One line per unreadable or unscorable document.")
    cohort_html: str = Field(description="Path of the cohort report (coverage by area, documents x behaviors).")
    cohort_csv: str
    documents_folder: str = Field(description="Folder of per-document reports (.md and .json).")
    per_document: list[DocumentScore]


class DocumentFit(BaseModel):
    document: str
    error: str | None = None
    level_fit: dict[str, Any] | None = Field(
        None,
        description="bar, fit (highest level with coverage >= bar), target, next_level, levels (coverage of "
        "each), gaps_to_next_level (behaviors of the next level with no evidence).",
    )


class LevelFitSummary(BaseModel):
    track: str
    levels: list[str] = Field(description="The track's levels, lowest first.")
    documents: list[DocumentFit]
    reports: str | None = Field(None, description="Folder with the reports, when an output folder was given.")


class PacketSummary(BaseModel):
    target: str | None = Field(None, description="With a track: the level the packet shows (evidence and gaps).")
    fit: str | None = Field(None, description="With a track: the highest level all the documents together fit.")
    evidenced: int = Field(description="Behaviors of the target level (or rubric) with at least one citation.")
    behaviors: int
    periods: list[str] = Field(description="The columns of the coverage matrix, oldest first.")
    coverage: dict[str, list[str]] = Field(
        description="Behavior id -> strongest evidence per period (none, weak, moderate, strong), in periods' order."
    )
    gaps: dict[str, list[str]] = Field(description="Area -> behaviors with no evidence ('<id>: <ladder text>').")
    documents: int
    scored: int
    stored: int
    failures: list[str]
    files: dict[str, str] = Field(description="The packet as markdown, html, docx and json (open the Markdown).")
