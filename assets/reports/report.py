"""Reports stage: score the curated checkpoint and the raw-recipe ablation on the same held-out
texts and questions, audit privacy (canaries, extraction, contamination), and write
reports/metrics.json, plot data and PNGs under reports/plots/, reports/report.html and
reports/model_card.md.

metrics.json: {"curated": {...}, "raw": {...}, "ablation": {metric: curated - raw}, "qa": {...},
"privacy": {"canaries", "extraction", "contamination"}, "heldout": {...}, "corpus": {...}, "tokens": {...}}.
"""

from __future__ import annotations

import json
from typing import Optional, Sequence

import pandas as pd
import torch

from assets.checkpoints.train import RUN, load_checkpoint, run_dir
from assets.cleaned.paths import EVALSETS, LEDGER, MIXTURE
from assets.core.settings import Settings
from assets.core.storage import Storage
from assets.reports import card, html, plots
from assets.reports.bpb import score_documents, summarize
from assets.reports.contamination import contamination
from assets.reports.exposure import canary_exposure
from assets.reports.extraction import attack, read_ground_truth
from assets.reports.heldout import heldout_texts
from assets.reports.qa import score_questions
from assets.tokenized.shards import MANIFEST, load_tokenizer

__all__ = ["RUN", "build_reports", "outputs", "gate_tables", "gate_parameters", "report_metadata"]

METRICS = "reports/metrics.json"
REPORT = "reports/report.html"
CARD = "reports/model_card.md"
PLOTS = plots.PLOTS
LOSS_PLOT = f"{PLOTS}/loss.json"
QA_DIR = f"{EVALSETS}/qa"
PNGS = {"loss": "loss curves", "bpb_per_source": "bits per byte per source", "funnel": "cleaning funnel", "mixture": "training mixture"}


# A house whose sources map no catalog has no question to ask: scores are 0 and the report says why.
NO_QUESTIONS = {"questions": 0, "acc": 0.0, "acc_norm": 0.0, "chance": 0.0, "acc_over_chance": 0.0, "acc_norm_over_chance": 0.0}
NO_QUESTIONS_WORDS = "No knowledge questions: no source maps a catalog onto the graph (`entities` in the sources file)."


def recipes(settings: Settings) -> list[str]:
    return ["curated", "raw"] if settings.params.tokenize.ablation_raw else ["curated"]


