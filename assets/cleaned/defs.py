"""Dagster definitions of the cleaned stage.

raw -> graph -> evalsets -> corpus -> synthetic -> mixture: the graph and the held-out facts come
first so that curation can decontaminate against them and generation can leave them out.
"""

import dagster as dg

from assets.core.dagster_resource import AtelierSettings
from assets.core.dagster_stage import image, open_stage, table
from assets.core.gate import Gate
from assets.cleaned import curate, funnel, gate
from assets.cleaned.context import privacy_context
from assets.cleaned.paths import FUNNEL_PNG
from assets.cleaned.graph import evalsets, graph, mixture, synthetic

COMMON = dict(
    group_name="cleaned",
    automation_condition=dg.AutomationCondition.eager(),
    backfill_policy=dg.BackfillPolicy.single_run(),
)


@dg.asset(deps=["raw_documents"], kinds={"parquet", "rdf"}, description="The house's knowledge graph: nodes, typed edges with provenance, GraphML and Turtle.", **COMMON)
def cleaned_graph(context: dg.AssetExecutionContext, atelier: AtelierSettings) -> dg.MaterializeResult:
    stage = open_stage(context, atelier, "cleaned_graph")
    return stage.result(graph.build_graph(stage.settings, stage.area))


@dg.asset(deps=["cleaned_graph", "raw_documents"], kinds={"parquet"}, description="Held-out facts as multiple-choice cloze questions and held-out documents per source.", **COMMON)
def cleaned_evalsets(context: dg.AssetExecutionContext, atelier: AtelierSettings) -> dg.MaterializeResult:
    stage = open_stage(context, atelier, "cleaned_evalsets")
    return stage.result(evalsets.build_evalsets(stage.settings, stage.area))


@dg.asset(deps=["raw_documents", "cleaned_evalsets"], kinds={"parquet"}, description="The curated training corpus and the ledger that accounts for every input document.", **COMMON)
def cleaned_corpus(context: dg.AssetExecutionContext, atelier: AtelierSettings) -> dg.MaterializeResult:
    stage = open_stage(context, atelier, "cleaned")
    privacy = privacy_context(stage.settings)
    result = curate.build_cleaned(stage.settings, stage.area, context=privacy)
    ledger = result["ledger"]
    by_source = [{"source": name, **{k: (v if isinstance(v, int) else sum(v.values())) for k, v in book.items()}} for name, book in ledger["sources"].items()]
    return stage.result({
        "documents_in": ledger["documents_in"],
        "kept": ledger["kept"],
        "funnel_md": funnel.funnel_markdown(ledger),
        "funnel_plot": image(funnel.funnel_png(ledger), "funnel"),
        "by_source": table(by_source),
        "funnel_by_source": table(funnel.source_records(ledger)),
        "funnel_by_source_plot": FUNNEL_PNG,  # the chart the stage staged
        "removed_by_kind": table(result["removed_by_kind"]) if result["removed_by_kind"] else dg.MetadataValue.md("nothing removed by a filter"),
        "decontamination": dg.MetadataValue.json(privacy.decontamination),
        "expert_quality_model": dg.MetadataValue.json(privacy.quality_metrics),
    })


@dg.asset(deps=["raw_documents", "cleaned_evalsets"], kinds={"parquet"}, description="Ablation recipe `raw`: the documents the house may train on, consent and PII enforced, nothing else cleaned.", **COMMON)
def cleaned_raw_recipe(context: dg.AssetExecutionContext, atelier: AtelierSettings) -> dg.MaterializeResult:
    stage = open_stage(context, atelier, "cleaned_raw_recipe")
    result = curate.build_raw_recipe(stage.settings, stage.area, steps=curate.raw_recipe_steps(stage.settings, privacy_context(stage.settings)))
    return stage.result({"documents": result["documents"], "ledger": result["ledger"]})


@dg.asset(deps=["cleaned_graph", "cleaned_evalsets"], kinds={"parquet"}, description="Synthetic documents from the graph (verbalized facts, advisor dialogues, product Q&A), with provenance.", **COMMON)
def cleaned_synthetic(context: dg.AssetExecutionContext, atelier: AtelierSettings) -> dg.MaterializeResult:
    stage = open_stage(context, atelier, "cleaned_synthetic")
    return stage.result(synthetic.build_synthetic(stage.settings, stage.area))


@dg.asset(deps=["cleaned_corpus", "cleaned_synthetic", "cleaned_evalsets"], kinds={"parquet"}, description="The training mixture: weighted corpus and synthetic documents, synthetic share capped.", **COMMON)
def cleaned_mixture(context: dg.AssetExecutionContext, atelier: AtelierSettings) -> dg.MaterializeResult:
    stage = open_stage(context, atelier, "cleaned_mixture")
    return stage.result(mixture.build_mixture(stage.settings, stage.area))


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
