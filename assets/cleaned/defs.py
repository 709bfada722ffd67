"""Dagster definitions of the cleaned stage.

raw -> graph -> evalsets -> corpus -> synthetic -> mixture: the graph and the held-out facts come
first so that curation can decontaminate against them and generation can leave them out.
"""

import base64

import dagster as dg

from assets.core.dagster_resource import AtelierSettings
from assets.core.dagster_stage import markdown_table, partition_keys, staging_area, to_metadata
from assets.core.gate import Gate
from assets.cleaned import curate, funnel, gate
from assets.cleaned.context import privacy_context
from assets.cleaned.graph import evalsets, graph, mixture, synthetic

COMMON = dict(
    group_name="cleaned",
    automation_condition=dg.AutomationCondition.eager(),
    backfill_policy=dg.BackfillPolicy.single_run(),
)


def _build(context, atelier: AtelierSettings, stage: str, build) -> dg.MaterializeResult:
    settings = atelier.load()
    area = staging_area(context, settings, stage, partition_keys(context))
    return dg.MaterializeResult(metadata=to_metadata(build(settings, area), area))


@dg.asset(deps=["raw_documents"], kinds={"parquet", "rdf"}, description="The house's knowledge graph: nodes, typed edges with provenance, GraphML and Turtle.", **COMMON)
def cleaned_graph(context: dg.AssetExecutionContext, atelier: AtelierSettings) -> dg.MaterializeResult:
    return _build(context, atelier, "cleaned_graph", graph.build_graph)


@dg.asset(deps=["cleaned_graph", "raw_documents"], kinds={"parquet"}, description="Held-out facts as multiple-choice cloze questions and held-out documents per source.", **COMMON)
def cleaned_evalsets(context: dg.AssetExecutionContext, atelier: AtelierSettings) -> dg.MaterializeResult:
    return _build(context, atelier, "cleaned_evalsets", evalsets.build_evalsets)


@dg.asset(deps=["raw_documents", "cleaned_evalsets"], kinds={"parquet"}, description="The curated training corpus and the ledger that accounts for every input document.", **COMMON)
def cleaned_corpus(context: dg.AssetExecutionContext, atelier: AtelierSettings) -> dg.MaterializeResult:
    settings = atelier.load()
    area = staging_area(context, settings, "cleaned", partition_keys(context))
    privacy = privacy_context(settings)
    result = curate.build_cleaned(settings, area, context=privacy)
    ledger = result["ledger"]
    by_source = [{"source": name, **{k: (v if isinstance(v, int) else sum(v.values())) for k, v in book.items()}} for name, book in ledger["sources"].items()]
    funnel_png = base64.b64encode(funnel.funnel_png(ledger)).decode()
    return dg.MaterializeResult(
        metadata={
            "documents_in": ledger["documents_in"],
            "kept": ledger["kept"],
            "funnel": dg.MetadataValue.md(funnel.funnel_markdown(ledger)),
            "funnel_plot": dg.MetadataValue.md(f"![funnel](data:image/png;base64,{funnel_png})"),
            "by_source": dg.MetadataValue.md(markdown_table(by_source)),
            "funnel_by_source": dg.MetadataValue.md(markdown_table(funnel.source_records(ledger))),
            "funnel_by_source_plot": dg.MetadataValue.md(f"![funnel by source](data:image/png;base64,{base64.b64encode(funnel.source_png(ledger)).decode()})"),
            "removed_by_kind": dg.MetadataValue.md(markdown_table(result["removed_by_kind"]) if result["removed_by_kind"] else "nothing removed by a filter"),
            "decontamination": dg.MetadataValue.json(privacy.decontamination),
            "expert_quality_model": dg.MetadataValue.json(privacy.quality_metrics),
        }
    )


@dg.asset(deps=["raw_documents", "cleaned_evalsets"], kinds={"parquet"}, description="Ablation recipe `raw`: the documents the house may train on, consent and PII enforced, nothing else cleaned.", **COMMON)
def cleaned_raw_recipe(context: dg.AssetExecutionContext, atelier: AtelierSettings) -> dg.MaterializeResult:
    settings = atelier.load()
    area = staging_area(context, settings, "cleaned_raw_recipe", partition_keys(context))
    result = curate.build_raw_recipe(settings, area, steps=curate.raw_recipe_steps(settings, privacy_context(settings)))
    return dg.MaterializeResult(metadata={"documents": result["documents"], "ledger": dg.MetadataValue.json(result["ledger"])})


@dg.asset(deps=["cleaned_graph", "cleaned_evalsets"], kinds={"parquet"}, description="Synthetic documents from the graph (verbalized facts, advisor dialogues, product Q&A), with provenance.", **COMMON)
def cleaned_synthetic(context: dg.AssetExecutionContext, atelier: AtelierSettings) -> dg.MaterializeResult:
    return _build(context, atelier, "cleaned_synthetic", synthetic.build_synthetic)


@dg.asset(deps=["cleaned_corpus", "cleaned_synthetic", "cleaned_evalsets"], kinds={"parquet"}, description="The training mixture: weighted corpus and synthetic documents, synthetic share capped.", **COMMON)
def cleaned_mixture(context: dg.AssetExecutionContext, atelier: AtelierSettings) -> dg.MaterializeResult:
    return _build(context, atelier, "cleaned_mixture", mixture.build_mixture)


GATES = [
    Gate("cleaned_graph", "cleaned_graph", graph.gate_tables, graph.outputs,
         description="node ids unique, no dangling edge, every edge has provenance, exports parse"),
    Gate("cleaned_evalsets", "cleaned_evalsets", evalsets.gate_tables, evalsets.outputs, evalsets.gate_parameters,
         description="enough questions, answers never among their distractors"),
    Gate("cleaned", "cleaned_corpus", gate.corpus_gate_tables, gate.outputs, gate.gate_parameters,
         description="the ledger reconciles, the corpus holds exactly the kept documents, only training rights, no detectable PII, no opted-out client"),
    Gate("cleaned_raw_recipe", "cleaned_raw_recipe", gate.raw_recipe_gate_tables, gate.raw_recipe_outputs,
         description="the raw recipe holds only documents the house may train on"),
    Gate("cleaned_synthetic", "cleaned_synthetic", synthetic.gate_tables, synthetic.outputs, synthetic.gate_parameters,
         description="every synthetic document is marked and carries provenance"),
    Gate("cleaned_mixture", "cleaned_mixture", mixture.gate_tables, mixture.outputs, mixture.gate_parameters,
         description="synthetic share within graph.synthetic_cap, no held-out fact or document"),
]
ASSETS = [cleaned_graph, cleaned_evalsets, cleaned_corpus, cleaned_raw_recipe, cleaned_synthetic, cleaned_mixture]