def read_questions(storage: Storage) -> pd.DataFrame:
    if storage.parquet_files(QA_DIR):
        return storage.read_parquet(QA_DIR).to_pandas()
    files = storage.glob(f"{QA_DIR}/**/*.jsonl")
    if not files:
        raise FileNotFoundError(f"{storage.url(QA_DIR)}: no questions (Parquet or JSONL)")
    rows = []
    for name in files:
        for number, line in enumerate(storage.read_text(name).splitlines(), start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{storage.url(name)} line {number}: not JSON ({exc})") from None
    return pd.DataFrame(rows).sort_values("id").reset_index(drop=True)


def training_records(storage: Storage, run: str) -> list[dict]:
    return [json.loads(l) for l in storage.read_text(f"{run_dir(run)}/metrics.jsonl").splitlines() if l.strip()]


def mixture_rows(storage: Storage) -> list[dict]:
    """Share of the mixture's UTF-8 bytes per source/kind (one row per copy, or `copies` per row)."""
    table = storage.read_parquet(MIXTURE).to_pandas()
    per_row = 1 if "copy" in table.columns or "copies" not in table.columns else table["copies"]
    table = table.assign(bytes=table["text"].str.encode("utf-8").str.len() * per_row)
    grouped = table.groupby(["source", "kind"], sort=True)["bytes"].sum()
    total = float(grouped.sum()) or 1.0
    return [{"source_kind": f"{s}/{k}", "bytes": int(b), "share": round(b / total, 4)} for (s, k), b in grouped.items()]


def evaluate_recipe(settings: Settings, recipe: str, tokenizer, eot: int, texts: pd.DataFrame, questions: pd.DataFrame, truth: pd.DataFrame) -> dict:
    storage, p = settings.storage, settings.params.evaluate
    model = load_checkpoint(storage, recipe)
    nll, n_bytes, n_tokens = score_documents(model, tokenizer, texts["text"].tolist(), eot)
    overall = summarize(nll, n_bytes, n_tokens)
    by = lambda key: {k: round(summarize(nll[idx], n_bytes[idx], n_tokens[idx])["bits_per_byte"], 6) for k, idx in texts.groupby(key).indices.items()}
    qa, _ = score_questions(model, tokenizer, questions, eot) if len(questions) else (NO_QUESTIONS, None)
    canaries, canary_table = canary_exposure(model, tokenizer, settings, eot)
    extraction, _ = attack(model, tokenizer, truth, settings, eot)
    evalsets = {name: group["text"].tolist() for name, group in texts.groupby("set")}
    evalsets["qa"] = (questions["prompt"] + questions["answer"]).tolist()
    records = training_records(storage, recipe)
    return {
        "summary": {
            "bits_per_byte": round(overall["bits_per_byte"], 6),
            "byte_perplexity": round(overall["byte_perplexity"], 6),
            "token_perplexity": round(overall["token_perplexity"], 4),
            "bits_per_byte_by_source": by("source"),
            "bits_per_byte_by_set": by("set"),
            "qa_acc": round(qa["acc"], 6),
            "qa_acc_norm": round(qa["acc_norm"], 6),
            "canary_max_exposure": round(canaries.get("max_exposure", 0.0), 4),
            "canary_greedy_extracted": canaries.get("greedy_extracted", 0),
            "extracted": extraction["extracted"],
            "final_val_loss": round(records[-1]["val_loss"], 6),
            "parameters": model.num_params(),
        },
        "qa": {k: (round(v, 6) if isinstance(v, float) else v) for k, v in qa.items()},
        "canaries": canaries,
        "canary_table": canary_table,
        "extraction": extraction,
        "contamination": contamination(storage, recipe, tokenizer, evalsets, p.contamination_ngram),
        "records": records,
        "scored": overall,
    }


def ablation(curated: dict, raw: dict) -> dict:
    """curated - raw on every number both have (lower is better for bpb, loss and leaks)."""
    out = {}
    for key, value in curated.items():
        other = raw.get(key)
        if isinstance(value, dict) and isinstance(other, dict):
            out[key] = {k: round(v - other[k], 6) for k, v in value.items() if k in other}
        elif isinstance(value, (int, float)) and isinstance(other, (int, float)) and key != "parameters":
            out[key] = round(value - other, 6)
    return out


def build_reports(settings: Settings, out: Storage, partition_keys: Optional[Sequence[str]] = None) -> dict:
    """Reads tokenized/, checkpoints/<recipe>/, cleaned/ (evalsets, mixture, ledger) and the ground
    truth's pii.jsonl; writes every reports/ artifact into `out`. Returns metrics.json's content."""
    storage, p = settings.storage, settings.params.evaluate
    torch.set_num_threads(settings.params.train.threads)
    torch.manual_seed(settings.params.seed)
    manifest = storage.read_json(MANIFEST)
    tokenizer, eot = load_tokenizer(storage), manifest["eot_id"]
    texts = heldout_texts(storage, p.max_heldout_docs_per_source)
    questions, truth = read_questions(storage), read_ground_truth(settings)
    results = {recipe: evaluate_recipe(settings, recipe, tokenizer, eot, texts, questions, truth) for recipe in recipes(settings)}
    ledger = storage.read_json(LEDGER)
    metrics = {recipe: r["summary"] for recipe, r in results.items()}
    if "raw" in results:
        metrics["ablation"] = ablation(results["curated"]["summary"], results["raw"]["summary"])
    qa_chance = results["curated"]["qa"]["chance"]
    metrics["qa"] = {"questions": len(questions), "chance": round(qa_chance, 6), **{r: {k: v for k, v in x["qa"].items() if k not in ("questions", "chance")} for r, x in results.items()}}
    metrics["privacy"] = {part: {r: x[part] for r, x in results.items()} for part in ("canaries", "extraction", "contamination")}
    metrics["heldout"] = {"documents": len(texts), "bytes": int(results["curated"]["scored"]["bytes"]),
                          "documents_by_source": {k: int(v) for k, v in texts["source"].value_counts().sort_index().items()},
                          "documents_by_set": {k: int(v) for k, v in texts["set"].value_counts().sort_index().items()}}
    metrics["corpus"] = {"documents_in": ledger["documents_in"], "kept": ledger["kept"]}
    metrics["tokens"] = manifest["tokens"]
    out.write_json(METRICS, metrics)
    write_plots(out, storage, results, ledger)
    for recipe, r in results.items():
        out.write_text(f"{PLOTS}/canaries_{recipe}.csv", r["canary_table"].to_csv(index=False))
    configs = {recipe: storage.read_json(f"{run_dir(recipe)}/config.json") for recipe in results}
    out.write_text(CARD, card.model_card(settings, metrics, ledger, mixture_rows(storage), configs))
    out.write_text(REPORT, render_html(out, metrics, ledger))
    return metrics


def write_plots(out: Storage, storage: Storage, results: dict, ledger: dict) -> None:
    loss = plots.loss_records({recipe: r["records"] for recipe, r in results.items()})
    bpb = [{"recipe": recipe, "source": s, "bits_per_byte": v} for recipe, r in results.items() for s, v in r["summary"]["bits_per_byte_by_source"].items()]
    funnel = plots.funnel_records(ledger)
    mixture = mixture_rows(storage)
    for name, records in (("loss", loss), ("bpb_per_source", bpb), ("funnel", funnel), ("mixture", mixture)):
        out.write_json(f"{PLOTS}/{name}.json", records)
        out.write_text(f"{PLOTS}/{name}.csv", pd.DataFrame(records).to_csv(index=False))
    out.write_bytes(f"{PLOTS}/loss.png", plots.loss_png(loss))
    out.write_bytes(f"{PLOTS}/bpb_per_source.png", plots.grouped_bars_png(bpb, "source", "recipe", "bits_per_byte", "Held-out bits per byte per source"))
    out.write_bytes(f"{PLOTS}/funnel.png", plots.barh_png([r["step"] for r in funnel], [r["documents"] for r in funnel], "Cleaning funnel", "documents"))
    out.write_bytes(f"{PLOTS}/mixture.png", plots.barh_png([r["source_kind"] for r in mixture], [r["share"] for r in mixture], "Training mixture", "share of bytes"))


def render_html(out: Storage, metrics: dict, ledger: dict) -> str:
    runs = [r for r in ("curated", "raw") if r in metrics]
    scalar = [k for k, v in metrics["curated"].items() if not isinstance(v, dict)]
    compare = [{"metric": k, **{r: metrics[r][k] for r in runs}, **({"curated - raw": metrics["ablation"].get(k, "")} if "ablation" in metrics else {})} for k in scalar]
    sources = sorted(metrics["curated"]["bits_per_byte_by_source"])
    per_source = [{"source": s, **{r: metrics[r]["bits_per_byte_by_source"].get(s) for r in runs}} for s in sources]
    privacy = metrics["privacy"]
    canary_rows = [{"recipe": r, "repetitions": k, **v} for r in runs for k, v in privacy["canaries"][r].get("by_repetitions", {}).items()]
    contamination_rows = [{"recipe": r, "set": s, **v} for r in runs for s, v in privacy["contamination"][r].items()]
    extraction_rows = [{"recipe": r, **{k: v for k, v in privacy["extraction"][r].items() if not isinstance(v, dict)}} for r in runs]
    img = lambda name: html.image(out.read_bytes(f"{PLOTS}/{name}.png"), PNGS[name])
    return html.page("Atelier eval report", [
        ("Curated vs raw recipe (same held-out texts)", html.table(compare)),
        ("Bits per byte per source", html.table(per_source) + img("bpb_per_source")),
        ("Knowledge questions", f"<p>{metrics['qa']['questions']} questions, chance {metrics['qa']['chance']:.3f}</p>" + html.table([{"recipe": r, **metrics["qa"][r]} for r in runs])
         if metrics["qa"]["questions"] else f"<p>{NO_QUESTIONS_WORDS}</p>"),
        ("Canary exposure", html.table(canary_rows)),
        ("Client-data extraction attack", html.table(extraction_rows)),
        ("Contamination of evaluation sets", html.table(contamination_rows)),
        ("Validation loss", img("loss")),
        ("Cleaning funnel", html.table(plots.funnel_records(ledger)) + img("funnel")),
        ("Training mixture", img("mixture")),
    ])


def report_metadata(area: Storage) -> dict[str, str]:
    """{name: markdown} and {name_plot: PNG location (a local path or s3:// URL)} for Dagster
    metadata (MetadataValue.md for markdown, MetadataValue.path / image for the PNGs)."""
    metrics = area.read_json(METRICS)
    runs = [r for r in ("curated", "raw") if r in metrics]
    rows = [{"metric": k, **{r: metrics[r][k] for r in runs}, **({"curated - raw": metrics["ablation"].get(k, "")} if "ablation" in metrics else {})}
            for k, v in metrics["curated"].items() if not isinstance(v, dict)]
    out = {"metrics": card.table(rows), "model_card": area.read_text(CARD)}
    out.update({f"{name}_plot": area.path(f"{PLOTS}/{name}.png") if area.is_local else area.url(f"{PLOTS}/{name}.png") for name in PNGS})
    return out


def outputs(settings: Settings, partition_keys=None) -> list[str]:
    return ["reports"]


def gate_tables(area: Storage, settings: Settings, partition_keys=None) -> dict[str, pd.DataFrame]:
    metrics = area.read_json(METRICS)
    curated = metrics["curated"]
    gated = pd.DataFrame([{
        "run": "curated",
        "bits_per_byte": curated["bits_per_byte"],
        "qa_acc_over_chance": metrics["qa"]["curated"]["acc_over_chance"],
        "canary_max_exposure": curated["canary_max_exposure"],
        "extracted": curated["extracted"],
    }])
    sources = pd.DataFrame([{"run": r, "source": s, "bits_per_byte": v} for r in ("curated", "raw") if r in metrics for s, v in metrics[r]["bits_per_byte_by_source"].items()],
                           columns=["run", "source", "bits_per_byte"])
    ablation = pd.DataFrame([{"bits_per_byte_curated_minus_raw": metrics["ablation"]["bits_per_byte"]}] if "ablation" in metrics else [],
                            columns=["bits_per_byte_curated_minus_raw"])
    return {"reports_metrics": gated, "reports_sources": sources, "reports_ablation": ablation}


def gate_parameters(settings: Settings) -> dict[str, float]:
    p = settings.params.evaluate
    return {"max_bpb": p.max_bpb, "min_qa_over_chance": p.min_qa_over_chance, "max_canary_exposure": p.max_canary_exposure,
            "max_extracted": p.max_extracted, "max_bpb_vs_raw": p.max_bpb_vs_raw}
