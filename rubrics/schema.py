"""The JSON Schemas of canonical rubric and track YAML, generated from the pydantic models.

They ship as ``rubrics/rubric.schema.json`` and ``rubrics/track.schema.json`` so editors
and other tools can check a rubric without this project; a test asserts the shipped
files equal what the models generate (``evidence rubric schema --write`` regenerates them).
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from .model import Rubric
from .track import Track

SCHEMA_DIR = Path(__file__).resolve().parent
_MODELS: dict[str, type[BaseModel]] = {"rubric": Rubric, "track": Track}
_TITLES = {
    "rubric": "evidence-matcher canonical rubric (one level of a career ladder)",
    "track": "evidence-matcher track (the levels of one role, lowest first)",
}


def schema(kind: str = "rubric") -> dict:
    data = _MODELS[kind].model_json_schema()
    data = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": _TITLES[kind],
        **{k: v for k, v in data.items() if k != "title"},
    }
    return data


def render_schema(kind: str = "rubric") -> str:
    return json.dumps(schema(kind), indent=2, ensure_ascii=False) + "\n"


def schema_path(kind: str = "rubric") -> Path:
    return SCHEMA_DIR / f"{kind}.schema.json"


def write_schemas() -> list[Path]:
    paths = []
    for kind in _MODELS:
        schema_path(kind).write_text(render_schema(kind), encoding="utf-8")
        paths.append(schema_path(kind))
    return paths
