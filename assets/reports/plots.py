"""Plot data for `dvc plots` (JSON lists of records under reports/plots/) and the same figures as
PNG (assets/core/figures.py: the same data, the same bytes)."""

from __future__ import annotations

from assets.cleaned.funnel import funnel_rows  # the funnel in pipeline order, as the stage builds it
from assets.core.figures import png, pyplot

plt = pyplot()
PLOTS = "reports/plots"


def loss_records(training: dict[str, list[dict]]) -> list[dict]:
    return [{"run": run, "iter": r["iter"], "val_loss": r["val_loss"], **({"train_loss": r["train_loss"]} if "train_loss" in r else {})}
            for run, records in sorted(training.items()) for r in records]


def funnel_records(ledger: dict) -> list[dict]:
    """The cleaned stage's funnel rows (its metadata's order: quarantined at ingest, then each
    step's removals as the steps run) as the DVC plot's and the report's records."""
    rows = []
    for stage, out, remaining in funnel_rows(ledger):
        if stage == "documents_in":
            rows.append({"step": "documents in", "documents": remaining})
        elif stage == "kept" or stage.startswith("quarantined: "):
            rows.append({"step": stage, "documents": out})
        else:
            rows.append({"step": f"removed: {stage}", "documents": out})
    return rows


def loss_png(records: list[dict]) -> bytes:
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for run in sorted({r["run"] for r in records}):
        points = [r for r in records if r["run"] == run]
        ax.plot([r["iter"] for r in points], [r["val_loss"] for r in points], marker="o", label=f"{run} val")
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss (nats/token)")
    ax.set_title("Validation loss")
    ax.legend()
    return png(fig, dpi=90)


def grouped_bars_png(records: list[dict], group: str, series: str, value: str, title: str) -> bytes:
    groups = sorted({r[group] for r in records})
    names = sorted({r[series] for r in records})
    fig, ax = plt.subplots(figsize=(6.5, 3.5))
    width = 0.8 / max(len(names), 1)
    for k, name in enumerate(names):
        values = {r[group]: r[value] for r in records if r[series] == name}
        ax.bar([i + k * width for i in range(len(groups))], [values.get(g, 0.0) for g in groups], width, label=name)
    ax.set_xticks([i + width * (len(names) - 1) / 2 for i in range(len(groups))], groups, rotation=20, ha="right")
    ax.set_title(title)
    ax.legend()
    return png(fig, dpi=90)


def barh_png(labels: list[str], values: list[float], title: str, xlabel: str) -> bytes:
    fig, ax = plt.subplots(figsize=(6.5, 0.35 * len(labels) + 1.2))
    ax.barh(range(len(labels)), values)
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    return png(fig, dpi=90)


def error_bars_png(records: list[dict], figures: list[str]) -> bytes:
    """One panel per figure: each arm's mean with its 95% interval."""
    shown = [f for f in figures if any(r["figure"] == f for r in records)] or figures[:1]
    fig, axes = plt.subplots(1, len(shown), figsize=(3.2 * len(shown), 3.4), squeeze=False)
    for ax, name in zip(axes[0], shown):
        rows = [r for r in records if r["figure"] == name]
        means = [r["mean"] for r in rows]
        errors = [[r["mean"] - r["lo"] for r in rows], [r["hi"] - r["mean"] for r in rows]]
        ax.bar(range(len(rows)), means, yerr=errors, capsize=4, color="#7a9cc6")
        ax.set_xticks(range(len(rows)), [r["arm"] for r in rows], rotation=20, ha="right")
        ax.set_title(name.replace("_", " "))
    return png(fig, dpi=90)
