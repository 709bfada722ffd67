"""DVC follows the base model's content, not only `train.init_from`'s path: the lock stage fingerprints
every file in the folder, the finetuned arm's stages depend on the lock, and with real `dvc repro`
a base replaced at the same path re-runs what depends on it (and nothing re-runs when it did not)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from orchestration.init_from_lock import LOCK, lock_of
from tests.conftest import DVC, PROJECT

STAGES = yaml.safe_load((PROJECT / "dvc.yaml").read_text())["stages"]


def fake_base(folder: Path, weights: bytes) -> Path:
    """The files params.yaml asks of a base (the lock reads bytes, not models)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps({"model_type": "gpt2"}))
    (folder / "tokenizer.json").write_text("{}")
    (folder / "model.safetensors").write_bytes(weights)
    return folder


def test_the_lock_changes_with_the_content_at_the_same_path(tmp_path):
    base = fake_base(tmp_path / "base", b"\x00" * 64)
    first = lock_of(str(base))
    assert first["init_from"] == str(base) and sorted(first["files"]) == ["config.json", "model.safetensors", "tokenizer.json"]
    assert lock_of(str(base)) == first  # nothing changed: the same lock, so DVC re-runs nothing
    (base / "model.safetensors").write_bytes(b"\x01" + b"\x00" * 63)  # same path, same size, other weights
    assert lock_of(str(base))["files"]["model.safetensors"] != first["files"]["model.safetensors"]
    (base / "tokenizer.json").write_text('{"a": 1}')
    assert lock_of(str(base))["files"]["tokenizer.json"] != first["files"]["tokenizer.json"]
    assert lock_of(None) == {"init_from": None, "files": {}}


def test_dvc_yaml_makes_the_finetuned_arms_stages_depend_on_the_lock():
    lock = STAGES["init_from"]
    assert lock["always_changed"] and lock["outs"] == [{LOCK.as_posix(): {"cache": False}}] and lock["params"] == ["train.init_from"]
    for name in ("tokenized", "checkpoints"):  # tokenized with the base's tokenizer; the base continued
        assert LOCK.as_posix() in STAGES[name]["deps"], name


@pytest.mark.e2e  # real dvc, three repros: ~10-25 s
@pytest.mark.skipif(not Path(DVC).exists(), reason="the dvc environment (.venv-dvc) is missing")
def test_dvc_repro_reruns_when_the_base_changes_at_the_same_path(tmp_path):
    repo = tmp_path / "repo"
    for folder in ("assets/core", "orchestration"):
        shutil.copytree(PROJECT / folder, repo / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (repo / "assets" / "__init__.py").write_text("")
    base = fake_base(tmp_path / "base", b"\x00" * 64)
    params = yaml.safe_load((PROJECT / "params.yaml").read_text())
    params["train"]["init_from"] = str(base)
    (repo / "params.yaml").write_text(yaml.safe_dump(params))
    (repo / "sources.yaml").write_text("sources: []\n")
    # the project's own lock stage, and a stand-in for the stages that depend on it
    downstream = {"cmd": f"{sys.executable} -c \"import shutil; shutil.copy('{LOCK}', 'seen.json')\"", "deps": [LOCK.as_posix()], "outs": ["seen.json"]}
    (repo / "dvc.yaml").write_text(yaml.safe_dump({"stages": {"init_from": STAGES["init_from"], "tokenized": downstream}}))
    env = {**os.environ, "PYTHONPATH": str(repo), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for cmd in (["git", "init", "-q"], [DVC, "init", "-q"], ["git", "add", "-A"], ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init"]):
        subprocess.run(cmd, cwd=repo, check=True, env=env, capture_output=True)

    def repro() -> str:
        done = subprocess.run([DVC, "repro"], cwd=repo, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        return done.stdout

    assert "Running stage 'tokenized'" in repro()
    assert "Running stage 'tokenized'" not in repro()  # the lock stage ran again, found the same base
    (base / "model.safetensors").write_bytes(b"\x01" + b"\x00" * 63)
    assert "Running stage 'tokenized'" in repro()
    assert json.loads((repo / "seen.json").read_text())["files"] == lock_of(str(base))["files"]
