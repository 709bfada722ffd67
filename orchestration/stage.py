"""`python -m orchestration.stage <group>|all`: materialize Dagster groups via the CLI, readably.

This is what each `dvc.yaml` stage runs, so DVC and the UI go through the same assets, checks and
instance: it sets DAGSTER_HOME to the project's `.dagster` (unless set) and passes the partition
range that covers every partition of a partitioned group (sources for raw, arm x seed runs for
checkpoints), since `dagster asset materialize` takes one range, not a list. One run cannot mix
two partitions definitions, so `all` is one run per group, in order, stopping at the first that
fails (one run per group also times each stage on its own).

What the person sees: one line per asset materialization and per gate (name, status, key counts,
seconds), a bar for long steps (`assets/core/progress.py`), and a closing summary (time per stage,
the report and its verdict). Dagster's full event log goes to a file whose path is printed first.
A failed gate makes the command exit non-zero, naming the failed expectations, the offending rows
and the files to open.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from assets.core.progress import ENV as PROGRESS_ENV, Reader
from assets.core.settings import ConfigError, load_settings

GROUPS = ["raw", "cleaned", "tokenized", "checkpoints", "reports"]
RUNS_OF_ALL = [[group] for group in GROUPS]  # each run's groups share one partitions definition (or none)
PROJECT = Path(__file__).resolve().parent.parent
REPORT, METRICS = "reports/report.html", "reports/metrics.json"
# `dagster asset materialize` is marked superseded by `dg launch --assets`, which lives in
# dagster-dg-cli (not in requirements.lock) and wants a `dg` project layout; the CLI we have does
# all the runner needs (one partition range, a non-zero exit on a failed blocking check), so we
# keep it and silence only that one warning.
SUPERSEDED = "ignore:Function `asset_materialize_command` is superseded"
RUN_ID = re.compile(r" - ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}) - ")


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


class Console:
    """Lines for the person; bars only when stderr is a terminal (captured output stays clean)."""

    def __init__(self):
        self.bars: dict = {}
        self.tty = sys.stderr.isatty()

    def line(self, text: str) -> None:
        if self.bars:
            from tqdm import tqdm

            tqdm.write(text, file=sys.stderr)
        else:
            print(text, file=sys.stderr, flush=True)

    def progress(self, updates: dict[str, tuple[int, int]]) -> None:
        if not self.tty:
            return
        from tqdm import tqdm

        for desc, (n, total) in updates.items():
            bar = self.bars.get(desc)
            if bar is None:
                bar = self.bars[desc] = tqdm(total=total, desc=f"  {desc}", file=sys.stderr, leave=False, ncols=min(shutil.get_terminal_size().columns or 100, 100))
            bar.n = n
            bar.refresh()
            if n >= total:
                bar.close()
                del self.bars[desc]

    def close_bars(self) -> None:
        for bar in self.bars.values():
            bar.close()
        self.bars.clear()


def counts(metadata) -> str:
    """The numeric metadata of an event, `name=value`, the first five."""
    out = []
    for key, value in metadata.items():
        raw = getattr(value, "value", value)
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            continue
        out.append(f"{key}={raw:.4g}" if isinstance(raw, float) else f"{key}={raw}")
    return " ".join(out[:5])


class RunWatcher:
    """Reads one Dagster run's events from the instance and prints a line per asset and check."""

    def __init__(self, instance, console: Console):
        self.instance, self.console = instance, console
        self.run_id, self.cursor = None, None
        self.started: dict[str, float] = {}
        self.pending: dict[tuple[str, str], list] = {}
        self.failed_checks: list[dict] = []
        self.step_errors: list[str] = []

    def poll(self, run_id: str) -> None:
        from dagster import DagsterEventType as T

        if run_id != self.run_id:  # a cursor is per run (each run has its own event storage)
            self.run_id, self.cursor = run_id, None
        while True:
            connection = self.instance.get_records_for_run(run_id, cursor=self.cursor, limit=500)
            self.cursor = connection.cursor
            for record in connection.records:
                self.event(record.event_log_entry, T)
            if not connection.has_more:
                return

    def event(self, entry, T) -> None:
        event = entry.dagster_event
        if event is None:
            return
        step, at = event.step_key, entry.timestamp
        if event.event_type == T.STEP_START:
            self.started[step] = at
        elif event.event_type == T.ASSET_MATERIALIZATION:
            # A single-run backfill materializes every partition in one step: one line for them all.
            m = event.event_specific_data.materialization
            partitions = self.pending.setdefault((step, m.asset_key.to_user_string()), [])
            partitions.append((m.partition, m.metadata, at))
        elif event.event_type == T.STEP_SUCCESS:
            self.flush(step)
        elif event.event_type == T.ASSET_CHECK_EVALUATION:
            e = event.event_specific_data
            name = f"{e.asset_key.to_user_string()}:{e.check_name}"
            status = "pass" if e.passed else "FAIL"
            self.console.line(f"  {status:<5} {name:<44} {self.seconds(step, at):>7}  {e.description or ''}"[:200])
            if not e.passed:
                self.failed_checks.append({"check": name, **{k: getattr(v, "value", v) for k, v in e.metadata.items()}})
        elif event.event_type == T.STEP_FAILURE:
            self.flush(step)
            error = event.event_specific_data.error
            while error is not None and error.cause is not None and "Error occurred while executing" in error.message:
                error = error.cause  # Dagster's wrapper: the user's error is its cause
            message = (error.message if error else "unknown error").strip()
            if "DagsterAssetCheckFailedError" in message and self.failed_checks:
                return  # the failed gate's own line and summary say why
            self.step_errors.append(f"{step}: {message}")
            self.console.line(f"  FAIL  {step:<44} {self.seconds(step, at):>7}  {message.splitlines()[0][:300]}")
        elif event.event_type == T.STEP_SKIPPED:
            self.console.line(f"  skip  {step:<44} {'':>7}  (an upstream step or gate failed)")

    def flush(self, step: str) -> None:
        for key in [k for k in self.pending if k[0] == step]:
            partitions = self.pending.pop(key)
            keys = [p for p, _, _ in partitions if p]
            name = key[1] + (f"[{keys[0]}]" if len(keys) == 1 else f"[{len(keys)} partitions]" if keys else "")
            _, metadata, at = partitions[-1]
            self.console.line(f"  ok    {name:<44} {self.seconds(step, at):>7}  {counts(metadata)}")

    def seconds(self, step: str | None, at: float) -> str:
        return f"{at - self.started[step]:.1f}s" if step in self.started else ""


