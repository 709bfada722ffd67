"""Dagster definitions of the reports stage."""

import base64

import dagster as dg

from assets.core.dagster_resource import AtelierSettings
from assets.core.dagster_stage import partition_keys, staging_area
from assets.core.gate import Gate
from assets.reports import report


@dg.asset(
    group_name="reports",
    deps=["checkpoint", "cleaned_evalsets"],
    kinds={"html"},
    automation_condition=dg.AutomationCondition.eager(),
    backfill_policy=dg.BackfillPolicy.single_run(),
    description="Bits per byte, domain QA, privacy (canaries, extraction, contamination) and the curated-vs-raw ablation; report.html and the model card.",
)
def eval_report(context: dg.AssetExecutionContext, atelier: AtelierSettings) -> dg.MaterializeResult:
    settings = atelier.load()
    area = staging_area(context, settings, "reports", partition_keys(context))
    metrics = report.build_reports(settings, area)
    metadata: dict = {"bits_per_byte": metrics["curated"]["bits_per_byte"]}
    for name, value in report.report_metadata(area).items():
        if name.endswith("_plot"):
            png = area.read_bytes(f"{report.PLOTS}/{name[: -len('_plot')]}.png")
            metadata[name] = dg.MetadataValue.md(f"![{name}](data:image/png;base64,{base64.b64encode(png).decode()})")
        else:
            metadata[name] = dg.MetadataValue.md(value)
    return dg.MaterializeResult(metadata=metadata)


GATES = [
    Gate(
        stage="reports",
        asset="eval_report",
        tables=report.gate_tables,
        outputs=report.outputs,
        parameters=report.gate_parameters,
        description="bits per byte at most evaluate.max_bpb, QA above chance, canary exposure bounded, zero extracted client values, curated no worse than raw",
    )
]
ASSETS = [eval_report]
