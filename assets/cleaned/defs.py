"""Dagster definitions of the cleaned stage."""


import dagster as dg

from assets.core.dagster_resource import AtelierSettings
from assets.core.dagster_stage import markdown_table, partition_keys, staging_area
from assets.core.gate import Gate
from assets.cleaned import curate


@dg.asset(
    group_name="cleaned",
    deps=["raw_documents"],
    kinds={"parquet"},
    automation_condition=dg.AutomationCondition.eager(),
    backfill_policy=dg.BackfillPolicy.single_run(),
    description="The curated training corpus and the ledger that accounts for every input document.",
)
def cleaned_corpus(context: dg.AssetExecutionContext, atelier: AtelierSettings) -> dg.MaterializeResult:
    settings = atelier.load()
    area = staging_area(context, settings, "cleaned", partition_keys(context))
    result = curate.build_cleaned(settings, area)
    ledger = result["ledger"]
    funnel = [{"source": name, **{k: (v if isinstance(v, int) else sum(v.values())) for k, v in book.items()}} for name, book in ledger["sources"].items()]
    reasons = [{"reason": f"removed: {k}", "documents": v} for k, v in ledger["removed"].items()]
    reasons += [{"reason": f"quarantined: {k}", "documents": v} for k, v in ledger["quarantined"].items()]
    return dg.MaterializeResult(
        metadata={
            "documents_in": ledger["documents_in"],
            "kept": ledger["kept"],
            "funnel": dg.MetadataValue.md(markdown_table(reasons)),
            "by_source": dg.MetadataValue.md(markdown_table(funnel)),
        }
    )


GATES = [
    Gate(
        stage="cleaned",
        asset="cleaned_corpus",
        tables=curate.gate_tables,
        outputs=curate.outputs,
        description="the ledger reconciles, the corpus holds exactly the kept documents, only training rights",
    )
]
ASSETS = [cleaned_corpus]
