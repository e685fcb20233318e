"""Reading and writing canonical rubric YAML, and finding bundled rubrics by id.

Rubric files may come from other people, so they are untrusted: loaded with
``yaml.safe_load``, size-limited, and validated by the pydantic model with errors that
name the file, the line and the path of the offending field (pydantic's error location
mapped back to the YAML node that holds it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from evidence_matcher.errors import RubricError, RubricNotFound

from .model import Rubric
from .source import read_source

BUNDLED_DIR = Path(__file__).resolve().parent
DEFAULT_RUBRIC_ID = "ic6-principal-reliability-engineer"
MAX_RUBRIC_BYTES = 5_000_000  # a 13,896-label taxonomy is ~0.9 MB
MAX_TRACK_BYTES = 100_000
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader is 10x faster, and as safe


@dataclass(frozen=True)
class Issue:
    """One problem in a rubric or track file, located for a person to fix it."""

    file: Path
    line: int | None  # 1-based, when the YAML node could be found
    where: str  # the field's path, e.g. areas.0.responsibilities.2.behaviors.1.text
    message: str

    def __str__(self) -> str:
        at = f"{self.file}:{self.line}" if self.line else f"{self.file}"
        return f"{at}: {self.where}: {self.message}"


def _read_yaml(path: Path, max_bytes: int) -> tuple[str, object]:
    raw = read_source(path, max_bytes)
    try:
        return raw, yaml.load(raw, Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f":{mark.line + 1}" if mark is not None else ""
        raise RubricError(f"{path}{at}: not valid YAML: {str(exc).splitlines()[0]}") from exc


def _compose(raw: str):
    try:
        return yaml.compose(raw, Loader=_SAFE_LOADER)
    except yaml.YAMLError:
        return None


def _node_at(root, loc: tuple) -> yaml.Node:
    """The YAML node a pydantic error location points at (the deepest one that exists)."""
    node = root
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = [(k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(part)]
            if not match:
                return node
            key, value = match[0]
            node = (
                key
                if part == loc[-1]
                and not isinstance(value, (yaml.MappingNode, yaml.SequenceNode))
                and value.value in ("", None)
                else value
            )
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
        else:
            return node
    return node


def _find_value(root, key: str, value: str, occurrence: int = 2) -> tuple[tuple, object] | None:
    """The path and node of the ``occurrence``-th mapping whose ``key`` is ``value``."""
    found = 0
    stack: list[tuple[tuple, yaml.Node]] = [((), root)]
    while stack:
        path, node = stack.pop(0)
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if (
                    isinstance(k, yaml.ScalarNode)
                    and k.value == key
                    and isinstance(v, yaml.ScalarNode)
                    and v.value == value
                ):
                    found += 1
                    if found == occurrence:
                        return path, node
            stack[:0] = [(path + (k.value,), v) for k, v in node.value if isinstance(k, yaml.ScalarNode)]
        elif isinstance(node, yaml.SequenceNode):
            stack[:0] = [(path + (i,), v) for i, v in enumerate(node.value)]
    return None


def _message(error: ErrorDetails) -> str:
    kind, loc, msg = error["type"], error["loc"], error["msg"]
    if kind == "extra_forbidden":
        return f"unknown field {loc[-1]!r} (a typo, or a field this version does not know)"
    if kind == "missing":
        return f"missing required field {loc[-1]!r}"
    if kind == "too_short" and isinstance(error.get("input"), (list, tuple)):
        return f"{loc[-1]} is empty: at least one is needed"
    if kind == "string_pattern_mismatch":
        return f"{error.get('input')!r} is not a valid {loc[-1]}: lowercase letters, digits and dashes ({msg})"
    return msg.removeprefix("Value error, ")


def _issues(path: Path, raw: str, error: ValidationError) -> list[Issue]:
    root = _compose(raw)
    issues = []
    for item in error.errors():
        if item["type"] == "too_short" and item.get("input"):
            continue  # pydantic counts only the items that validated: a list whose items all failed is not "empty"
        loc, message = tuple(item["loc"]), _message(item)
        dup = re.match(r"duplicate (behavior id|level) '(.+)'", message)
        if dup and not loc and root is not None:
            hit = _find_value(root, "id" if dup.group(1) == "behavior id" else "level", dup.group(2))
            if hit is not None:
                loc = hit[0]
        node = _node_at(root, loc) if root is not None else None
        line = node.start_mark.line + 1 if node is not None else None
        issues.append(Issue(path, line, ".".join(str(p) for p in loc) or "(top level)", message))
    return issues


def duplicate_keys(path: Path, raw: str) -> list[Issue]:
    """Keys given twice in one mapping: YAML keeps the last silently, a person meant both."""
    root = _compose(raw)
    issues, stack = [], [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode):
                    if k.value in seen:
                        issues.append(
                            Issue(path, k.start_mark.line + 1, k.value, f"key {k.value!r} given twice in one mapping")
                        )
                    seen.add(k.value)
                stack.append(v)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return sorted(issues, key=lambda i: i.line or 0)


M = TypeVar("M", bound=BaseModel)


def check_file(path: Path, model: type[M], max_bytes: int = 0) -> tuple[M | None, list[Issue]]:
    """Validate a YAML file against ``model``: the value, or every problem found."""
    path = Path(path)
    raw, data = _read_yaml(path, max_bytes or MAX_RUBRIC_BYTES)
    if not isinstance(data, dict):
        return None, [Issue(path, 1, "(top level)", "expected a mapping of fields (id, title, ...) at the top level")]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, _issues(path, raw, exc)


def load_file(path: Path, model: type[M], max_bytes: int) -> M:
    """``model`` (a rubric or a track) validated from the YAML at ``path``, or the first issue as a RubricError."""
    value, issues = check_file(path, model, max_bytes)
    if value is None:
        more = f" (and {len(issues) - 1} more: see 'evidence rubric validate {path}')" if len(issues) > 1 else ""
        raise RubricError(f"{issues[0]}{more}")
    return value


def load_rubric_file(path: Path) -> Rubric:
    return load_file(Path(path), Rubric, MAX_RUBRIC_BYTES)


def dump_rubric(rubric: Rubric) -> str:
    data = rubric.model_dump(mode="json", exclude_defaults=True)
    return yaml.dump(
        data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False, allow_unicode=True, width=100
    )


def save_rubric(rubric: Rubric, path: Path) -> None:
    Path(path).write_text(dump_rubric(rubric), encoding="utf-8")


def bundled_rubric_paths() -> dict[str, Path]:
    return {path.stem: path for path in sorted(BUNDLED_DIR.glob("*.yaml"))}


def load_rubric(ref: str) -> Rubric:
    """A bundled rubric by id, or a rubric YAML file by path."""
    bundled = bundled_rubric_paths()
    if ref in bundled:
        return load_rubric_file(bundled[ref])
    if ref.endswith((".yaml", ".yml")) or "/" in ref:
        return load_rubric_file(Path(ref))
    known = ", ".join(bundled) or "none"
    raise RubricNotFound(f"unknown rubric {ref!r} (bundled: {known}; or give a path to a rubric .yaml)")
