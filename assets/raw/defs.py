"""Dagster definitions of the raw stage: the source registry, then the documents partitioned by source.

The registry is unpartitioned and upstream of everything on purpose. The UI's *Materialize all*
anchors its backfill on the selection's partitioned roots when they share one partitions
definition: with `raw_documents` as the only root it backfills the source partitions and skips
the recipe partitions of `checkpoint`, which no source partition reaches through partitioned
assets only. An unpartitioned root makes it backfill every partition of every asset, in
dependency order (tests/orchestration/test_automation.py checks the roots stay unpartitioned).
"""


import dagster as dg

from assets.core.dagster_resource import AtelierSettings
from assets.core.dagster_stage import open_stage, table
from assets.core.gate import Gate
from assets.core.settings import load_settings
from assets.raw import ingest, registry


def source_partitions() -> dg.StaticPartitionsDefinition:
    """Partition keys are the sources' names, read from sources.yaml when definitions load."""
    return dg.StaticPartitionsDefinition([source.name for source in load_settings().sources])


SOURCES = source_partitions()


@dg.asset(
    group_name="raw",
    kinds={"json"},
    backfill_policy=dg.BackfillPolicy.single_run(),  # the CLI's partition-range runs require it of every selected asset
    description="The sources of sources.yaml: format, rights, personal-data class, and the files behind each uri with a content fingerprint.",
)
def source_registry(context: dg.AssetExecutionContext, atelier: AtelierSettings) -> dg.MaterializeResult:
    stage = open_stage(context, atelier, "registry")
    rows = registry.build_registry(stage.settings, stage.area)["sources"]
    return stage.result({"sources": len(rows), "files": sum(r["files"] for r in rows), "registry": table(rows)})


@dg.asset(
    group_name="raw",
    deps=[source_registry],
    partitions_def=SOURCES,
    backfill_policy=dg.BackfillPolicy.single_run(),
    kinds={"parquet"},
    description="Every input of sources.yaml as documents with rights and PII class; unreadable inputs quarantined.",
)
def raw_documents(context: dg.AssetExecutionContext, atelier: AtelierSettings) -> dg.MaterializeResult:
    stage = open_stage(context, atelier, "raw")
    summary = ingest.build_raw(stage.settings, stage.area, stage.keys)
    rows = [{"source": name, **{k: v for k, v in info.items() if k != "reasons"}, "reasons": info.get("reasons", {})} for name, info in summary.items()]
    return stage.result({
        "documents": sum(r.get("documents", 0) for r in rows),
        "quarantined": sum(r.get("quarantined", 0) for r in rows),
        "skipped": sum(sum(r.get("skipped", {}).values()) for r in rows),  # WARC records that are not documents
        "sources": table(rows),
    })


GATES = [
    Gate(
        stage="registry",
        asset="source_registry",
        tables=registry.gate_tables,
        outputs=registry.outputs,
        description="every source has a unique name, known rights and personal-data class, and files behind its uri",
    ),
    Gate(
        stage="raw",
        asset="raw_documents",
        tables=ingest.gate_tables,
        outputs=ingest.outputs,
        parameters=lambda s: {"max_quarantine_fraction": s.params.ingest.max_quarantine_fraction},
        description="raw documents follow the contract; no source quarantines more than ingest.max_quarantine_fraction",
    )
]
ASSETS = [source_registry, raw_documents]
