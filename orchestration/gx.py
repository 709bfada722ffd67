"""Great Expectations, the way the gates use it: a file context rooted at `expectations/`, suites
as JSON in `expectations/expectations/<suite>.json`, tables validated as pandas frames.

GX is imported lazily and once per process (it costs seconds and hundreds of MB); the context,
its pandas data source and its single dataframe asset are declared in
`expectations/great_expectations.yml`, so validating never rewrites a tracked file.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

PROJECT = Path(__file__).resolve().parent.parent
EXPECTATIONS_DIR = Path(os.environ.get("ATELIER_EXPECTATIONS", PROJECT / "expectations"))
# Data Docs' CDN scripts and styles, pinned and copied from npm (deploy/datadocs/build_vendor.py).
VENDOR = PROJECT / "deploy" / "datadocs" / "vendor"
# GX's logos, from its S3 bucket; the site ships logo-long.png in static/images.
GX_ASSET = re.compile(r"https://great-expectations-web-assets\.s3\.[a-z0-9-]+\.amazonaws\.com/([\w.-]+)[^\"')]*")
DATASOURCE, ASSET, BATCH = "atelier", "frame", "whole"


@dataclass
class ExpectationOutcome:
    expectation: str
    kwargs: dict
    success: bool
    observed: Any = None
    unexpected_count: int | None = None
    unexpected_sample: list = field(default_factory=list)
    error: str | None = None

    def describe(self) -> str:
        column = self.kwargs.get("column") or ",".join(str(v) for k, v in self.kwargs.items() if k.startswith("column"))
        text = f"{self.expectation}({column})"
        if self.error:
            return f"{text}: error {self.error}"
        if self.unexpected_count:
            return f"{text}: {self.unexpected_count} unexpected, e.g. {self.unexpected_sample[:3]}"
        return f"{text}: observed {self.observed}"


@dataclass
class SuiteOutcome:
    suite: str
    success: bool
    rows: int
    outcomes: list[ExpectationOutcome]

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]


@lru_cache(maxsize=1)
def _context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    context = gx.get_context(mode="file", context_root_dir=str(EXPECTATIONS_DIR))
    try:
        source = context.data_sources.get(DATASOURCE)
    except (KeyError, ValueError):
        source = context.data_sources.add_pandas(DATASOURCE)
    try:
        asset = source.get_asset(ASSET)
    except (LookupError, ValueError):
        asset = source.add_dataframe_asset(ASSET)
    try:
        batch_definition = asset.get_batch_definition(BATCH)
    except (KeyError, ValueError, LookupError):
        batch_definition = asset.add_batch_definition_whole_dataframe(BATCH)
    return context, batch_definition


def suite_path(name: str) -> Path:
    return EXPECTATIONS_DIR / "expectations" / f"{name}.json"


def suite_parameters(name: str) -> set[str]:
    """The {"$PARAMETER": ...} names a suite expects, so a missing threshold fails loudly."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "$PARAMETER" in node:
                found.add(node["$PARAMETER"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(suite_path(name).read_text()))
    return found


def _plain(value: Any) -> Any:
    """Numpy scalars and tuples into JSON-friendly values for metadata."""
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def validate(suite: str, table: pd.DataFrame, parameters: dict[str, Any] | None = None) -> SuiteOutcome:
    """Validate `table` with a suite through a GX checkpoint, which also stores the result and
    updates the Data Docs site (expectations/uncommitted/data_docs/local_site/)."""
    if not suite_path(suite).exists():
        raise FileNotFoundError(f"no Great Expectations suite {suite!r} at {suite_path(suite)}")
    missing = suite_parameters(suite) - set(parameters or {})
    if missing:
        raise KeyError(f"suite {suite!r} needs parameters {sorted(missing)} that the gate did not supply")
    import great_expectations as gx

    context, batch_definition = _context()
    expectation_suite = context.suites.get(suite)
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite, data=batch_definition, suite=expectation_suite)
    )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=suite,
            validation_definitions=[definition],
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")],
            result_format="SUMMARY",
        )
    )
    run = checkpoint.run(batch_parameters={"dataframe": table}, expectation_parameters=parameters or {})
    self_contained(data_docs_index().parent)
    result = next(iter(run.run_results.values()))
    outcomes = []
    for item in result.results:
        details = item.result or {}
        error = None
        if item.exception_info and item.exception_info.get("raised_exception"):
            error = str(item.exception_info.get("exception_message"))
        outcomes.append(
            ExpectationOutcome(
                expectation=item.expectation_config.type,
                kwargs={k: _plain(v) for k, v in item.expectation_config.kwargs.items() if k != "batch_id"},
                success=bool(item.success),
                observed=_plain(details.get("observed_value")),
                unexpected_count=details.get("unexpected_count"),
                unexpected_sample=_plain(details.get("partial_unexpected_list") or [])[:10],
                error=error,
            )
        )
    return SuiteOutcome(suite=suite, success=bool(result.success), rows=len(table), outcomes=outcomes)


