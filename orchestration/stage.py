"""`python -m orchestration.stage <group>|all`: materialize Dagster groups via the CLI.

This is what each `dvc.yaml` stage runs, so DVC and the UI go through the same assets, checks and
instance: it sets DAGSTER_HOME to the project's `.dagster` (unless set) and passes the partition
range that covers every partition of a partitioned group (sources for raw, arm x seed runs for
checkpoints), since `dagster asset materialize` takes one range, not a list. One run cannot mix
two partitions definitions, so `all` is three runs in a row, stopping at the first that fails.
A failed gate makes the command exit non-zero, naming the failed expectations.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from assets.core.settings import ConfigError, load_settings

GROUPS = ["raw", "cleaned", "tokenized", "checkpoints", "reports"]
# The runs of `all`: each run's groups share one partitions definition (or have none).
RUNS_OF_ALL = [["raw", "cleaned", "tokenized"], ["checkpoints"], ["reports"]]
PROJECT = Path(__file__).resolve().parent.parent


def partition_keys(group: str) -> list[str] | None:
    """The partitions a group's assets have (tests check this agrees with the definitions)."""
    if group == "raw":
        return [source.name for source in load_settings().sources]
    if group == "checkpoints":
        from assets.checkpoints.runs import partition_keys as run_keys

        return run_keys(load_settings())
    return None


def command(groups: list[str]) -> list[str]:
    dagster = shutil.which("dagster") or str(Path(sys.executable).parent / "dagster")
    selection = " or ".join(f"group:{group}" for group in groups)
    cmd = [dagster, "asset", "materialize", "-m", "orchestration.definitions", "--select", selection]
    keys = next((k for k in map(partition_keys, groups) if k), None)
    if keys:
        cmd += ["--partition-range", f"{keys[0]}...{keys[-1]}"]
    return cmd


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in GROUPS + ["all"]:
        print(f"usage: python -m orchestration.stage {{{'|'.join(GROUPS)}|all}}", file=sys.stderr)
        return 2
    try:
        commands = [command(groups) for groups in (RUNS_OF_ALL if argv[0] == "all" else [[argv[0]]])]
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    env = dict(os.environ)
    env.setdefault("DAGSTER_HOME", str(PROJECT / ".dagster"))
    Path(env["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
    for cmd in commands:
        print("+ " + " ".join(cmd[1:]), file=sys.stderr, flush=True)
        code = subprocess.call(cmd, env=env)
        if code:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
