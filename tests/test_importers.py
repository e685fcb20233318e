"""Issue 3, "Any ladder in": importers, tracks, validation, schema, company names."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from evidence_matcher.errors import RubricError
from evidence_matcher.rubrics.assemble import is_note
from evidence_matcher.rubrics.company import parse_companies, replace_companies
from evidence_matcher.rubrics.importers import detect_format, import_source, write_imported
from evidence_matcher.rubrics.model import Rubric
from evidence_matcher.rubrics.schema import render_schema, schema_path
from evidence_matcher.rubrics.store import dump_rubric, load_rubric, load_rubric_file
from evidence_matcher.rubrics.track import Track, TrackLevel, load_track, save_track
from evidence_matcher.rubrics.validate import validate_file

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "rubrics"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rubrics"
DROPBOX = SHARED / "dropbox-dbx-career-framework" / "docs"
FT = SHARED / "ft-engineering-progression" / "data" / "job-families"
KENSHO = SHARED / "kensho-career-tracks"


def _shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not available (../shared/rubrics is absent)")
    return path


def _round_trip(imported, out: Path):
    """Write what was imported, load it back through the one loader, and compare."""
    paths = write_imported(imported, out)
    if imported.tracks:
        for path, (track, rubrics) in zip(paths, imported.tracks, strict=True):
            loaded_track, loaded = load_track(path)
            assert loaded_track == track
            assert loaded == rubrics  # lossless: ids, texts, kinds, examples, descriptions
            assert [r.fingerprint() for r in loaded] == [r.fingerprint() for r in rubrics]
            ok, lines = validate_file(path)
            assert ok, lines
    else:
        for path, rubric in zip(paths, imported.rubrics, strict=True):
            assert load_rubric_file(path) == rubric
            assert validate_file(path)[0]
    return paths


# --- every importer on every shared file --------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "ic1_reliability_engineer.html",
        "ic2_reliability_engineer.html",
        "ic3_reliability_engineer.html",
        "ic4_reliability_engineer.html",
        "ic5_staff_reliability_engineer.html",
        "ic6_principal_reliability_engineer.html",
        "ic7_senior_principal_reliability_engineer.html",
    ],
)
def test_dropbox_level_pages_import_and_round_trip(tmp_path, name):
    page = _shared(DROPBOX / name)
    imported = import_source(page, "dropbox")
    (rubric,) = imported.rubrics
    assert rubric.level == name.split("_")[0].upper()
    assert [a.name for a in rubric.areas][:3] == ["Scope", "Collaborative Reach", "Impact Levers"]
    assert {"Results", "Direction", "Talent", "Culture", "Craft"} <= {a.name for a in rubric.areas}  # emoji dropped
    assert all(b.text == b.text.strip() and "  " not in b.text and "&amp;" not in b.text for _, _, b in rubric.walk())
    _round_trip(imported, tmp_path / "one.yaml")


def test_dropbox_folder_is_one_track_ordered_with_the_appendix_definitions(tmp_path):
    _shared(DROPBOX)
    imported = import_source(DROPBOX.parent, companies=parse_companies(["Dropbox=EscrowTab"]))  # format detected
    track, rubrics = next((t, r) for t, r in imported.tracks if t.id == "reliability-engineer")
    assert track.role == "Reliability Engineer"
    assert track.level_names() == [f"IC{n}" for n in range(1, 8)]
    assert all(r.track == track.id for r in rubrics)
    _, design, _ = rubrics[2].locate("systems-design.1")
    assert design.description.startswith("The ability to design the simplest")  # from sre-_appendix.html
    ic7_notes = [b.id for _, _, b in rubrics[6].walk() if b.kind == "note"]
    assert len(ic7_notes) == 4  # "do not go up beyond", "do not currently go up beyond"
    assert not any(re.search(r"\bDropbox\b", b.text) for r in rubrics for _, _, b in r.walk())  # "Dropboxers" stays
    _round_trip(imported, tmp_path / "dbx")


def test_a_published_folder_imports_every_level_and_skips_other_pages_with_a_reason():
    """The folder as published mixes levels with other pages (archetypes_behaviors.html)."""
    _shared(DROPBOX)
    imported = import_source(DROPBOX.parent)
    assert {t.id for t, _ in imported.tracks} >= {"reliability-engineer", "software-engineer", "engineering-director"}
    assert any(
        line.startswith("skipped archetypes_behaviors.html: ") and "names no level" in line for line in imported.skipped
    )
    levels = {r.id: r for _, rubrics in imported.tracks for r in rubrics}
    # A responsibility name split over two <strong> elements, and one named inside a list item.
    ic2 = levels["ic2-software-engineer"]
    assert any(resp.name == "Architecture design" and resp.behaviors for _, resp, _ in ic2.walk())
    m6 = levels["m6-engineering-director"]
    agility = [b for _, resp, b in m6.walk() if resp.name == "Agility"]
    assert [b.text for b in agility] == [
        "I drive transformation for the company, help other leaders champion change, "
        "and generate excitement for change across Dropbox"
    ]


def test_the_appendix_alone_is_not_a_level(tmp_path):
    page = _shared(DROPBOX / "sre-_appendix.html")
    with pytest.raises(RubricError, match="track appendix.*Systems Fluency.*import its folder"):
        import_source(page, "dropbox")


def test_ic6_html_gives_the_seed_importers_55_ids_and_texts(seed_path):
    page = _shared(DROPBOX / "ic6_principal_reliability_engineer.html")
    from evidence_matcher.rubrics.seed_format import import_seed_file

    seed = import_seed_file(seed_path)
    (html,) = import_source(page, "dropbox", parse_companies(["Dropbox=EscrowTab"])).rubrics
    assert [(b.id, b.text, b.kind) for _, _, b in html.walk()] == [(b.id, b.text, b.kind) for _, _, b in seed.walk()]
    assert len(list(html.walk())) == 55
    assert (html.id, html.title, html.level, html.role) == (seed.id, seed.title, seed.level, seed.role)
    assert [(a.name, a.description) for a in html.areas] == [(a.name, a.description) for a in seed.areas]
    bundled = load_rubric("ic6-principal-reliability-engineer")
    assert [(b.id, b.text) for _, _, b in html.walk()] == [(b.id, b.text) for _, _, b in bundled.walk()]


@pytest.mark.parametrize("name, tracks", [("engineering.yml", 2), ("operations.yml", 1)])
def test_ft_job_families_import_and_round_trip(tmp_path, name, tracks):
    family = _shared(FT / name)
    imported = import_source(family)  # format detected
    assert len(imported.tracks) == tracks
    for track, rubrics in imported.tracks:
        assert track.level_names() == [r.level for r in rubrics]
        for rubric in rubrics:
            assert rubric.behaviors and all(b.id.split(".")[0] for b in rubric.behaviors)
    _round_trip(imported, tmp_path / "ft")


def test_ft_engineering_has_an_ic_and_a_pm_track_sharing_the_lower_levels():
    imported = import_source(_shared(FT / "engineering.yml"), "ft")
    (ic, ic_rubrics), (pm, pm_rubrics) = imported.tracks
    assert ic.level_names() == ["junior", "engineer", "senior-1", "senior-2-ic", "principal-ic", "tech-director"]
    assert pm.level_names() == ["junior", "engineer", "senior-1", "senior-2-pm", "principal-pm", "tech-director"]
    assert [b.text for b in ic_rubrics[0].behaviors] == [b.text for b in pm_rubrics[0].behaviors]
    assert ic_rubrics[0].id != pm_rubrics[0].id
    technical = [b.text for b in ic_rubrics[0].behaviors if b.id.startswith("technical.")]
    assert len(technical) >= 2 and not any(t[:2] in ("1.", "2.") for t in technical)  # numbered lists split


def test_ft_legacy_examples_become_examples():
    ((_, rubrics),) = import_source(_shared(FT / "operations.yml"), "ft").tracks
    assert any(b.examples for r in rubrics for b in r.behaviors)


@pytest.mark.parametrize(
    "name",
    [
        "individual_machine_learning_engineering.md",
        "individual_research_scientist.md",
        "individual_site_reliability_engineering.md",
        "individual_software_engineering.md",
        "people_leader_engineering.md",
    ],
)
def test_kensho_tracks_import_and_round_trip(tmp_path, name):
    path = _shared(KENSHO / name)
    imported = import_source(path)  # format detected
    ((_, rubrics),) = imported.tracks
    assert len(rubrics) >= 4
    for lower, higher in itertools.pairwise(rubrics):
        # levels list only what changes: a skill once defined stays in every higher level
        assert {b.id for b in lower.behaviors} <= {b.id for b in higher.behaviors}
    assert not any("**" in b.text or "&amp;" in b.text for r in rubrics for b in r.behaviors)
    _round_trip(imported, tmp_path / "k")


def test_kensho_skill_names_keep_one_id_across_levels():
    ((_, rubrics),) = import_source(_shared(KENSHO / "individual_site_reliability_engineering.md"), "kensho").tracks
    slugs = {resp.slug for r in rubrics for _, resp, _ in r.walk()}
    assert "debugging-support" in slugs and "debugging" not in slugs
    assert "implementation-and-forethought" in slugs and "implementation-forethought" not in slugs


def test_seed_and_list_formats_still_import(tmp_path, seed_path):
    _round_trip(import_source(seed_path), tmp_path / "seed.yaml")  # detected: cells end at a lone "|"
    imported = import_source(FIXTURES / "list.txt")
    assert [b.text for b in imported.rubrics[0].behaviors] == ["write clear code", "review pull requests"]
    _round_trip(imported, tmp_path / "list.yaml")


# --- the project's own fixtures: the odd cases SOURCES.md lists ------------------------------------


def test_dropbox_fixture_odd_cases():
    (rubric,) = import_source(FIXTURES / "dropbox_site" / "ic1_widget_engineer.html", "dropbox").rubrics
    texts = {b.id: b.text for _, _, b in rubric.walk()}
    assert "Not a behavior" not in texts.values()  # the sidebar before doc-container is ignored
    assert texts["scope.1"] == "I execute on defined tasks for Dropbox’s widget team"  # <li><p>
    assert texts["impact-levers.1"] == "Craft - I focus on improving my craft & my tools"  # label kept, entity decoded
    assert texts["impact.1"] == "I deliver widgets on time."  # two <p> in one <li>
    assert texts["impact.2"] == "I promote and role model Dropbox core values, leading by example"  # a link inside
    assert rubric.locate("code-fluency.2")[2].kind == "note"
    assert [a.name for a in rubric.areas] == ["Scope", "Impact Levers", "Results", "Craft"]
    assert rubric.areas[-1].description == "My craft focus is learning the widget stack."
    assert rubric.summary == "I build widgets that delight Dropbox users"


def test_dropbox_fixture_folder_groups_roles_and_skips_other_pages(tmp_path):
    imported = import_source(FIXTURES / "dropbox_site", companies=parse_companies(["Dropbox"]))
    tracks = {track.id: (track, rubrics) for track, rubrics in imported.tracks}
    assert sorted(tracks) == ["gadget-engineer", "widget-engineer"]  # "Senior" dropped from the role
    widget, rubrics = tracks["widget-engineer"]
    assert widget.level_names() == ["IC1", "IC2"]
    assert rubrics[0].locate("code-fluency.1")[1].description == "The ability to read and write code fluently and well."
    assert rubrics[0].locate("scope.1")[2].text == "I execute on defined tasks for the company’s widget team"
    assert rubrics[1].locate("collaboration.1")[2].text.endswith("the best outcome for the company")
    _round_trip(imported, tmp_path / "out")


def test_ft_fixture_numbered_lists_examples_branches_and_possessives(tmp_path):
    imported = import_source(FIXTURES / "ft_family.yml", companies=parse_companies(["the FT=Acme Labs"]))
    tracks = {track.id: rubrics for track, rubrics in imported.tracks}
    assert sorted(tracks) == ["widgets-individual-contributor", "widgets-people-manager"]
    junior = tracks["widgets-individual-contributor"][0]
    assert [(b.id, b.text) for b in junior.behaviors] == [
        ("technical.1", "Writes widget code in keeping with Acme Labs' conventions."),
        ("technical.2", "Reviews code from peers."),
        ("delivery-planning.1", "Support widget releases"),
    ]
    assert junior.locate("delivery-planning.1")[2].examples == (
        "Supports Acme Labs' releases without help",
        "Knows the release checklist",
    )
    assert [r.level for r in tracks["widgets-people-manager"]] == ["junior", "senior-pm"]
    assert junior.areas[0].description == "Builds widgets."
    _round_trip(imported, tmp_path / "ft")


def test_ft_fixture_unknown_level_is_a_clear_error():
    with pytest.raises(RubricError, match=r"competencies\[0\].*unknown level 'senior'.*levels: junior"):
        import_source(FIXTURES / "ft_unknown_level.yml", "ft")


def test_kensho_fixture_odd_cases(tmp_path):
    imported = import_source(FIXTURES / "kensho_track.md", companies=parse_companies(["Kensho=Acme"]))
    ((track, (one, two)),) = imported.tracks
    assert track.level_names() == ["Widget Engineer I", "Widget Engineer II"]  # trailing space dropped
    assert track.title == "Acme - Individual Contributor - Widget Engineering"
    assert one.locate("tools-and-tech.1")[2].text == "Knows git & python. Relies on documentation."
    assert one.locate("debugging-support.1")[1].name == "Debugging & Support"  # the overview's name
    assert one.locate("debugging-support.1")[2].text == "Debugs reproducible issues."  # row without closing |
    assert one.locate("go-team.1")[2].text == "Understands their work contributes to Acme's success."
    assert two.locate("debugging-support.1")[2].text == "Debugs issues with less than full context."
    assert two.locate("tools-and-tech.1")[2].text == one.locate("tools-and-tech.1")[2].text  # carried up
    assert two.locate("go-team.1")[2].text == one.locate("go-team.1")[2].text
    assert [a.name for a in two.areas] == ["Technical Excellence", "Teamwork"]  # bold heading read as text
    _round_trip(imported, tmp_path / "k")


def test_format_detection():
    assert detect_format(FIXTURES / "dropbox_site") == "dropbox"
    assert detect_format(FIXTURES / "dropbox_site" / "ic1_widget_engineer.html") == "dropbox"
    assert detect_format(FIXTURES / "ft_family.yml") == "ft"
    assert detect_format(FIXTURES / "kensho_track.md") == "kensho"
    assert detect_format(FIXTURES / "list.txt") == "list"
    with pytest.raises(RubricError, match="already a canonical rubric"):
        detect_format(ROOT / "rubrics" / "ic6-principal-reliability-engineer.yaml")


def test_output_paths(tmp_path):
    single = import_source(FIXTURES / "list.txt", "list", rubric_id="skills")
    assert write_imported(single, tmp_path / "a.yaml") == [tmp_path / "a.yaml"]
    assert write_imported(single, tmp_path / "dir") == [tmp_path / "dir" / "skills.yaml"]
    multi = import_source(FIXTURES / "kensho_track.md")
    with pytest.raises(RubricError, match="give a folder as --out, or pick one with --level"):
        write_imported(multi, tmp_path / "x.yaml")
    (path,) = write_imported(multi, tmp_path / "lvl.yaml", level="Widget Engineer II")
    assert load_rubric_file(path).level == "Widget Engineer II"
    with pytest.raises(RubricError, match="no level 'IC9'"):
        write_imported(multi, tmp_path / "lvl.yaml", level="IC9")


# --- company names, notes, ids ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec, text, expected",
    [
        ("Dropbox=EscrowTab", "beyond Dropbox’s current scope", "beyond EscrowTab’s current scope"),
        ("Dropbox=EscrowTab", "represent Dropbox's mission", "represent EscrowTab's mission"),
        ("Dropbox=EscrowTab", "the best outcome for Dropbox.", "the best outcome for EscrowTab."),
        ("Dropbox=Acme Labs", "Dropbox’s culture", "Acme Labs’ culture"),
        ("Dropbox", "Dropbox's mission and the Dropbox resilience", "The company's mission and the company resilience"),
        ("Dropbox", "other Dropboxers and dropbox.com", "other Dropboxers and dropbox.com"),
        ("Teams=Acme", "Teams’ roadmap", "Acme’s roadmap"),
        ("FT=Acme Labs", "the FT's systems", "the Acme Labs' systems"),  # literal: give "the FT=..." to drop "the"
        ("the FT=Acme Labs", "the FT's systems", "Acme Labs' systems"),
    ],
)
def test_company_replacement(spec, text, expected):
    assert replace_companies(text, parse_companies([spec])) == expected


def test_bad_company_spec():
    with pytest.raises(RubricError, match="NAME=REPLACEMENT"):
        parse_companies(["Dropbox="])


@pytest.mark.parametrize(
    "text, note",
    [
        ("The expectations for code fluency do not go up beyond L3 (though some ...).", True),
        ("The expectations for code fluency do not go beyond L3", True),
        ("The expectations for technical strategy do not currently go up beyond L6.", True),
        ("I set the expectations for my team and go beyond them", False),
    ],
)
def test_notes_are_recognised(text, note):
    assert is_note(text) is note


# --- tracks -----------------------------------------------------------------------------------------


def _two_levels(tmp_path) -> Path:
    ((track, rubrics),) = import_source(FIXTURES / "kensho_track.md").tracks
    return save_track(track, rubrics, tmp_path)


def test_load_track_checks_each_level(tmp_path):
    path = _two_levels(tmp_path)
    assert path.name == "widget-engineering.track.yaml" or path.name.endswith(".track.yaml")
    track, rubrics = load_track(path)
    assert [r.level for r in rubrics] == track.level_names()
    level_file = tmp_path / track.levels[1].rubric
    level_file.write_text(level_file.read_text().replace("level: Widget Engineer II", "level: Widget Engineer III"))
    with pytest.raises(RubricError, match="level is 'Widget Engineer III'.*as level 'Widget Engineer II'"):
        load_track(path)
    level_file.write_text(level_file.read_text().replace(f"track: {track.id}", "track: other"))
    with pytest.raises(RubricError, match="track is 'other'"):
        load_track(path)


def test_track_file_errors(tmp_path):
    path = tmp_path / "t.track.yaml"
    path.write_text("id: t\ntitle: T\nlevels:\n- level: IC1\n  rubric: a.yaml\n- level: IC1\n  rubric: b.yaml\n")
    with pytest.raises(RubricError, match=r"t.track.yaml:6: levels.1.*duplicate level 'IC1'"):
        load_track(path)
    path.write_text("id: t\ntitle: T\nlevels: []\n")
    with pytest.raises(RubricError, match="levels is empty"):
        load_track(path)
    path.write_text("id: t\ntitle: T\nlevels:\n- level: IC1\n  rubric: missing.yaml\n")
    with pytest.raises(RubricError, match="file not found"):
        load_track(path)
    with pytest.raises(ValueError):
        Track(
            id="t", title="T", levels=(TrackLevel(level="a", rubric="a.yaml"), TrackLevel(level="a", rubric="b.yaml"))
        )


# --- validation: untrusted files, errors a person can act on ----------------------------------------


def _rubric_yaml(tmp_path, text: str) -> Path:
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    return path


_GOOD = """id: x
title: X
areas:
- name: A
  responsibilities:
  - name: R
    slug: r
    behaviors:
    - id: r.1
      text: I do things
    - id: r.2
      text: I do other things
