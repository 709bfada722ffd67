"""Dagster definitions of the reports stage."""


import dagster as dg

from assets.core.dagster_resource import AtelierSettings
from assets.core.dagster_stage import markdown_table, partition_keys, staging_area
from assets.core.gate import Gate
from assets.reports import report


@dg.asset(
    group_name="reports",
    deps=["checkpoint"],
    kinds={"html"},
    automation_condition=dg.AutomationCondition.eager(),
    backfill_policy=dg.BackfillPolicy.single_run(),
    description="Held-out bits per byte and the human-readable report.",
)
def eval_report(context: dg.AssetExecutionContext, atelier: AtelierSettings) -> dg.MaterializeResult:
    settings = atelier.load()
    area = staging_area(context, settings, "reports", partition_keys(context))
    metrics = report.build_reports(settings, area)
    rows = [{"metric": k, "value": v} for k, v in metrics[report.RUN].items()]
    return dg.MaterializeResult(metadata={"metrics": dg.MetadataValue.md(markdown_table(rows))})


GATES = [
    Gate(
        stage="reports",
        asset="eval_report",
        tables=report.gate_tables,
        outputs=report.outputs,
        parameters=lambda s: {"max_bpb": s.params.evaluate.max_bpb},
        description="held-out bits per byte at most evaluate.max_bpb",
    )
]
ASSETS = [eval_report]
