"""`evidence packet`: one person's evidence from many dated documents (and a GitHub export), with known answers.

The fake bag-of-words embedder scores a sentence that is a behavior's example 1.0 for it (strong), and the same
sentence with a few made-up words added lower by a known amount (cosine sqrt(n / (n + k)) for n words and k added
ones): so every citation's strength, date and period, every cell of the matrix and every gap is known in advance.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evidence_matcher.errors import EvidenceError
from evidence_matcher.matcher.packet.dates import date_document, heading_date
from evidence_matcher.matcher.packet.periods import period_of, periods_between
from tests.test_score_levels import PARAMS, example, make_track

JUNK = ["zorp", "quix", "blen", "vask", "mirt", "trel", "snub", "plog"]  # words no rubric has


def weaker(sentence: str, added: int) -> str:
    """The sentence with ``added`` made-up words: 9-word examples give moderate with 3, weak with 8."""
    return sentence.rstrip(".") + " " + " ".join(JUNK[:added]) + "."


def pr(number: int, merged: str, body: str, login: str = "dokafor") -> dict:
    return {
        "number": number,
        "title": f"Change {number}",
        "body": body,
        "url": f"https://github.com/acme/widgets/pull/{number}",
        "mergedAt": merged,
        "author": {"id": "U1", "is_bot": False, "login": login, "name": "Dana Okafor"},
        "labels": [],
    }


def set_mtime(path: Path, day: date) -> None:
    stamp = datetime(day.year, day.month, day.day, 12).timestamp()
    os.utime(path, (stamp, stamp))


def test_dates_from_front_matter_an_import_a_heading_or_the_file(tmp_path):
    assert heading_date("2025-03-14") == date(2025, 3, 14)
    assert heading_date("Week of 2025-03-14: launches") == date(2025, 3, 14)
    assert heading_date("March 2025") == date(2025, 3, 1)
    assert heading_date("Sept. 3rd, 2024") == date(2024, 9, 3)
    assert heading_date("14 March 2025") == date(2025, 3, 14)
    assert heading_date("2025-11") == date(2025, 11, 1)
    assert heading_date("Goals for the year") is None and heading_date("2025-13-01") is None

    path = tmp_path / "doc.md"
    path.write_text("x", encoding="utf-8")
    set_mtime(path, date(2024, 6, 30))
    assert date_document(path, "---\ndate: 2025-02-01\n---\n## March 2025\ntext").document.how == "front matter"
    imported = date_document(
        path, "---\nsource: github\ndate: '2025-02-01T10:00:00+00:00'\ndate_field: mergedAt\n---\n"
    )
    assert (imported.document.day, imported.document.how) == (date(2025, 2, 1), "import (github mergedAt)")
    text = "# Brag doc\n\nintro\n\n## 2025-01-10\n\n- one\n\n## April 2025\n\n- two\n"
    dated = date_document(path, text)
    assert (dated.document.day, dated.document.how, len(dated.sections)) == (date(2025, 1, 10), "heading", 2)
    assert dated.at(text.index("one")).day == date(2025, 1, 10) and dated.at(text.index("two")).day == date(2025, 4, 1)
    assert dated.at(text.index("intro")).day == date(2025, 1, 10)  # before any dated heading: the document's
    plain = date_document(path, "no dates here")
    assert (plain.document.day, plain.document.how) == (date(2024, 6, 30), "file modified")


def test_periods():
    assert [period_of(date(2025, m, 1), "quarter") for m in (1, 3, 4, 12)] == [
        "2025-Q1",
        "2025-Q1",
        "2025-Q2",
        "2025-Q4",
    ]
    assert period_of(date(2025, 7, 1), "half") == "2025-H2" and period_of(date(2025, 7, 1), "month") == "2025-07"
    assert periods_between(date(2024, 11, 5), date(2025, 2, 1), "quarter") == ["2024-Q4", "2025-Q1"]
    assert periods_between(date(2025, 1, 31), date(2025, 3, 1), "month") == ["2025-01", "2025-02", "2025-03"]
    assert periods_between(date(2024, 3, 1), date(2025, 8, 1), "half") == ["2024-H1", "2024-H2", "2025-H1", "2025-H2"]


@pytest.fixture
def folder(tmp_path):
    """Four documents dated four ways, whose evidence for W2 is known citation by citation."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "q1.md").write_text(
        f"---\ndate: 2025-01-15\n---\n# January\n\n- {example('W2', 0)}\n- {weaker(example('W1', 2), 3)}\n",
        encoding="utf-8",
    )
    (docs / "brag.md").write_text(
        f"# Brag doc\n\n## 2025-04-03\n\n- {weaker(example('W2', 0), 8)}\n\n## May 2025\n\n- {example('W2', 2)}\n",
        encoding="utf-8",
    )
    notes = docs / "notes.txt"
    notes.write_text(f"{example('W2', 0, 1)}\n\n{example('W2', 1)}\n", encoding="utf-8")
    set_mtime(notes, date(2025, 8, 20))
    export = tmp_path / "prs.json"
    export.write_text(
        json.dumps(
            [
                pr(7, "2025-11-02T10:00:00Z", example("W3", 0)),
                pr(8, "2025-11-03T10:00:00Z", example("W3", 1), login="someone-else"),
            ]
        ),
        encoding="utf-8",
    )
    return docs, export


