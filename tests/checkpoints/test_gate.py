"""The checkpoints suites pass on a trained run and fail when training did not help or diverged."""

import json
import math

from assets.checkpoints import train
from assets.core.storage import Storage
from orchestration import gx
from tests.checkpoints.conftest import make_settings


def test_suites_pass_on_training_and_fail_on_bad_runs(tokenized_root, tmp_path):
    settings = make_settings(tokenized_root)
    out = Storage(str(tmp_path / "out"))
    train.build_checkpoints(settings, out, ["curated_graph-s0"])
    tables = train.gate_tables(out, settings, ["curated_graph-s0"])
    assert gx.validate("checkpoints_losses", tables["checkpoints_losses"]).success
    assert gx.validate("checkpoints_summary", tables["checkpoints_summary"], {"min_loss_drop": 0.3}).success
    assert not gx.validate("checkpoints_summary", tables["checkpoints_summary"], {"min_loss_drop": 50.0}).success
    records = [json.loads(line) for line in out.read_text("checkpoints/curated_graph/s0/metrics.jsonl").splitlines()]
    records[-1]["val_loss"] = math.inf  # a diverged run
    out.write_text("checkpoints/curated_graph/s0/metrics.jsonl", "".join(json.dumps(r) + "\n" for r in records))
    assert not gx.validate("checkpoints_losses", train.gate_tables(out, settings, ["curated_graph-s0"])["checkpoints_losses"]).success
