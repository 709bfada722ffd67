"""Dagster definitions of the reports stage."""

import dagster as dg

from assets.core.dagster_resource import AtelierSettings
from assets.core.dagster_stage import image, open_stage
from assets.core.gate import Gate
from assets.core.settings import load_settings
from assets.reports import report
from assets.tokenized.arms import DEFAULT


@dg.asset(
    group_name="reports",
    # lm-eval scores the transformers exports only when evaluate.harness asks (read when definitions load)
    deps=["checkpoint", "cleaned_evalsets"] + (["hf_checkpoint"] if load_settings().params.evaluate.harness else []),
    kinds={"html"},
    automation_condition=dg.AutomationCondition.eager(),
    backfill_policy=dg.BackfillPolicy.single_run(),
    description="The ablation's verdict: every arm and seed on the same held-out texts and questions (bits per byte, known and unseen QA, 95% intervals), privacy per run; report.html and the model card.",
)
def eval_report(context: dg.AssetExecutionContext, atelier: AtelierSettings) -> dg.MaterializeResult:
    stage = open_stage(context, atelier, "reports")
    metrics = report.build_reports(stage.settings, stage.area)
    for finding in metrics["verdict"]["findings"]:
        if finding["gated"] and finding["holds"] is False:
            context.log.warning(f"verdict: not shown on this house: {finding['claim']} ({finding['evidence']})" + (" (blocks: evaluate.block_on_verdict)" if finding["blocks"] else ""))
    metadata: dict = {"bits_per_byte": metrics.get(DEFAULT, {}).get("bits_per_byte")}
    for name, value in report.report_metadata(stage.area).items():
        if name.endswith("_plot"):
            metadata[name] = image(stage.area.read_bytes(f"{report.PLOTS}/{name[: -len('_plot')]}.png"), name)
        else:
            metadata[name] = dg.MetadataValue.md(value)
    return stage.result(metadata)


GATES = [
    Gate(
        stage="reports",
        asset="eval_report",
        tables=report.gate_tables,
        outputs=report.outputs,
        parameters=report.gate_parameters,
        description="integrity (every arm and seed there, one token budget), privacy per run (canary exposure bounded, zero extracted client values), a sane default arm, every source scored; the verdict blocks only with evaluate.block_on_verdict",
    )
]
ASSETS = [eval_report]
