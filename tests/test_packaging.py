"""The installed names are safe: one top-level package, ``evidence_matcher``, holding every folder of the tree."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_package_folder_is_installed():
    folders = {package: Path(folder) for package, folder in CONFIG["package-dir"].items()}
    expected = set()
    for package, folder in folders.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            parts = init.parent.relative_to(ROOT / folder).parts
            expected.add(".".join([package, *parts]))
    assert set(CONFIG["packages"]) == expected


@pytest.mark.slow
def test_the_wheel_installs_one_top_level_package(tmp_path):
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = tmp_path.glob("evidence_matcher-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top == {"evidence_matcher"}
    for shipped in (
        "evidence_matcher/matcher/verifier/weights.npz",
        "evidence_matcher/index/encoder/adapter_model.safetensors",
        "evidence_matcher/matcher/verifier_fast/bank.npz",  # the fast profile's
        "evidence_matcher/index/encoder_fast/adapter_model.safetensors",
        "evidence_matcher/matcher/thresholds.fast.onnx-int8.json",
        "evidence_matcher/index/taxonomy_encoder/adapter_model.safetensors",
        "evidence_matcher/eval/datasets/taxonomy-train/written.jsonl",
        "evidence_matcher/matcher/scoring/templates/cohort.html",
        "evidence_matcher/matcher/packet/templates/packet.html",
        "evidence_matcher/matcher/scoring/migrations/env.py",
        "evidence_matcher/matcher/scoring/migrations/versions/r0002_batch_jobs.py",
        "evidence_matcher/rubrics/ic6-principal-reliability-engineer.yaml",
        "evidence_matcher/api/static/index.html",
    ):
        assert shipped in names, f"{shipped} is not in the wheel"