def data_docs_index() -> Path:
    return EXPECTATIONS_DIR / "uncommitted" / "data_docs" / "local_site" / "index.html"


def latest_validation_page(suite: str) -> Path | None:
    """The Data Docs page of the newest validation with `suite`: the file to open after a failure."""
    pages = sorted((data_docs_index().parent / "validations" / suite).rglob("*.html"), key=lambda p: p.stat().st_mtime)
    return pages[-1] if pages else None


def self_contained(site: Path) -> list[Path]:
    """Point every page of the Data Docs site at local copies of the scripts, styles and logo it
    would load from CDNs, so it renders where they are blocked. Returns the pages rewritten."""
    if not site.is_dir():
        return []
    urls = json.loads((VENDOR / "urls.json").read_text())
    local = site / "static" / "vendor"
    if not (local / "urls.json").exists() or (local / "urls.json").read_bytes() != (VENDOR / "urls.json").read_bytes():
        # Atomic: validations in two processes (tests, a UI run beside a CLI run) may both get here.
        fresh = Path(tempfile.mkdtemp(dir=site / "static", prefix=".vendor-"))
        shutil.copytree(VENDOR, fresh, dirs_exist_ok=True)
        stale = fresh.with_name(fresh.name + "-stale")
        with contextlib.suppress(FileNotFoundError):
            local.rename(stale)
        try:
            fresh.rename(local)
        except OSError:  # another process put its copy (the same files) in place first
            shutil.rmtree(fresh, ignore_errors=True)
        shutil.rmtree(stale, ignore_errors=True)
    images = site / "static" / "images"
    rewritten = []
    pages = [site / "index.html", *site.glob("expectations/**/*.html"), *site.glob("validations/**/*.html"), *site.glob("static/styles/*.css")]
    for page in pages:
        try:
            text = page.read_text()
        except FileNotFoundError:  # GX had not written it (yet)
            continue
        if "https://" not in text:
            continue
        up = os.path.relpath(site / "static", page.parent)
        logo = lambda m: f"{up}/images/{m.group(1) if (images / m.group(1)).exists() else 'logo-long.png'}"  # noqa: E731
        new = GX_ASSET.sub(logo, text)
        for url, rel in urls.items():
            new = new.replace(f'"{url}"', f'"{up}/vendor/{rel}"')
        if new != text:
            handle, temp = tempfile.mkstemp(dir=page.parent, prefix=f".{page.name}.", suffix=".tmp")
            with os.fdopen(handle, "w") as f:
                f.write(new)
            os.replace(temp, page)  # a reader sees the old page or the new one, never half
            rewritten.append(page)
    return rewritten


def canonicalize() -> list[str]:
    """Rewrite every suite in the form GX saves it (ids, defaults), so that validating never
    changes a tracked suite file (DVC depends on them). Returns the suites that changed."""
    context, _ = _context()
    changed = []
    for path in sorted((EXPECTATIONS_DIR / "expectations").glob("*.json")):
        before = path.read_text()
        suite = context.suites.get(path.stem)
        suite.save()
        if path.read_text() != before:
            changed.append(path.stem)
    return changed


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["canonicalize"]:
        sys.exit("usage: python -m orchestration.gx canonicalize")
    print("rewritten:", canonicalize() or "none")
