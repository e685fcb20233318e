"""Base models shipped inside packages: a split zip joined and unpacked once into the cache."""

import json
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest

from evidence_matcher.errors import ModelError
from evidence_matcher.index.base_models import MARKER, SMALL, assemble, shipped_model_dir, shipped_name
from evidence_matcher.index.embedders import model_fingerprint, model_identity
from evidence_matcher.index.encoder import ENCODER_DIR, adapter_base


def split_zip(tmp_path, files: dict[str, str], parts: int = 3):
    archive = tmp_path / "model.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    data = archive.read_bytes()
    size = len(data) // parts + 1
    out = []
    for i in range(parts):
        part = tmp_path / f"model.zip.{i + 1:03d}"
        part.write_bytes(data[i * size : (i + 1) * size])
        out.append(part)
    return out


MODEL = {"tiny-model/config.json": "{}", "tiny-model/modules.json": "[]", "tiny-model/vocab.txt": "a\nb\n"}


def test_a_split_model_is_joined_once_and_names_itself(tmp_path):
    parts = split_zip(tmp_path, MODEL)
    cache = tmp_path / "cache"
    with ThreadPoolExecutor(max_workers=2) as pool:  # two processes on a fresh cache: one whole folder
        folders = list(pool.map(lambda _: assemble("tiny-model", parts, cache), range(2)))
    assert folders[0] == folders[1] and (folders[0] / "vocab.txt").read_text() == "a\nb\n"
    assert json.loads((folders[0] / MARKER).read_text())["name"] == "tiny-model" == shipped_name(folders[0])
    assert [p.name for p in (cache / "base-models").iterdir()] == [folders[0].name]  # no temporary folder left
    # the marker is dotted: a folder's fingerprint is its model's, wherever it was unpacked
    with zipfile.ZipFile(tmp_path / "model.zip") as z:
        z.extractall(tmp_path / "plain")
    assert model_fingerprint(folders[0]) == model_fingerprint(tmp_path / "plain" / "tiny-model")
    assert assemble("tiny-model", parts, cache) == folders[0]  # cached: the second call joins nothing


def test_parts_that_do_not_join_into_a_model_are_a_clear_error_and_leave_nothing(tmp_path):
    parts = split_zip(tmp_path, MODEL)
    with pytest.raises(ModelError, match="do not join into a zip"):
        assemble("tiny-model", [parts[0], parts[2]], tmp_path / "cache")  # a part missing
    no_model = split_zip(tmp_path, {"readme.txt": "hello"})
    with pytest.raises(ModelError, match="do not hold one sentence-transformers model folder"):
        assemble("other", no_model, tmp_path / "cache")
    assert list((tmp_path / "cache" / "base-models").iterdir()) == []


def test_an_unknown_shipped_model_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="unknown shipped model 'bert-large'"):
        shipped_model_dir("bert-large", tmp_path)


@pytest.mark.slow
def test_the_evidence_encoder_base_comes_from_its_packages_as_it_was_trained_on(cache_dir):
    """all-mpnet-base-v2, joined from its five packages, is the very folder the shipped adapter was trained on."""
    name = adapter_base(ENCODER_DIR)
    assert name == "all-mpnet-base-v2" and name != SMALL
    folder = shipped_model_dir(name, cache_dir)
    card = json.loads((ENCODER_DIR / "card.json").read_text())
    assert model_fingerprint(folder) == card["base_model_fingerprint"]
    assert model_identity(folder) == card["base_model"] == "sentence-transformers/all-mpnet-base-v2"