"""


@pytest.mark.parametrize(
    "edit, fragment",
    [
        (("id: r.2", "id: r.1"), r"r.yaml:11: areas.0.responsibilities.0.behaviors.1: duplicate behavior id 'r.1'"),
        (
            ("text: I do other things", "text: '  '"),
            r"r.yaml:12: areas.0.responsibilities.0.behaviors.1.text: .*behavior text is empty",
        ),
        (
            ("      text: I do things", "      text: I do things\n      colour: red"),
            r"r.yaml:11: areas.0.responsibilities.0.behaviors.0.colour: unknown field 'colour'",
        ),
        (("id: r.2", "id: R 2"), r"r.yaml:11: areas.0.responsibilities.0.behaviors.1.id: 'R 2' is not a valid id"),
        (("title: X\n", ""), r"r.yaml:1: title: missing required field 'title'"),
    ],
)
def test_errors_name_file_line_field_and_problem(tmp_path, edit, fragment):
    path = _rubric_yaml(tmp_path, _GOOD.replace(*edit))
    with pytest.raises(RubricError, match=fragment):
        load_rubric_file(path)
    ok, lines = validate_file(path)
    assert not ok and any(re.search(fragment, line) for line in lines), lines


def test_empty_behaviors_are_refused(tmp_path):
    text = _GOOD.split("    behaviors:")[0] + "    behaviors: []\n"
    with pytest.raises(RubricError, match=r"r.yaml:8: areas.0.responsibilities.0.behaviors: behaviors is empty"):
        load_rubric_file(_rubric_yaml(tmp_path, text))


def test_validate_reports_every_problem_and_duplicate_keys(tmp_path):
    text = _GOOD.replace("id: r.2", "id: R 2").replace(
        "      text: I do things", "      text: I do things\n      text: again\n      colour: red"
    )
    ok, lines = validate_file(_rubric_yaml(tmp_path, text))
    assert not ok
    assert any(":11: text: key 'text' given twice" in line for line in lines)
    assert any("colour" in line for line in lines) and any("'R 2'" in line for line in lines)


def test_untrusted_yaml_is_refused(tmp_path, monkeypatch):
    path = _rubric_yaml(tmp_path, "!!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(RubricError, match=r"r.yaml:1: not valid YAML"):
        load_rubric_file(path)
    from evidence_matcher.rubrics import store

    monkeypatch.setattr(store, "MAX_RUBRIC_BYTES", 100)
    with pytest.raises(RubricError, match="larger than the 100-byte limit"):
        load_rubric_file(_rubric_yaml(tmp_path, _GOOD))


def test_bundled_rubric_validates_with_counts():
    ok, lines = validate_file(ROOT / "rubrics" / "ic6-principal-reliability-engineer.yaml")
    expected = (
        f"OK {ROOT / 'rubrics' / 'ic6-principal-reliability-engineer.yaml'}: rubric ic6-principal-reliability-engineer "
        "(IC6 Principal Reliability Engineer): 8 areas, 19 responsibilities, 53 behaviors, 2 notes"
    )
    assert ok and lines == [expected]


def test_fingerprints_of_rubrics_without_descriptions_did_not_change():
    rubric = load_rubric("ic6-principal-reliability-engineer")
    data = json.loads(json.dumps(rubric.model_dump(mode="json")))
    for area in data["areas"]:
        for resp in area["responsibilities"]:
            resp["description"] = "now described"
    assert Rubric.model_validate(data).fingerprint() != rubric.fingerprint()
    assert "description: ''" not in dump_rubric(rubric)


# --- schema -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["rubric", "track"])
def test_shipped_schema_is_what_the_model_generates(kind):
    assert schema_path(kind).read_text(encoding="utf-8") == render_schema(kind), "run: evidence rubric schema --write"


def test_bundled_rubric_satisfies_the_shipped_schema():
    jsonschema = pytest.importorskip("jsonschema")
    data = yaml.safe_load((ROOT / "rubrics" / "ic6-principal-reliability-engineer.yaml").read_text(encoding="utf-8"))
    jsonschema.validate(data, json.loads(schema_path("rubric").read_text(encoding="utf-8")))


# --- the CLI ------------------------------------------------------------------------------------------


def _cli(*args):
    return subprocess.run(
        [sys.executable, "-c", "from evidence_matcher.api.cli import main; main()", *map(str, args)],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_cli_import_validate_and_schema(tmp_path):
    proc = _cli("rubric", "import", FIXTURES / "kensho_track.md", "--out", tmp_path / "k", "--company", "Kensho=Acme")
    assert proc.returncode == 0, proc.stderr
    assert "track widget-engineering" not in proc.stdout and ".track.yaml: track " in proc.stdout
    track_file = next((tmp_path / "k").glob("*.track.yaml"))
    proc = _cli("rubric", "validate", track_file)
    assert proc.returncode == 0 and proc.stdout.startswith(f"OK {track_file}: track "), proc.stdout + proc.stderr
    bad = _rubric_yaml(tmp_path, _GOOD.replace("id: r.2", "id: r.1"))
    proc = _cli("rubric", "validate", bad)
    assert proc.returncode == 1 and f"{bad}:11: " in proc.stderr and "duplicate behavior id 'r.1'" in proc.stderr
    proc = _cli("rubric", "import", FIXTURES / "kensho_track.md", "--out", tmp_path / "x.yaml")
    assert (
        proc.returncode == 1
        and proc.stderr.startswith("Error: ")
        and "--level" in proc.stderr
        and "Traceback" not in proc.stderr
    )
    proc = _cli("rubric", "schema")
    assert proc.returncode == 0 and json.loads(proc.stdout)["title"].startswith("evidence-matcher canonical rubric")
