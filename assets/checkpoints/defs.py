"""Dagster definitions of the checkpoints stage.

One asset partitioned by run: each arm of the ablation (tokenize.arms) times train.seeds seed
replicates, keyed `<arm>-s<k>` (assets/checkpoints/runs.py), all trained with the same model,
recipe and token budget; a run over several partitions trains them in turn and the gate publishes
each one it trained. On one process it trains in the asset's own process; with
ATELIER_TRAIN_NPROC > 1 (and ATELIER_TRAIN_NNODES / ATELIER_RDZV_ENDPOINT across nodes) each run
is launched with torchrun through Dagster Pipes, rank 0 streaming its metrics to the run.
"""

import os

import dagster as dg

from assets.core.dagster_resource import AtelierSettings
from assets.core.dagster_stage import open_stage, table
from assets.core.settings import load_settings
from assets.core.gate import Gate
from assets.checkpoints import hf_export, runs, train, worker


def _launch_settings() -> tuple[int, int, str | None]:
    return (
        int(os.environ.get("ATELIER_TRAIN_NPROC", "1")),
        int(os.environ.get("ATELIER_TRAIN_NNODES", "1")),
        os.environ.get("ATELIER_RDZV_ENDPOINT") or None,
    )


# Read from params.yaml when definitions load, like the source partitions.
RUNS = dg.StaticPartitionsDefinition(runs.partition_keys(load_settings()))


@dg.asset(
    group_name="checkpoints",
    partitions_def=RUNS,
    deps=["tokenized_shards"],
    kinds={"pytorch"},
    automation_condition=dg.AutomationCondition.eager(),
    backfill_policy=dg.BackfillPolicy.single_run(),
    op_tags={"atelier/stage": "checkpoints"},
    description="GPTs pre-trained from scratch, one per arm (raw, curated, curated+graph) and seed, at equal compute: the ablation.",
)
def checkpoint(context: dg.AssetExecutionContext, atelier: AtelierSettings, pipes_subprocess_client: dg.PipesSubprocessClient) -> dg.MaterializeResult:
    stage = open_stage(context, atelier, "checkpoints")
    settings, area = stage.settings, stage.area
    nproc, nnodes, rdzv = _launch_settings()

    def log(record: dict) -> None:
        context.log.info(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in record.items()))

    def torchrun(run: runs.Run) -> dict:
        command = worker.torchrun_command(settings, run.key, nproc, nnodes, rdzv, out=area.url())
        invocation = pipes_subprocess_client.run(command=command, context=context, env={**os.environ, **worker.torchrun_env(settings, nproc)})
        return {k: v.value for k, v in invocation.get_materialize_result().metadata.items()}

    summaries = train.build_checkpoints(settings, area, stage.keys, log, launch=torchrun if nproc * nnodes > 1 else None)
    rows = [{"run": key, **{k: v for k, v in s.items() if isinstance(v, (int, float, str)) and k != "run"}} for key, s in summaries.items()]
    return stage.result({
        "runs": table(rows),
        **{f"{key}_final_val_loss": s.get("final_val_loss") for key, s in summaries.items()},
        "processes": nproc * nnodes,
    })


@dg.asset(
    group_name="checkpoints",
    partitions_def=checkpoint.partitions_def,  # the checkpoint's own partitions, whatever they become
    deps=[checkpoint],
    kinds={"huggingface"},
    automation_condition=dg.AutomationCondition.eager(),
    backfill_policy=dg.BackfillPolicy.single_run(),
    op_tags={"atelier/stage": "checkpoints"},
    description="Each checkpoint as a Hugging Face transformers folder (checkpoints/<arm>/hf/: GPT2LMHeadModel, tokenizer, model card), gated on reproducing our logits.",
)
def hf_checkpoint(context: dg.AssetExecutionContext, atelier: AtelierSettings) -> dg.MaterializeResult:
    stage = open_stage(context, atelier, hf_export.STAGE)
    exports = hf_export.export_runs(stage.settings, stage.area, stage.keys)
    return stage.result({"exports": table([{**e, "files": ", ".join(e["files"])} for e in exports])})


GATES = [
    Gate(
        stage="checkpoints",
        asset="checkpoint",
        tables=train.gate_tables,
        outputs=train.outputs,
        parameters=lambda s: {"min_loss_drop": s.params.train.min_loss_drop, "min_finetune_loss_drop_share": s.params.train.min_finetune_loss_drop_share},
        description="losses finite, validation loss fell by train.min_loss_drop (the finetuned arm: by train.min_finetune_loss_drop_share of its start), each checkpoint reloads and generates",
    ),
    Gate(
        stage=hf_export.STAGE,
        asset="hf_checkpoint",
        tables=hf_export.gate_tables,
        outputs=hf_export.outputs,
        parameters=lambda s: {"max_logit_diff": hf_export.MAX_LOGIT_DIFF},
        description="plain transformers loads each export; its fp32 logits are within 1e-4 of ours (the largest difference is reported), greedy generation and tokenizer ids match",
    ),
]
ASSETS = [checkpoint, hf_checkpoint]
RESOURCES = {"pipes_subprocess_client": dg.PipesSubprocessClient()}
