"""Dagster definitions of the tokenized stage."""


import dagster as dg

from assets.core.dagster_resource import AtelierSettings
from assets.core.dagster_stage import open_stage
from assets.core.gate import Gate
from assets.tokenized import shards


@dg.asset(
    group_name="tokenized",
    deps=["cleaned_mixture", "cleaned_raw_recipe"],
    kinds={"numpy"},
    automation_condition=dg.AutomationCondition.eager(),
    backfill_policy=dg.BackfillPolicy.single_run(),
    description="The house tokenizer and, for every arm of the ablation (raw, curated, curated+graph), train/val shards and their manifest.",
)
def tokenized_shards(context: dg.AssetExecutionContext, atelier: AtelierSettings) -> dg.MaterializeResult:
    stage = open_stage(context, atelier, "tokenized")
    manifest = shards.build_tokenized(stage.settings, stage.area)
    metadata = {
        "vocab_size": manifest["vocab_size"],
        "train_tokens": manifest["tokens"]["train"],
        "val_tokens": manifest["tokens"]["val"],
        "shards": len(manifest["shards"]),
        "tokens_per_source": manifest["tokens_per_source"],
    }
    for arm, other in manifest["arms"].items():
        metadata[f"{arm}_train_tokens"] = other["tokens"]["train"]
    return stage.result(metadata)


GATES = [
    Gate(
        stage="tokenized",
        asset="tokenized_shards",
        tables=shards.gate_tables,
        outputs=shards.outputs,
        parameters=lambda s: {"min_train_tokens": s.params.tokenize.min_train_tokens},
        description="shards match the manifest, ids below the vocabulary, enough train tokens, every source has validation tokens, only training rights in train shards",
    )
]
ASSETS = [tokenized_shards]
