"""The UI in a real browser, from a fresh clone as the README says: `make dev`, then *Materialize all*.

The clone is the working tree's files (tracked and untracked, not ignored) in a new folder, with
the existing environments linked in (`make` is told not to rebuild them) and nothing else: no
sample, no data, no Dagster history. `make dev` must make the sample itself (300 documents here,
and fast params, to keep the test short) and start `dagster dev` on 127.0.0.1; Debian Chromium
driven by Playwright clicks *Materialize all* on the asset graph and launches the backfill over
every partition (the sources of `raw_documents`, the arm x seed runs of `checkpoint`), waits
until the whole chain succeeded and every arm was trained before the report, checks the five groups and
their gates are shown, and saves screenshots under the test's folder (and $ATELIER_SCREENSHOTS).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import PROJECT, write_params

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
GROUPS = ["raw", "cleaned", "tokenized", "checkpoints", "reports"]
CHECKS = {"source_registry": "registry_gate", "raw_documents": "raw_gate", "cleaned_corpus": "cleaned_gate", "tokenized_shards": "tokenized_gate",
          "checkpoint": "checkpoints_gate", "eval_report": "reports_gate"}

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, timeout: float) -> None:
    import urllib.request

    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dagster dev exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise TimeoutError(f"{url} did not answer in {timeout} s")


def working_tree_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=PROJECT, capture_output=True, text=True, check=True)
    return [line for line in out.stdout.splitlines() if line and (PROJECT / line).is_file()]


@pytest.fixture
def fresh_clone(tmp_path, monkeypatch) -> tuple[Path, dict]:
    """The project as a new user gets it, and the environment a new user's shell has."""
    root = tmp_path / "clone"
    for rel in working_tree_files():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT / rel, root / rel)
    for venv in (".venv", ".venv-dvc"):
        (root / venv).symlink_to((PROJECT / venv).resolve())
    assert not (root / "sample").exists() and not (root / "data").exists()
    project_settings = [k for k in os.environ if k.startswith(("ATELIER_", "DAGSTER_")) and k != "ATELIER_SCREENSHOTS"]
    env = {k: v for k, v in os.environ.items() if k not in project_settings}
    env.update({"ATELIER_PARAMS": str(write_params(tmp_path / "params.yaml")), "PYTHONPATH": str(root)})
    for key in project_settings:
        monkeypatch.delenv(key)
    return root, env


@pytest.fixture
def dagster_dev(fresh_clone, tmp_path):
    root, env = fresh_clone
    port = free_port()
    log = open(tmp_path / "make-dev.log", "w")
    # -o: the linked environments count as installed; `make dev` must still make the sample.
    process = subprocess.Popen(
        ["make", "-o", ".venv/.installed", "-o", ".venv-dvc/.installed", "dev", "SAMPLE_DOCS=300", f"DEV_ARGS=-h 127.0.0.1 -p {port}"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/server_info", process, timeout=240)
        assert (root / "sample" / "landing").is_dir(), "make dev made the sample"
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
        log.close()


def run_statuses(home: str) -> list[str]:
    """Statuses of the instance's runs, read in a fresh process (no shared state with the server)."""
    code = "import dagster as dg\nfor r in dg.DagsterInstance.get().get_runs(): print(r.status.value)"
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "DAGSTER_HOME": home}, capture_output=True, text=True, timeout=60)
    return out.stdout.split()


def test_materialize_all_from_the_browser(dagster_dev, fresh_clone, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    root, _ = fresh_clone
    shots = Path(os.environ.get("ATELIER_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(f"{dagster_dev}/asset-groups", wait_until="networkidle")
        skip = page.get_by_role("button", name="Skip")  # first-visit dialog
        try:
            skip.wait_for(timeout=5000)
            skip.click()
        except Exception:  # noqa: BLE001 - the dialog does not always appear
            pass
        for group in GROUPS:
            expect(page.get_by_text(group, exact=True).first).to_be_visible()
        page.get_by_role("button", name="Materialize all…").click()
        expect(page.get_by_text("All partitions").first).to_be_visible(timeout=60000)  # sources and runs alike
        page.screenshot(path=str(shots / "ui-launch-dialog.png"))
        page.get_by_role("button", name="Launch backfill").click()
        expect(page.get_by_text("Created backfill")).to_be_visible(timeout=30000)
        page.screenshot(path=str(shots / "ui-launched.png"))

        deadline = time.time() + 600
        statuses: list[str] = []
        while time.time() < deadline:
            statuses = run_statuses(str(root / ".dagster"))
            if any(s in ("FAILURE", "CANCELED") for s in statuses):
                break
            if (root / "data" / "reports" / "metrics.json").exists() and statuses and all(s == "SUCCESS" for s in statuses):
                break
            time.sleep(3)
        assert statuses and all(s == "SUCCESS" for s in statuses), statuses
        data = root / "data"
        for arm in ("raw", "curated", "curated_graph"):
            checkpoint = data / "checkpoints" / arm / "s0" / "model.safetensors"
            assert checkpoint.stat().st_mtime < (data / "reports" / "metrics.json").stat().st_mtime, arm

        page.goto(f"{dagster_dev}/runs", wait_until="networkidle")
        expect(page.get_by_text("Success").first).to_be_visible(timeout=120000)  # a busy 2-core machine renders slowly
        page.screenshot(path=str(shots / "ui-runs.png"))
        for asset, check in CHECKS.items():
            page.goto(f"{dagster_dev}/assets/{asset}?view=checks", wait_until="networkidle")
            expect(page.get_by_text(check).first).to_be_visible(timeout=120000)
            expect(page.get_by_text("Passed").first).to_be_visible(timeout=120000)
        page.screenshot(path=str(shots / "ui-checks.png"))
        page.goto(f"{dagster_dev}/asset-groups", wait_until="networkidle")
        page.screenshot(path=str(shots / "ui-graph.png"))
        browser.close()
