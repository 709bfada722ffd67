"""The pages we point a user at render with the network blocked (house platforms often block CDNs).

- `dvc plots show` in a fresh git repository with the project's dvc.yaml, .dvc/config and
  deploy/plots/: no warning, and every plot definition draws a chart from the page's inlined vega.
- Great Expectations' Data Docs after a real validation through orchestration/gx.py: the index
  lists the validation, and its page shows the expectation rows, the failing one included.
Chromium (Debian's, driven by Playwright) may open only file:// URLs; any other request fails
the test. Screenshots go under the test's folder (and $ATELIER_SCREENSHOTS if set).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.conftest import DVC, PROJECT, run
from tests.e2e.test_ui import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")]


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("ATELIER_SCREENSHOTS", tmp_path / "shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def offline_page():
    """A Chromium page that may load file:// URLs only; `.blocked` lists what else it asked for."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        blocked: list[str] = []

        def route(request_route):
            if request_route.request.url.startswith("file://"):
                request_route.continue_()
            else:
                blocked.append(request_route.request.url)
                request_route.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.blocked = blocked
        yield page
        browser.close()


# Pixels whose channels differ (vega's marks are coloured; axes, text and background are grey).
COLOURED_PIXELS = """charts => charts.map(c => {
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]) > 40) n++;
    return n;
})"""


def write_plot_data(root: Path, monkeypatch) -> None:
    """The reports stage's own plot writer, on a small two-arm result."""
    from assets.core.storage import Storage
    from assets.reports import report

    from assets.checkpoints.runs import Run

    records = {Run(arm, 0): [{"iter": 0, "val_loss": 6.2 + k}, {"iter": 20, "train_loss": 5.3, "val_loss": 5.1 + k}, {"iter": 40, "train_loss": 4.9, "val_loss": 4.8 + k}]
               for k, arm in enumerate(["curated_graph", "raw"])}
    results = {run: {"records": r} for run, r in records.items()}
    metrics = {run.arm: {"bits_per_byte": 2.3 + k, "bits_per_byte_lo": 2.2 + k, "bits_per_byte_hi": 2.4 + k,
                         "bits_per_byte_by_source": {"catalog": 2.1 + k, "press": 2.6 + k}} for k, run in enumerate(records)}
    ledger = {"documents_in": 10, "kept": 6, "removed": {"near_duplicate": 3}, "quarantined": {"unreadable": 1},
              "sources": {"catalog": {"documents_in": 7, "kept": 5, "removed": {"near_duplicate": 2}, "quarantined": {}},
                          "press": {"documents_in": 3, "kept": 1, "removed": {"near_duplicate": 1}, "quarantined": {"unreadable": 1}}}}
    monkeypatch.setattr(report, "mixture_rows", lambda storage: [{"source_kind": "catalog/catalog", "share": 0.7}, {"source_kind": "press/press", "share": 0.3}])
    report.write_plots(Storage(str(root / "data")), None, metrics, results, ledger)


@pytest.mark.skipif(not Path(DVC).exists(), reason="the dvc environment (.venv-dvc) is missing")
def test_dvc_plots_render_offline(tmp_path, monkeypatch, offline_page, shots):
    root = tmp_path / "repo"
    for rel in ["dvc.yaml", "params.yaml", ".dvc/config", "deploy/plots/template.html", "deploy/plots/templates"]:
        source, target = PROJECT / rel, root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    write_plot_data(root, monkeypatch)

    shown = run([DVC, "plots", "show", "-o", str(tmp_path / "plots")], cwd=root)  # the README's command, as is
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "WARNING" not in shown.stdout + shown.stderr and "ERROR" not in shown.stdout + shown.stderr, shown.stdout + shown.stderr
    html = (tmp_path / "plots" / "index.html").read_text()
    assert "cdn.jsdelivr" not in html and "<script src=" not in html, "vega comes inlined, from no CDN"

    page = offline_page
    page.goto((tmp_path / "plots" / "index.html").as_uri())
    definitions = yaml.safe_load((root / "dvc.yaml").read_text())["plots"]
    charts = page.locator(".vega-embed .marks")  # the chart, not the actions menu's icon
    charts.nth(len(definitions) - 1).wait_for(timeout=30000)
    page.screenshot(path=str(shots / "dvc-plots.png"), full_page=True)
    assert charts.count() == len(definitions), "one chart per plot definition"
    coloured = charts.evaluate_all(COLOURED_PIXELS)
    assert all(n > 200 for n in coloured), f"every chart draws its marks (coloured pixels per chart: {coloured})"
    assert page.blocked == [], page.blocked


def test_data_docs_render_offline(tmp_path, offline_page, shots):
    expectations = tmp_path / "expectations"
    shutil.copytree(PROJECT / "expectations", expectations, ignore=shutil.ignore_patterns("uncommitted"))
    table = tmp_path / "rights.parquet"
    pd.DataFrame({"doc_id": ["a", "b", "c"], "rights": ["train", "train", "none"]}).to_parquet(table)
    code = ("import sys, pandas as pd\nfrom orchestration import gx\n"
            "outcome = gx.validate('tokenized_rights', pd.read_parquet(sys.argv[1]))\nprint(outcome.success)")
    validated = subprocess.run([sys.executable, "-c", code, str(table)], cwd=PROJECT, capture_output=True, text=True, timeout=300,
                               env={**os.environ, "ATELIER_EXPECTATIONS": str(expectations)})
    assert validated.returncode == 0 and validated.stdout.split()[-1] == "False", validated.stdout + validated.stderr[-3000:]

    site = expectations / "uncommitted" / "data_docs" / "local_site"
    for page_file in site.rglob("*.html"):
        text = page_file.read_text()
        assert 'src="http' not in text and 'href="https://cdn' not in text and "stylesheet\" href=\"http" not in text, page_file

    page = offline_page
    page.goto((site / "index.html").as_uri())
    listed = page.locator("table tbody tr", has_text="tokenized_rights")
    listed.first.wait_for(timeout=30000)  # bootstrap-table draws the list: it needs its local scripts
    page.screenshot(path=str(shots / "data-docs-index.png"), full_page=True)

    validation = next((site / "validations" / "tokenized_rights").rglob("*.html"))
    page.goto(validation.as_uri())
    row = page.locator("tr", has_text="values must belong to this set")
    row.first.wait_for(timeout=30000)
    page.screenshot(path=str(shots / "data-docs-validation.png"), full_page=True)
    assert "33% unexpected" in row.first.inner_text(), row.first.inner_text()
    assert page.locator("td", has_text=re.compile(r"^\s*none\s*$")).count() >= 1, "the failing row lists the unexpected value"
    assert page.locator(".fa-check-circle, .fa-times").first.evaluate("e => getComputedStyle(e, '::before').fontFamily").find("Font Awesome") >= 0
    assert page.evaluate("typeof jQuery") == "function" and page.evaluate("typeof vegaEmbed") == "function"
    assert page.blocked == [], page.blocked
