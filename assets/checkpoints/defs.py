"""Dagster definitions of the checkpoints stage."""


import dagster as dg

from assets.core.dagster_resource import AtelierSettings
from assets.core.dagster_stage import partition_keys, staging_area
from assets.core.gate import Gate
from assets.checkpoints import train


@dg.asset(
    group_name="checkpoints",
    deps=["tokenized_shards"],
    kinds={"pytorch"},
    automation_condition=dg.AutomationCondition.eager(),
    backfill_policy=dg.BackfillPolicy.single_run(),
    description="A GPT pre-trained from scratch on the tokenized shards.",
)
def checkpoint(context: dg.AssetExecutionContext, atelier: AtelierSettings) -> dg.MaterializeResult:
    settings = atelier.load()
    area = staging_area(context, settings, "checkpoints", partition_keys(context))

    def log(record: dict) -> None:
        context.log.info(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in record.items()))

    result = train.build_checkpoints(settings, area, log=log)
    return dg.MaterializeResult(
        metadata={
            "parameters": result["parameters"],
            "initial_val_loss": result["initial_val_loss"],
            "final_val_loss": result["final_val_loss"],
        }
    )


GATES = [
    Gate(
        stage="checkpoints",
        asset="checkpoint",
        tables=train.gate_tables,
        outputs=train.outputs,
        parameters=lambda s: {"min_loss_drop": s.params.train.min_loss_drop},
        description="losses finite, validation loss fell by train.min_loss_drop, the checkpoint reloads and generates",
    )
]
ASSETS = [checkpoint]
