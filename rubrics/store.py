"""Reading and writing canonical rubric YAML, and finding bundled rubrics by id.

Rubric files may come from other people, so they are untrusted: loaded with
``yaml.safe_load``, size-limited, and validated by the pydantic model with errors that
name the file and the path of the offending field.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from .errors import RubricError
from .model import Rubric
from .source import read_source

BUNDLED_DIR = Path(__file__).resolve().parent
DEFAULT_RUBRIC_ID = "ic6-principal-reliability-engineer"
MAX_RUBRIC_BYTES = 5_000_000  # a 13,896-label taxonomy is ~0.9 MB
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader is 10x faster, and as safe


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(top level)"
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


def load_rubric_file(path: Path) -> Rubric:
    path = Path(path)
    raw = read_source(path, MAX_RUBRIC_BYTES)
    try:
        data = yaml.load(raw, Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise RubricError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from exc
    if not isinstance(data, dict):
        raise RubricError(f"{path}: expected a mapping at the top level")
    try:
        return Rubric.model_validate(data)
    except ValidationError as exc:
        raise RubricError(f"{path}: {_describe(exc)}") from exc


def dump_rubric(rubric: Rubric) -> str:
    data = rubric.model_dump(mode="json", exclude_defaults=True)
    return yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False, allow_unicode=True, width=100)


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
    raise RubricError(f"unknown rubric {ref!r} (bundled: {known}; or give a path to a rubric .yaml)")