def run_packet(args: list[str]):
    from evidence_matcher.api.cli.root import app

    result = CliRunner().invoke(app, ["packet", *args, "--judge", "offline"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def test_a_packet_whose_answer_is_known(folder, tmp_path, fake_model_env):
    docs, export = folder
    track = make_track(tmp_path / "tracks")
    fake_model_env(PARAMS)
    out = tmp_path / "packet"
    common = [str(docs), "--out", str(out), "--track", str(track), "--from", "github", str(export), "--user", "dokafor"]
    result = run_packet([*common, "--level", "w2", "--person", "Dana Okafor"])
    assert "4 documents × 3 levels: 12 scored, 0 already in the store, 0 failed" in result.stdout
    assert "3 of 4 behaviors evidenced at W2" in result.stdout
    packet = json.loads((out / "packet.json").read_text(encoding="utf-8"))
    assert (packet["target"], packet["target_given"], packet["person"]) == ("W2", True, "Dana Okafor")
    assert packet["periods"] == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    behaviors = {b["behavior_id"]: b for b in packet["behaviors"]}
    assert {k: list(b["cells"].values()) for k, b in behaviors.items()} == {
        "delivery.1": ["strong", "weak", "strong", "none"],
        "delivery.2": ["none", "none", "strong", "none"],
        "team.1": ["none", "strong", "none", "none"],
        "team.2": ["none", "none", "none", "none"],
    }
    # Strongest first, then the most recent; each citation with its document, date, how it was dated, offsets.
    cited = [(c["document"], c["day"], c["dated_by"], c["strength"]) for c in behaviors["delivery.1"]["citations"]]
    assert cited == [
        ("notes.txt", "2025-08-20", "file modified", "strong"),
        ("q1.md", "2025-01-15", "front matter", "strong"),
        ("brag.md", "2025-04-03", "heading", "weak"),
    ]
    for behavior in packet["behaviors"]:
        for c in behavior["citations"]:
            assert Path(c["path"]).read_text(encoding="utf-8")[c["start"] : c["end"]] == c["quote"]
    assert behaviors["team.1"]["citations"][0]["day"] == "2025-05-01"  # the section under "## May 2025"
    assert packet["gaps"] == {
        "Team": [{"behavior_id": "team.2", "text": "Runs incident reviews.", "area": "Team", "responsibility": "Team"}]
    }
    dated = {d["document"]: (d["date"], d["dated_by"]) for d in packet["documents"]}
    assert dated == {
        "brag.md": ("2025-04-03", "heading"),
        "notes.txt": ("2025-08-20", "file modified"),
        "q1.md": ("2025-01-15", "front matter"),
        "github acme/widgets#7": ("2025-11-02", "import (github mergedAt)"),  # #8 is someone else's
    }

    markdown = (out / "packet.md").read_text(encoding="utf-8")
    assert "# Evidence packet: Dana Okafor: Widget Engineer W2\n" in markdown
    assert "| **delivery.1** Leads a project end to end. | strong | weak | strong | · |" in markdown
    assert f"\u201c{example('W2', 0)}\u201d" in markdown and "## Gaps to W2" in markdown
    page = (out / "packet.html").read_text(encoding="utf-8")
    assert page.count('class="cell strong"') == 4 and page.count('class="cell weak"') == 1
    import docx

    document = docx.Document(str(out / "packet.docx"))
    matrix = document.tables[1]
    assert [c.text for c in matrix.rows[1].cells] == [
        "delivery.1 Leads a project end to end.",
        "strong",
        "weak",
        "strong",
        "",
    ]
    assert 'w:fill="1F5BB5"' in matrix.rows[1].cells[1]._tc.xml
    assert any(example("W2", 0) in p.text for p in document.paragraphs)

    # Without --level: the level above the one the evidence fits; the import's citation keeps its link everywhere.
    bar = run_packet([*common, "--fit-bar", "0.6"])
    assert "0 scored, 12 already in the store" in bar.stdout
    packet = json.loads((out / "packet.json").read_text(encoding="utf-8"))
    assert (packet["fit"], packet["target"], packet["target_given"]) == ("W2", "W3", False)
    assert [(lv["level"], lv["evidenced"]) for lv in packet["levels"]] == [("W1", 1), ("W2", 3), ("W3", 1)]
    (strategy,) = [b for b in packet["behaviors"] if b["citations"]]
    link = "https://github.com/acme/widgets/pull/7"
    assert strategy["citations"][0]["link"] == link and strategy["cells"]["2025-Q4"] == "strong"
    assert f"[acme/widgets#7]({link})" in (out / "packet.md").read_text(encoding="utf-8")
    assert f'href="{link}"' in (out / "packet.html").read_text(encoding="utf-8")
    assert link in (out / "packet.docx").read_bytes().decode("latin-1") or _docx_has_link(out / "packet.docx", link)

    # A grown folder: only the new document is scored; its evidence fills the gap.
    (docs / "late.md").write_text(f"---\ndate: 2025-12-10\n---\n- {example('W2', 3)}\n", encoding="utf-8")
    grown = run_packet([*common, "--level", "W2"])
    assert "5 documents × 3 levels: 3 scored, 12 already in the store, 0 failed" in grown.stdout
    packet = json.loads((out / "packet.json").read_text(encoding="utf-8"))
    assert (
        packet["gaps"] == {}
        and {b["behavior_id"]: b["cells"]["2025-Q4"] for b in packet["behaviors"]}["team.2"] == "strong"
    )


def _docx_has_link(path: Path, url: str) -> bool:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return url in archive.read("word/_rels/document.xml.rels").decode("utf-8")


def test_fifty_dated_documents_and_a_github_export(tmp_path, fake_model_env):
    """50 documents, two a month over two years, each showing one W2 behavior at a strength set by a schedule, plus
    a GitHub export: the matrix is exactly the schedule's strongest strength per behavior and quarter."""
    track = make_track(tmp_path / "tracks")
    docs = tmp_path / "year"
    docs.mkdir()
    strengths = [("strong", 0), ("moderate", 3), ("weak", 8)]
    expected: dict[tuple[int, str], str] = {}
    rank = {"none": 0, "weak": 1, "moderate": 2, "strong": 3}
    for i in range(50):
        day = date(2024 + i // 24, i // 2 % 12 + 1, 1 + 14 * (i % 2))
        behavior = (i * 7) % 4 if i % 5 else 3 - i % 4  # an uneven spread over W2's four behaviors
        label, added = strengths[(i // 3) % 3]
        sentence = example("W2", behavior) if not added else weaker(example("W2", behavior), added)
        (docs / f"entry-{i:02d}.md").write_text(f"---\ndate: {day.isoformat()}\n---\n- {sentence}\n", encoding="utf-8")
        key = (behavior, period_of(day, "quarter"))
        if rank[label] > rank.get(expected.get(key, "none"), 0):
            expected[key] = label
    export = tmp_path / "prs.json"
    export.write_text(json.dumps([pr(1, "2026-02-01T09:00:00Z", example("W2", 3))]), encoding="utf-8")
    expected[(3, "2026-Q1")] = "strong"
    fake_model_env(PARAMS)
    out = tmp_path / "packet"
    args = [str(docs), "--out", str(out), "--track", str(track), "--level", "W2", "--from", "github", str(export)]
    result = run_packet(args)
    assert "51 documents × 3 levels: 153 scored" in result.stdout
    packet = json.loads((out / "packet.json").read_text(encoding="utf-8"))
    assert packet["periods"] == [f"{y}-Q{q}" for y in (2024, 2025) for q in (1, 2, 3, 4)] + ["2026-Q1"]
    ids = [b["behavior_id"] for b in packet["behaviors"]]
    for b in packet["behaviors"]:
        for period, cell in b["cells"].items():
            assert cell == expected.get((ids.index(b["behavior_id"]), period), "none"), (b["behavior_id"], period)
    assert all((out / f"packet.{kind}").stat().st_size > 1000 for kind in ("md", "html", "docx", "json"))


def test_a_store_given_with_store_is_shared_with_score(folder, tmp_path, fake_model_env):
    """--store as in `evidence score`: the results go there instead of OUT/results.sqlite, so a second packet run
    against the same store (into another folder) scores nothing new, and neither does `evidence score` on it."""
    from evidence_matcher.api.cli.root import app

    docs, _ = folder
    track = make_track(tmp_path / "tracks")
    fake_model_env(PARAMS)
    store = tmp_path / "shared" / "results.sqlite"
    common = [str(docs), "--track", str(track), "--level", "W2", "--store", str(store)]
    first = run_packet([*common, "--out", str(tmp_path / "first")])
    assert "3 documents × 3 levels: 9 scored, 0 already in the store, 0 failed" in first.stdout
    assert store.is_file() and not (tmp_path / "first" / "results.sqlite").exists()
    second = run_packet([*common, "--out", str(tmp_path / "second")])
    assert "3 documents × 3 levels: 0 scored, 9 already in the store, 0 failed" in second.stdout
    packets = [json.loads((tmp_path / run / "packet.json").read_text(encoding="utf-8")) for run in ("first", "second")]
    assert packets[0]["behaviors"] == packets[1]["behaviors"] and packets[0]["behaviors"]
    score = CliRunner().invoke(app, ["score", *common, "--out", str(tmp_path / "report"), "--judge", "offline"])
    assert "0 scored, 9 already in the store" in score.stdout, score.output
    # Without --store, the default is OUT/results.sqlite, as for score.
    default = run_packet([str(docs), "--track", str(track), "--out", str(tmp_path / "own")])
    assert "9 scored, 0 already in the store" in default.stdout and (tmp_path / "own" / "results.sqlite").is_file()


def test_bad_arguments_are_one_line(tmp_path, fake_model_env):
    from evidence_matcher.api.cli.root import app

    fake_model_env(PARAMS)
    (tmp_path / "a.md").write_text("I did things today for sure.", encoding="utf-8")
    for args, message in [
        (["--period", "week"], "--period must be month, quarter, half, not 'week'"),
        (["--level", "IC6"], "--level needs --track"),
        (["--user", "dana"], "--user and --source-url need --from"),
    ]:
        result = CliRunner().invoke(app, ["packet", str(tmp_path / "a.md"), "--out", str(tmp_path / "o"), *args])
        assert isinstance(result.exception, EvidenceError) and message in str(result.exception), result.output
