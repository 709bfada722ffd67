"""Dagster definitions of the raw stage: one asset partitioned by source."""


import dagster as dg

from assets.core.dagster_resource import AtelierSettings
from assets.core.dagster_stage import markdown_table, partition_keys, staging_area
from assets.core.gate import Gate
from assets.core.settings import load_settings
from assets.raw import ingest


def source_partitions() -> dg.StaticPartitionsDefinition:
    """Partition keys are the sources' names, read from sources.yaml when definitions load."""
    return dg.StaticPartitionsDefinition([source.name for source in load_settings().sources])


SOURCES = source_partitions()


@dg.asset(
    group_name="raw",
    partitions_def=SOURCES,
    backfill_policy=dg.BackfillPolicy.single_run(),
    kinds={"parquet"},
    description="Every input of sources.yaml as documents with rights and PII class; unreadable inputs quarantined.",
)
def raw_documents(context: dg.AssetExecutionContext, atelier: AtelierSettings) -> dg.MaterializeResult:
    settings = atelier.load()
    keys = partition_keys(context)
    area = staging_area(context, settings, "raw", keys)
    summary = ingest.build_raw(settings, area, keys)
    rows = [{"source": name, **{k: v for k, v in info.items() if k != "reasons"}, "reasons": info.get("reasons", {})} for name, info in summary.items()]
    return dg.MaterializeResult(
        metadata={
            "documents": sum(r.get("documents", 0) for r in rows),
            "quarantined": sum(r.get("quarantined", 0) for r in rows),
            "sources": dg.MetadataValue.md(markdown_table(rows)),
        }
    )


GATES = [
    Gate(
        stage="raw",
        asset="raw_documents",
        tables=ingest.gate_tables,
        outputs=ingest.outputs,
        parameters=lambda s: {"max_quarantine_fraction": s.params.ingest.max_quarantine_fraction},
        description="raw documents follow the contract; no source quarantines more than ingest.max_quarantine_fraction",
    )
]
ASSETS = [raw_documents]
