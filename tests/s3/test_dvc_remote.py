"""DVC with an S3 remote on moto's server: push every stage's outputs, lose the cache and the
workspace outputs (and start from a fresh clone), pull, and `dvc repro` is a no-op.

Runs in a tiny throwaway DVC project (two stages shaped like ours), never in the main repo.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DVC

STAGE = """\
import hashlib, json, sys, pathlib
src, out = sys.argv[1], pathlib.Path(sys.argv[2])
with open("runs.log", "a") as log:  # outside every out: counts executions
    log.write(out.as_posix() + "\\n")
out.mkdir(parents=True, exist_ok=True)
text = pathlib.Path(src).read_text() if pathlib.Path(src).is_file() else json.dumps(sorted(p.name for p in pathlib.Path(src).iterdir()))
(out / "part-00000.txt").write_text(text.upper())
(out / "manifest.json").write_text(json.dumps({"sha256": hashlib.sha256(text.encode()).hexdigest()}))
"""

PIPELINE = """\
stages:
  raw:
    cmd: python stage.py landing.txt data/raw
    deps: [stage.py, landing.txt]
    outs: [data/raw]
  cleaned:
    cmd: python stage.py data/raw data/cleaned
    deps: [stage.py, data/raw]
    outs: [data/cleaned]
"""


def sh(cmd: list[str], cwd: Path) -> str:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{' '.join(cmd)}\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def runs(project: Path) -> int:
    log = project / "runs.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


@pytest.mark.skipif(not Path(DVC).exists(), reason=f"dvc not installed at {DVC} (make install builds .venv-dvc)")
def test_push_pull_round_trip_then_repro_is_a_no_op(bucket, tmp_path):
    origin = tmp_path / "origin"
    origin.mkdir()
    (origin / "stage.py").write_text(STAGE)
    (origin / "dvc.yaml").write_text(PIPELINE)
    (origin / "landing.txt").write_text("a lookbook, spring 1998\n")
    (origin / ".gitignore").write_text("runs.log\n")
    sh(["git", "init", "-q"], origin)
    sh([DVC, "init", "-q"], origin)
    sh([DVC, "remote", "add", "-d", "storage", f"s3://{bucket}/dvc"], origin)
    # The endpoint is a machine's setting, not the project's: --local keeps it out of git.
    sh([DVC, "remote", "modify", "--local", "storage", "endpointurl", os.environ["AWS_ENDPOINT_URL"]], origin)
    sh([DVC, "repro"], origin)
    assert runs(origin) == 2
    sh(["git", "add", "-A"], origin)
    sh(["git", "commit", "-q", "-m", "pipeline"], origin)
    pushed = sh([DVC, "push"], origin)
    assert "pushed" in pushed

    # Lose everything local: the cache and the outputs; then pull them back from the bucket.
    shutil.rmtree(origin / ".dvc" / "cache")
    shutil.rmtree(origin / "data")
    sh([DVC, "pull"], origin)
    assert (origin / "data" / "cleaned" / "part-00000.txt").exists()
    assert "up to date" in sh([DVC, "status"], origin)
    sh([DVC, "repro"], origin)
    assert runs(origin) == 2, "dvc repro re-ran a stage after a pull"

    # A fresh clone on another machine: no cache, no outputs, only git and the remote.
    clone = tmp_path / "clone"
    sh(["git", "clone", "-q", str(origin), str(clone)], tmp_path)
    assert not (clone / "data" / "raw").exists() and not (clone / "data" / "cleaned").exists()
    sh([DVC, "remote", "modify", "--local", "storage", "endpointurl", os.environ["AWS_ENDPOINT_URL"]], clone)
    sh([DVC, "pull"], clone)
    assert (clone / "data" / "raw" / "part-00000.txt").read_text() == "A LOOKBOOK, SPRING 1998\n"
    repro = sh([DVC, "repro"], clone)
    assert runs(clone) == 0, f"dvc repro ran a stage in the fresh clone:\n{repro}"
    assert "didn't change, skipping" in repro or "up to date" in repro


def test_project_remote_is_s3_without_endpoint_or_keys():
    """The main project's .dvc/config names the S3 remote; endpoint and keys stay machine-local."""
    config = (Path(__file__).resolve().parents[2] / ".dvc" / "config").read_text()
    assert "remote = storage" in config and "['remote \"storage\"']" in config
    assert "url = s3://" in config
    for secret_key in ("access_key_id", "secret_access_key", "session_token", "endpointurl"):
        assert secret_key not in config