def die_with_parent() -> None:
    """In the child, before exec: a SIGKILL of this runner must not leave its Dagster run going on
    alone (it would hold the partition's lease, and the relaunch could not resume). Linux only."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def run_one(cmd: list[str], env: dict, log_path: Path, bars: Reader, watcher: RunWatcher) -> int:
    """One `dagster asset materialize`: its output into the log file, its events on the console."""
    run_ids: list[str] = []
    with open(log_path, "a") as log:
        log.write(f"\n$ {' '.join(cmd)}\n")
        log.flush()
        process = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
                                   preexec_fn=die_with_parent)

        def tee() -> None:
            for line in process.stdout:
                log.write(line)
                log.flush()  # `tail -f` on the printed path follows the run
                if not run_ids and (found := RUN_ID.search(line)):
                    run_ids.append(found.group(1))
            log.flush()

        reader_thread = threading.Thread(target=tee, daemon=True)
        reader_thread.start()
        while process.poll() is None:
            time.sleep(0.5)
            if run_ids:
                watcher.poll(run_ids[0])
            watcher.console.progress(bars.poll())
        reader_thread.join()
    if run_ids:
        watcher.poll(run_ids[0])
    watcher.console.close_bars()
    return process.returncode


def summary(settings, timings: list[tuple[str, int, float]], watcher: RunWatcher, log_path: Path) -> None:
    say = watcher.console.line
    say("")
    say("stage         status   seconds")
    for group, code, seconds in timings:
        say(f"{group:<13} {'ok' if code == 0 else 'FAILED':<8} {seconds:>7.1f}")
    say(f"{'total':<13} {'':<8} {sum(t for _, _, t in timings):>7.1f}")
    failed = any(code for _, code, _ in timings)
    if failed:
        from orchestration.gx import data_docs_index, latest_validation_page

        for check in watcher.failed_checks:
            say(f"failed gate {check['check']}:")
            for expectation in check.get("failed_expectations") or []:
                say(f"  - {expectation}")
            if check.get("failing_rows"):
                say(f"  offending rows: {str(check['failing_rows'])[:1500]}")
            for suite in [name for name, outcome in (check.get("suites") or {}).items() if not outcome.get("success")]:
                say(f"  open: {latest_validation_page(suite) or data_docs_index()} (suite {suite}, in Data Docs)")
        for error in watcher.step_errors:
            say(f"failed step {error[:2000]}")
        if not (watcher.failed_checks or watcher.step_errors):  # failed before any step ran
            say("the run's last lines:")
            for line in log_path.read_text().splitlines()[-15:]:
                say(f"  {line[:300]}")
        say(f"open: {log_path} (Dagster's full event log)")
        return
    if timings and timings[-1][0] == "reports":
        storage = settings.storage
        say(f"report: {storage.url(REPORT) if storage.exists(REPORT) else '(not written)'}")
        verdict = (storage.read_json(METRICS).get("verdict") or {}).get("sentence") if storage.exists(METRICS) else None
        say(f"verdict: {verdict}" if verdict else "verdict: (none written in metrics.json)")
    say(f"event log: {log_path}")


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in GROUPS + ["all"]:
        print(f"usage: python -m orchestration.stage {{{'|'.join(GROUPS)}|all}}", file=sys.stderr)
        return 2
    runs = RUNS_OF_ALL if argv[0] == "all" else [[argv[0]]]
    try:
        settings = load_settings()
        commands = [command(groups) for groups in runs]
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(PROJECT / ".dagster")))
    home.mkdir(parents=True, exist_ok=True)
    logs = home / "stage-logs"
    logs.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    log_path, progress_path = logs / f"{stamp}-{argv[0]}.log", logs / f"{stamp}-{argv[0]}.progress"
    warnings = ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"), SUPERSEDED]))
    env = {**os.environ, "PYTHONWARNINGS": warnings, PROGRESS_ENV: str(progress_path)}

    import dagster as dg

    watcher = RunWatcher(dg.DagsterInstance.get(), Console())
    watcher.console.line(f"event log: {log_path}")
    timings: list[tuple[str, int, float]] = []
    bars, code = Reader(progress_path), 0
    for groups, cmd in zip(runs, commands):
        watcher.console.line(f"{' + '.join(groups)}:")
        started = time.time()
        code = run_one(cmd, env, log_path, bars, watcher)
        timings.append((" + ".join(groups), code, time.time() - started))
        if code:
            break
    summary(settings, timings, watcher, log_path)
    progress_path.unlink(missing_ok=True)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
