"""Importers of work evidence (GitHub, Jira, Slack exports): their fixtures in the real formats, and bad input.

Then the way in: `evidence tag --from` and `evidence score --from`, whose citations keep each record's link in
every report (JSON, Markdown, HTML), with the fake embedder configured in place of the model.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evidence_matcher.errors import InputError
from evidence_matcher.matcher.decision import DecisionParams
from evidence_matcher.matcher.frontmatter import read_front_matter
from evidence_matcher.matcher.segment import segment_text
from evidence_matcher.matcher.sources import load_export, source_of, write_records

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sources"
PARAMS = DecisionParams(threshold=0.6, max_rank=1, moderate=0.8, strong=0.95)
ROTATION = (
    "I noticed TLS certificates across the company were still renewed by hand, so I built and rolled out automated "
    "rotation even though no team owned it."
)


def test_github_pr_and_issue_lists_and_api_pages():
    prs = load_export("github", FIXTURES / "github" / "prs.json")
    assert [r.id for r in prs.records] == [
        "acme/platform#412",
        "acme/platform#415",
        "acme/platform#431",
        "acme/platform#433",
    ]
    first = prs.records[0]
    assert (first.item, first.date, first.date_field) == (
        "pull request",
        datetime(2025, 3, 14, 10, 22, 3, tzinfo=UTC),
        "mergedAt",
    )
    assert first.url == "https://github.com/acme/platform/pull/412" and first.author == "dokafor"
    assert first.labels == ("reliability",) and ROTATION in first.body
    assert prs.problems == [] and prs.notes == []

    mine = load_export("github", FIXTURES / "github" / "prs.json", user="Dana Okafor")  # login or name
    assert [r.id for r in mine.records] == ["acme/platform#412", "acme/platform#431"]

    issues = load_export("github", FIXTURES / "github" / "issues.json")
    assert [(r.id, r.item, r.date_field) for r in issues.records] == [
        ("acme/platform#77", "issue", "closedAt"),
        ("acme/platform#81", "issue", "createdAt"),  # still open: dated when opened
    ]

    pages = load_export("github", FIXTURES / "github" / "api-paginated.json")  # two arrays, REST field names
    assert [(r.id, r.url, r.date_field) for r in pages.records] == [
        ("acme/payments#90", "https://github.com/acme/payments/pull/90", "mergedAt"),
        ("acme/payments#88", "https://github.com/acme/payments/pull/88", "closedAt"),  # closed unmerged
    ]
    assert pages.records[1].body == ""  # a null body is an empty one


def test_jira_csv_export():
    result = load_export("jira", FIXTURES / "jira" / "issues.csv", site="https://acme.atlassian.net/")
    assert [(r.id, r.item, r.date_field) for r in result.records] == [
        ("OPS-101", "epic", "Resolved"),
        ("OPS-117", "task", "Resolved"),
        ("OPS-130", "story", "Created"),  # not resolved yet
    ]
    epic = result.records[0]
    assert epic.date == datetime(2025, 5, 30, 17, 12) and epic.url == "https://acme.atlassian.net/browse/OPS-101"
    assert epic.labels == ("reliability", "payments")  # the repeated Labels columns
    assert "## Outcome" in epic.body and "```" in epic.body and "{code}" not in epic.body  # wiki markup as Markdown
    assert "$4M multi-region investment" in epic.body and "Great work" in epic.body  # both comments' text
    assert result.notes == []

    assigned = load_export("jira", FIXTURES / "jira" / "issues.csv", user="Dana Okafor")
    assert [r.id for r in assigned.records] == ["OPS-101", "OPS-130"]
    assert "Great work" not in assigned.records[0].body  # another person's comment is left out
    assert assigned.records[0].url is None and "--source-url" in assigned.notes[0]  # the CSV carries no links


def test_slack_export_folder_keeps_one_persons_messages():
    everyone = load_export("slack", FIXTURES / "slack" / "export")
    assert len(everyone.records) == 5  # joins and bot messages are not a person's words
    dana = load_export("slack", FIXTURES / "slack" / "export", user="dana.o")  # display name, handle, id or name
    assert [r.id for r in dana.records] == [
        "#general 1743598800.000100",
        "#incidents 1741945321.000200",
        "#incidents 1742036400.000500",
    ]
    assert {r.id for r in load_export("slack", FIXTURES / "slack" / "export", user="U01DANA").records} == {
        r.id for r in dana.records
    }
    command = dana.records[1]
    assert command.date == datetime(2025, 3, 14, 9, 42, 1, 200, tzinfo=UTC) and command.date_field == "ts"
    # The workspace address comes from a file permalink in the export.
    assert command.url == "https://acme-eng.slack.com/archives/C01INCIDENTS/p1741945321000200"
    assert command.body.endswith("@robin can you grab the database dashboards?")  # <@U02ROBIN> as a name
    assert "PM-42" in dana.records[2].body and "<https" not in dana.records[2].body
    reply = next(r for r in everyone.records if r.author == "robin" and "replication" in r.body)
    assert reply.body == "On it & looking at replication lag now." and "thread_ts=1741945321.000200" in reply.url
    site = load_export("slack", FIXTURES / "slack" / "export", user="dana", site="https://acme.slack.com")
    assert site.records[0].url.startswith("https://acme.slack.com/archives/C02GENERAL/p")


@pytest.mark.parametrize(
    "kind, name, expected",
    [
        ("github", "github/partly-bad.json", ["record 2 (#502): no title", "record 3: not a JSON object", "mergedAt"]),
        ("jira", "jira/partly-bad.csv", ["record 2 (LED-8): no summary", "12 cells under a header of 10", "Created"]),
        (
            "slack",
            "slack/partly-bad",
            ["2025-05-01.json: message 2: no timestamp", "message 3", "2025-05-02.json: not"],
        ),
    ],
)
def test_a_partly_bad_export_imports_the_good_records_and_names_the_bad(kind, name, expected):
    result = load_export(kind, FIXTURES / name)
    assert len(result.records) == 1
    assert len(result.problems) == 3
    for line, part in zip(result.problems, expected, strict=True):
        assert part in line and "\n" not in line
        assert Path(name).name in line or kind == "slack"


@pytest.mark.parametrize(
    "kind, name, message",
    [
        ("github", "github/malformed.json", "malformed.json: record 1: not valid JSON at line 2 column 45"),
        ("jira", "jira/malformed.csv", "malformed.csv: record 1 (line 2): not readable CSV"),
        ("jira", "jira/not-jira.csv", "not-jira.csv: not a Jira CSV export"),
        ("github", "github/empty.json", "empty.json: the export is empty (no pull requests or issues)"),
        ("jira", "jira/empty.csv", "empty.csv: the export is empty (no issues)"),
        ("slack", "slack/empty", "empty: the export is empty (no messages)"),
        ("slack", "github", "not a Slack export"),
        ("github", "slack", "is a folder"),
    ],
)
def test_a_malformed_or_empty_export_is_one_line_naming_the_file(kind, name, message):
    with pytest.raises(InputError) as caught:
        load_export(kind, FIXTURES / name)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_user_with_no_records_and_an_unknown_kind_say_so():
    with pytest.raises(InputError, match="none of its 4 pull requests or issues is by the --user given"):
        load_export("github", FIXTURES / "github" / "prs.json", user="nobody")
    with pytest.raises(InputError, match="--from must be github, jira, slack, not 'gitlab'"):
        load_export("gitlab", FIXTURES / "github" / "prs.json")


def test_a_record_is_a_dated_document_whose_metadata_is_never_cited(tmp_path):
    record = load_export("github", FIXTURES / "github" / "prs.json").records[0]
    (path,) = write_records([record], tmp_path, mtime=0)
    text = path.read_text(encoding="utf-8")
    assert path.name == "acme-platform-412.md" and path.parent.name == "github"
    meta = read_front_matter(text)
    assert meta["link"] == record.url and meta["source"] == "github" and meta["date_field"] == "mergedAt"
    assert path.stat().st_mtime == record.date.timestamp()
    quotes = [s.quote for s in segment_text(text)]
    assert ROTATION in quotes and not any("github.com" in q or "mergedAt" in q for q in quotes)
    source = source_of(text)
    assert (source.kind, source.id, source.url) == ("github", "acme/platform#412", record.url)
    before = path.stat().st_mtime_ns
    write_records([record], tmp_path)  # unchanged: the file is left as it is
    assert path.stat().st_mtime_ns == before


def test_tag_from_an_export_keeps_each_records_link(fake_model_env):
    from evidence_matcher.api.cli.root import app

    fake_model_env(PARAMS)
    result = CliRunner().invoke(
        app, ["tag", "--from", "github", str(FIXTURES / "github" / "prs.json"), "--user", "dokafor", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    results = json.loads(result.stdout)
    assert [r["source"]["id"] for r in results] == ["acme/platform#412", "acme/platform#431"]
    rotation = results[0]
    assert rotation["source"]["url"] == "https://github.com/acme/platform/pull/412"
    assert rotation["matches"][0]["behavior_id"] == "ownership.1"
    assert rotation["matches"][0]["citations"][0]["quote"] == ROTATION
    markdown = CliRunner().invoke(
        app, ["tag", "--from", "github", str(FIXTURES / "github" / "prs.json"), "--user", "dokafor", "-f", "markdown"]
    )
    assert "(https://github.com/acme/platform/pull/412)" in markdown.stdout
    assert f"\u201c{ROTATION}\u201d" in markdown.stdout
    both = CliRunner().invoke(app, ["tag", "x.md", "--from", "github", str(FIXTURES / "github" / "prs.json")])
    assert both.exit_code != 0 and "not both" in str(both.exception)


def test_score_from_an_export_links_every_report(fake_model_env, tmp_path):
    from evidence_matcher.api.cli.root import app

    fake_model_env(PARAMS)
    out = tmp_path / "out"
    args = ["score", "--from", "slack", str(FIXTURES / "slack" / "export"), "--user", "dana", "--out", str(out)]
    first = CliRunner().invoke(app, [*args, "--judge", "offline"])
    assert first.exit_code == 0, first.output
    assert "3 documents: 3 scored, 0 already in the store, 0 failed" in first.stdout
    assert "imported 3 records" in first.stderr
    url = "https://acme-eng.slack.com/archives/C01INCIDENTS/p1742036400000500"
    report = next(p for p in (out / "documents").glob("*.json") if "1742036400" in p.name)
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["source"]["url"] == url and data["matches"][0]["citations"][0]["quote"] == ROTATION
    markdown = report.with_suffix(".md").read_text(encoding="utf-8")
    assert f"\u201c{ROTATION}\u201d" in markdown and f"]({url})" in markdown.split(ROTATION)[1].splitlines()[0]
    assert f'href="{url}"' in (out / "cohort.html").read_text(encoding="utf-8")
    # The imported records are the files scored: offsets index into them.
    scored = out / "sources" / "slack"
    cited = data["matches"][0]["citations"][0]
    text = next(p for p in scored.glob("*.md") if "1742036400" in p.name).read_text(encoding="utf-8")
    assert text[cited["start"] : cited["end"]] == ROTATION
    again = CliRunner().invoke(app, [*args, "--judge", "offline"])
    assert "3 documents: 0 scored, 3 already in the store, 0 failed" in again.stdout
