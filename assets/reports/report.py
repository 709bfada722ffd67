"""Reports stage: score every run (arm x seed) on the same held-out texts and questions, audit
privacy, and write reports/metrics.json, plot data and PNGs under reports/plots/,
reports/report.html and reports/model_card.md. The report opens with the verdict.

metrics.json: {"verdict": {"sentence", "findings"}, <arm>: {figure, figure_lo, figure_hi, ...},
"differences": {"<arm> - <arm>": {figure: {mean, lo, hi}}}, "qa", "heldout", "in_distribution",
"privacy": {"canaries", "extraction": per run, "contamination": per arm}, "integrity", "samples",
"corpus", "tokens"}. Intervals are 95%, bootstrap over items and seeds (intervals.py).
"""

from __future__ import annotations

import json
import math
import zlib
from typing import Optional, Sequence

import numpy as np
import pandas as pd
import torch

from assets.checkpoints.runs import Run, parse, runs
from assets.checkpoints.train import load_checkpoint, tokens_per_step
from assets.cleaned import funnel as cleaned_funnel, truth as curation_truth
from assets.cleaned.graph.evalsets import SETS, read_heldout_sources, read_questions
from assets.cleaned.graph.verbalize import generated_vocabulary, words
from assets.cleaned.paths import LEDGER, MIXTURE
from assets.core.markdown import markdown_table
from assets.core.settings import Settings
from assets.core.storage import Storage
from assets.reports import card, html, plots, verdict
from assets.reports.attacks import memorization_curve, redaction_in_corpus, run_attacks
from assets.reports.bpb import score_documents, summarize
from assets.reports.contamination import contamination, train_documents
from assets.reports.exposure import canary_exposure
from assets.reports.extraction import attack, read_ground_truth
from assets.reports.generate import continuations, exact_match
from assets.reports.harness import beside
from assets.reports.heldout import contaminated, in_distribution_texts, independent_texts, out_of_scope
from assets.reports.intervals import Bootstrap, Scores
from assets.reports.qa import score_questions
from assets.tokenized.arms import ARMS, BASELINE, DEFAULT, FINETUNED, label, selected
from assets.tokenized.shards import TOKENIZER, load_tokenizer, read_manifest

METRICS = "reports/metrics.json"
REPORT = "reports/report.html"
CARD = "reports/model_card.md"
PLOTS = plots.PLOTS
PNGS = {"arms": "arms at equal compute, 95% intervals", "loss": "loss curves", "bpb_per_source": "bits per byte per source",
        "funnel": "cleaning funnel", "mixture": "training mixture", "funnel_by_source": "each source's documents, kept and removed by step"}
QA_FIGURES = ("acc", "acc_norm", "exact_match")
PHRASING_WORDS = ("Each `known` frame is a sentence frame no training text uses, `known_far` a wording made of words no generator writes; "
                  "'words no generated text uses' names the frame's words that no generated training text uses (the house's own documents may).")
PAIRS = [(DEFAULT, BASELINE), (DEFAULT, "curated"), ("curated", BASELINE), (FINETUNED, DEFAULT)]  # finetuned: at equal house tokens
HELDOUT_SETS = ("heldout", "low_quality", "contaminated", "out_of_scope")  # assets/reports/heldout.py: the headline and the sets scored apart
HEADLINE = ["known_acc", "known_exact_match", "unseen_acc", "bits_per_byte"]
FIGURE_NAMES = {  # how the report's tables name metrics.json's figures
    "bits_per_byte": "held-out bits per byte (headline; lower is better)",
    "low_quality_bits_per_byte": "held-out documents the house judges low quality (its experts' labels, its document filters), bits per byte (not the headline)",
    "contaminated_bits_per_byte": "held-out documents some arm trained a near copy of, bits per byte (not the headline)",
    "out_of_scope_bits_per_byte": "held-out documents in a language the house does not write, bits per byte (not the headline)",
    "all_heldout_bits_per_byte": "every held-out document, bits per byte (the headline's set with the three above)",
    "eval_only_bits_per_byte": "evaluation-only documents, bits per byte",
    "in_distribution_bits_per_byte": "own validation split, bits per byte (in-distribution, not comparable)",
    **{f"{s}_{f}": f"{s} questions, {f.replace('_', ' ')}" for s in SETS for f in ("acc", "acc_norm", "exact_match")},
}
NO_QUESTIONS_WORDS = "No knowledge questions: no source maps a catalog onto the graph (`entities` in the sources file)."


def training_records(storage: Storage, run: Run) -> list[dict]:
    return [json.loads(l) for l in storage.read_text(f"{run.folder}/metrics.jsonl").splitlines() if l.strip()]


def mixture_rows(storage: Storage) -> list[dict]:
    """Share of the mixture's UTF-8 bytes per source/kind (one row per copy, or `copies` per row)."""
    table = storage.read_parquet(MIXTURE).to_pandas()
    per_row = 1 if "copy" in table.columns or "copies" not in table.columns else table["copies"]
    table = table.assign(bytes=table["text"].str.encode("utf-8").str.len() * per_row)
    grouped = table.groupby(["source", "kind"], sort=True)["bytes"].sum()
    total = float(grouped.sum()) or 1.0
    return [{"source_kind": f"{s}/{k}", "bytes": int(b), "share": round(b / total, 4)} for (s, k), b in grouped.items()]


def integrity(settings: Settings, storage: Storage) -> list[dict]:
    """One row per declared run: are its arm's shards and its checkpoint there, and did it train
    on the token budget every arm shares (train.max_iters x tokens per step)?"""
    p = settings.params.train
    budget = p.max_iters * tokens_per_step(p)
    rows = []
    for run in runs(settings):
        shards = storage.exists(ARMS[run.arm].manifest)
        present = storage.exists(f"{run.folder}/config.json") and storage.exists(f"{run.folder}/model.safetensors")
        trained = int(storage.read_json(f"{run.folder}/config.json").get("tokens", -1)) if present else -1
        rows.append({"run": run.key, "arm": run.arm, "shards_present": shards, "checkpoint_present": present,
                     "tokens_trained": trained, "token_budget": budget, "budget_matches": trained == budget})
    return rows


def evaluate_run(settings: Settings, run: Run, tokenizer, eot: int, texts: pd.DataFrame, questions: pd.DataFrame, own_val: pd.DataFrame, truth: pd.DataFrame) -> dict:
    storage, p = settings.storage, settings.params.evaluate
    model = load_checkpoint(storage, run)
    nll, n_bytes, n_tokens = score_documents(model, tokenizer, texts["text"].tolist(), eot)
    val_nll, val_bytes, val_tokens = score_documents(model, tokenizer, own_val["text"].tolist(), eot)
    if len(questions):
        _, mc = score_questions(model, tokenizer, questions, eot)
        qa = mc.merge(exact_match(model, tokenizer, questions, eot), on="id", validate="one_to_one")
    else:  # a house that maps no catalog has no question to ask (NO_QUESTIONS_WORDS says so)
        qa = pd.DataFrame(columns=["id", "options", *QA_FIGURES, "answer_logprob"])
    canaries, canary_table = canary_exposure(model, tokenizer, settings, eot)
    extraction, _ = attack(model, tokenizer, truth, settings, eot)
    attacks = run_attacks(settings, run, model, tokenizer, eot)
    samples = continuations(model, tokenizer, p.house_prompts, eot, p.sample_tokens) if p.house_prompts else []
    return {"nll": nll, "bytes": n_bytes, "tokens": n_tokens, "val_nll": val_nll, "val_bytes": val_bytes, "qa": qa, "canaries": canaries,
            "canary_table": canary_table, "extraction": extraction, "samples": samples, "records": training_records(storage, run),
            "parameters": model.num_params(), "attacks": attacks, "dp": storage.read_json(f"{run.folder}/config.json").get("dp")}


def _boot(settings: Settings, name: str, items: int) -> Bootstrap:
    return Bootstrap(items, seed=settings.params.seed + zlib.crc32(name.encode()))


def aggregate(settings: Settings, results: dict[Run, dict], texts: pd.DataFrame, questions: pd.DataFrame, val_texts: dict[str, pd.DataFrame]) -> tuple[dict, dict, dict]:
    """(per-arm figures with intervals, differences between arms, the Scores behind them)."""
    ln2 = math.log(2)
    arms = sorted({r.arm for r in results}, key=list(ARMS).index)
    by_arm = {a: [results[r] for r in sorted(results) if r.arm == a] for a in arms}
    sets = {s: texts["set"].to_numpy() == s for s in HELDOUT_SETS + ("eval_only",)}
    sets["all_heldout"] = np.isin(texts["set"].to_numpy(), HELDOUT_SETS)
    qsets = {s: questions["set"].to_numpy() == s for s in SETS}
    scores: dict[str, dict[str, Scores]] = {a: {} for a in arms}
    for a, rs in by_arm.items():
        nll = np.stack([r["nll"] for r in rs]) / ln2
        for s, mask in sets.items():
            if mask.any():
                key = "bits_per_byte" if s == "heldout" else f"{s}_bits_per_byte"
                scores[a][key] = Scores.of(nll[:, mask], rs[0]["bytes"][mask])
        for s, mask in qsets.items():
            if mask.any():
                for fig in QA_FIGURES:
                    scores[a][f"{s}_{fig}"] = Scores.of(np.stack([r["qa"][fig].to_numpy() for r in rs])[:, mask])
        if len(val_texts[a]):
            scores[a]["in_distribution_bits_per_byte"] = Scores.of(np.stack([r["val_nll"] for r in rs]) / ln2, rs[0]["val_bytes"])
    metrics = {}
    for a in arms:
        m = {}
        for key, sc in scores[a].items():
            ci = _boot(settings, f"{key}/{a}" if key.startswith("in_distribution") else key, sc.num.shape[1]).interval(sc)
            m.update({key: ci["mean"], f"{key}_lo": ci["lo"], f"{key}_hi": ci["hi"]})
        rs = by_arm[a]
        m["bits_per_byte_by_source"] = {}
        for src in sorted(set(texts.loc[sets["heldout"], "source"])):
            idx = np.flatnonzero(sets["heldout"] & (texts["source"].to_numpy() == src))
            m["bits_per_byte_by_source"][src] = round(float(np.mean([summarize(r["nll"][idx], r["bytes"][idx], r["tokens"][idx])["bits_per_byte"] for r in rs])), 6)
        m.update({"canary_max_exposure": round(max(r["canaries"].get("max_exposure", 0.0) for r in rs), 4),
                  "canary_greedy_extracted": int(sum(r["canaries"].get("greedy_extracted", 0) for r in rs)),
                  "extracted": int(max(r["extraction"]["extracted"] for r in rs)),
                  "final_val_loss": round(float(np.mean([r["records"][-1]["val_loss"] for r in rs])), 6),
                  "parameters": rs[0]["parameters"], "seeds": len(rs)})
        metrics[a] = m
    differences = {}
    for a, b in PAIRS:
        if a in scores and b in scores:
            differences[f"{a} - {b}"] = {key: _boot(settings, key, scores[a][key].num.shape[1]).difference(scores[a][key], scores[b][key])
                                         for key in scores[a] if key in scores[b] and not key.startswith("in_distribution")}
    return metrics, differences, scores


def build_reports(settings: Settings, out: Storage, partition_keys: Optional[Sequence[str]] = None) -> dict:
    """Reads tokenized/, checkpoints/<arm>/s<k>/, cleaned/ (evalsets, mixture, ledger) and the
    ground truth's pii.jsonl; writes every reports/ artifact into `out`. Returns metrics.json's
    content. A run that is missing is not scored: the integrity table says so and the gate fails."""
    storage, p = settings.storage, settings.params.evaluate
    torch.set_num_threads(settings.params.train.threads)
    torch.manual_seed(settings.params.seed)
    if not storage.exists(TOKENIZER):
        raise FileNotFoundError(f"{storage.url(TOKENIZER)}: no tokenizer (the tokenized stage writes it)")
    texts = independent_texts(storage, p.max_heldout_docs_per_source)
    questions, truth = read_questions(storage), read_ground_truth(settings)
    checks = integrity(settings, storage)
    usable = [parse(r["run"]) for r in checks if r["shards_present"] and r["checkpoint_present"]]
    arms = [a for a in selected(settings) if any(r.arm == a for r in usable)]
    val_texts = {a: in_distribution_texts(storage, a, p.max_heldout_docs_per_source) for a in arms}
    tokenizers = {a: (load_tokenizer(storage, a), read_manifest(storage, a)["eot_id"]) for a in arms}  # the finetuned arm: its base's own
    trained = {a: train_documents(storage, a, *tokenizers[a]) for a in arms}
    texts = out_of_scope(contaminated(texts, trained, settings.params.privacy.decontamination_ngram, settings.params.privacy.decontamination_heldout_overlap), settings)
    results = {run: evaluate_run(settings, run, *tokenizers[run.arm], texts, questions, val_texts[run.arm], truth) for run in usable}
    metrics, differences, _ = aggregate(settings, results, texts, questions, val_texts) if results else ({}, {}, {})
    chance = {s: round(float((1.0 / (1 + questions.loc[questions["set"] == s, "distractors"].map(len))).mean()), 6) for s in SETS if (questions["set"] == s).any()}
    rows = verdict.findings(metrics, differences, chance.get("known", 0.0), p.max_bpb_vs_raw, p.min_qa_over_chance, p.block_on_verdict)
    budget = checks[0]["token_budget"] if checks else None
    seeds = settings.params.train.seeds
    ledger = storage.read_json(LEDGER)
    out_metrics = {
        "verdict": {"sentence": verdict.sentence(metrics, differences, rows, budget, seeds, chance.get("known")), "findings": rows, "blocking": p.block_on_verdict},
        **metrics,
        "differences": differences,
        "qa": {s: {"questions": int((questions["set"] == s).sum()), "chance": chance[s]} for s in chance},
        "qa_by_phrasing": qa_by_phrasing(questions, results, arms),
        "heldout": {"documents": int((texts["set"] == "heldout").sum()), "bytes": int(texts.loc[texts["set"] == "heldout", "text"].str.encode("utf-8").str.len().sum()),
                    "documents_by_set": {k: int(v) for k, v in texts["set"].value_counts().sort_index().items()},
                    "sources": read_heldout_sources(storage), "contamination_overlap": settings.params.privacy.decontamination_heldout_overlap},
        "in_distribution": {a: {"documents": len(v), "note": "the arm's own validation split: drawn like its training data"} for a, v in val_texts.items()},
        "privacy": {"canaries": {r.key: x["canaries"] for r, x in sorted(results.items())},
                    "extraction": {r.key: x["extraction"] for r, x in sorted(results.items())},
                    "contamination": {a: contamination(storage, a, tokenizers[a][0], _evalsets(texts, questions), p.contamination_ngram) for a in arms},
                    "memorization": memorization_curve(results),
                    "membership": {r.key: x["attacks"]["membership"] for r, x in sorted(results.items())},
                    "regurgitation": {r.key: x["attacks"]["regurgitation"] for r, x in sorted(results.items())},
                    "dp": {r.key: x["dp"] for r, x in sorted(results.items())},
                    "redaction": redaction_in_corpus(settings, truth)},
        "integrity": checks,
        "samples": [{"prompt": prompt, **{label(a): next(x["samples"][i] for r, x in sorted(results.items()) if r.arm == a) for a in arms}}
                    for i, prompt in enumerate(p.house_prompts)] if results else [],
        "corpus": {"documents_in": ledger["documents_in"], "kept": ledger["kept"]},
        "tokens": {a: storage.read_json(ARMS[a].manifest)["tokens"] for a in arms},
    }
    if p.harness and results:  # lm-eval on each run's transformers export, beside our figures (harness/beside.py)
        out_metrics["harness"] = beside.section(storage, results, questions, texts)
    if quality := curation_truth.curation_quality(settings):  # a simulated house: curation scored against its ground truth
        out_metrics["curation_quality"] = quality
    out.write_json(METRICS, out_metrics)
    write_plots(out, storage, out_metrics, results, ledger)
    for run, r in sorted(results.items()):
        out.write_text(f"{PLOTS}/canaries_{run.key}.csv", r["canary_table"].to_csv(index=False))
        out.write_text(f"{PLOTS}/qa_{run.key}.csv", questions[["id", "set", "relation", "phrasing", "prompt", "answer"]].merge(r["qa"], on="id").to_csv(index=False))
    configs = {r.key: storage.read_json(f"{r.folder}/config.json") for r in sorted(results)}
    out.write_text(CARD, card.model_card(settings, out_metrics, ledger, mixture_rows(storage), configs))
    out.write_text(REPORT, render_html(out, out_metrics, ledger, questions, results))
    return out_metrics


def _evalsets(texts: pd.DataFrame, questions: pd.DataFrame) -> dict[str, list[str]]:
    sets = {name: group["text"].tolist() for name, group in texts.groupby("set")}
    for s in SETS:
        chosen = questions.loc[questions["set"] == s]
        if len(chosen):
            sets[f"qa_{s}"] = (chosen["prompt"] + chosen["answer"]).tolist()
    return sets


def arm_records(metrics: dict) -> list[dict]:
    return [{"arm": label(a), "figure": k, "mean": metrics[a][k], "lo": metrics[a][f"{k}_lo"], "hi": metrics[a][f"{k}_hi"]}
            for a in ARMS if a in metrics for k in HEADLINE if k in metrics[a]]


def write_plots(out: Storage, storage: Storage, metrics: dict, results: dict, ledger: dict) -> None:
    loss = plots.loss_records({r.key: x["records"] for r, x in results.items()})
    bpb = [{"arm": label(a), "source": s, "bits_per_byte": v} for a in ARMS if a in metrics for s, v in metrics[a]["bits_per_byte_by_source"].items()]
    arms = arm_records(metrics)
    funnel = plots.funnel_records(ledger)
    mixture = mixture_rows(storage)
    for name, records in (("arms", arms), ("loss", loss), ("bpb_per_source", bpb), ("funnel", funnel), ("mixture", mixture),
                          ("funnel_by_source", cleaned_funnel.plot_records(ledger))):
        out.write_json(f"{PLOTS}/{name}.json", records)
        out.write_text(f"{PLOTS}/{name}.csv", pd.DataFrame(records).to_csv(index=False))
    out.write_bytes(f"{PLOTS}/arms.png", plots.error_bars_png(arms, HEADLINE))
    out.write_bytes(f"{PLOTS}/loss.png", plots.loss_png(loss))
    out.write_bytes(f"{PLOTS}/bpb_per_source.png", plots.grouped_bars_png(bpb, "source", "arm", "bits_per_byte", "Held-out bits per byte per source (mean over seeds)"))
    out.write_bytes(f"{PLOTS}/funnel.png", plots.barh_png([r["step"] for r in funnel], [r["documents"] for r in funnel], "Cleaning funnel", "documents"))
    out.write_bytes(f"{PLOTS}/funnel_by_source.png", cleaned_funnel.source_png(ledger))
    out.write_bytes(f"{PLOTS}/mixture.png", plots.barh_png([r["source_kind"] for r in mixture], [r["share"] for r in mixture], "Training mixture", "share of bytes"))


def acc_per_arm(results: dict, arms: list[str], ids: set[str]) -> dict:
    """{arm label: acc on these questions, mean over the arm's seeds}."""
    return {label(a): round(float(np.mean([x["qa"].loc[x["qa"]["id"].isin(ids), "acc"].mean() for r, x in results.items() if r.arm == a])), 3) for a in arms}


def qa_by_phrasing(questions: pd.DataFrame, results: dict, arms: list[str]) -> list[dict]:
    """Each question frame's acc per arm (mean over seeds), with the frame's words that no generated
    training text uses: which new frames a model carries the house's facts to, and which not."""
    vocabulary = generated_vocabulary(sorted(questions["relation"].unique()))
    return [{"set": s, "relation": relation, "phrasing": frame, "questions": len(group),
             "words no generated text uses": " ".join(sorted(words(frame) - vocabulary)), **acc_per_arm(results, arms, set(group["id"]))}
            for (s, relation, frame), group in questions.groupby(["set", "relation", "phrasing"], sort=True)]


def _with_ci(m: dict, key: str) -> str:
    return f"{m[key]:.3f} [{m[key + '_lo']:.3f}, {m[key + '_hi']:.3f}]" if key in m else ""


def render_html(out: Storage, metrics: dict, ledger: dict, questions: pd.DataFrame, results: dict) -> str:
    arms = [a for a in ARMS if a in metrics]
    figures = [k for k in metrics[arms[0]] if f"{k}_lo" in metrics[arms[0]]] if arms else []
    compare = [{"figure": FIGURE_NAMES.get(k, k), **{label(a): _with_ci(metrics[a], k) for a in arms}} for k in figures]
    compare += [{"figure": k, **{label(a): metrics[a][k] for a in arms}} for k in ("canary_max_exposure", "extracted", "final_val_loss", "parameters", "seeds")]
    differences = [{"difference": pair.replace(DEFAULT, label(DEFAULT)), "figure": FIGURE_NAMES.get(k, k), "mean": v["mean"], "95% interval": f"[{v['lo']:.3f}, {v['hi']:.3f}]"}
                   for pair, figs in metrics["differences"].items() for k, v in figs.items()]
    by_relation = []
    for s in SETS:
        for relation, idx in questions.loc[questions["set"] == s].groupby("relation").indices.items():
            ids = set(questions.loc[questions["set"] == s].iloc[idx]["id"])
            by_relation.append({"set": s, "relation": relation, "questions": len(ids), **acc_per_arm(results, arms, ids)})
    sources = sorted({s for a in arms for s in metrics[a]["bits_per_byte_by_source"]})
    per_source = [{"source": s, **{label(a): metrics[a]["bits_per_byte_by_source"].get(s) for a in arms}} for s in sources]
    privacy = metrics["privacy"]
    canary_rows = [{"run": run, "repetitions": k, **v} for run, c in privacy["canaries"].items() for k, v in c.get("by_repetitions", {}).items()]
    contamination_rows = [{"arm": label(a), "set": s, **v} for a, c in privacy["contamination"].items() for s, v in c.items()]
    extraction_rows = [{"run": run, **{k: v for k, v in e.items() if not isinstance(v, dict)}} for run, e in privacy["extraction"].items()]
    heldout_rows = [{"source": r["source"], "eligible": r["eligible"], "held out": r["held_out"], "note": r["note"]} for r in metrics["heldout"]["sources"]]
    in_dist = [{"arm": label(a), "documents": metrics["in_distribution"][a]["documents"], "bits per byte": _with_ci(metrics[a], "in_distribution_bits_per_byte")} for a in arms]
    findings = [{"finding": f["claim"], "evidence (95% interval)": f["evidence"], "holds": f["holds"], "headline": f["gated"], "blocks": f["blocks"]}
                for f in metrics["verdict"]["findings"]]
    qa_intro = "".join(html.paragraph(f"{s}: {q['questions']} questions, chance {q['chance']:.3f}") for s, q in metrics["qa"].items()) \
        or html.paragraph(NO_QUESTIONS_WORDS)
    img = lambda name: html.image(out.read_bytes(f"{PLOTS}/{name}.png"), PNGS[name])  # noqa: E731
    quality = curation_truth.report_section(metrics.get("curation_quality"))  # None for a real house (no ground truth)
    return html.page("Atelier eval report", [
        ("Verdict", html.paragraph(metrics["verdict"]["sentence"], "verdict") + html.table(findings)),
        ("Arms at equal compute (mean, 95% interval over questions or documents and seeds)", html.table(compare) + img("arms")),
        ("Sample generations (greedy, seed 0 of each arm)", html.table(metrics["samples"])),
        ("Differences between arms (paired bootstrap)", html.table(differences)),
        *([("lm-evaluation-harness beside ours (each run's transformers export, the same items)", html.table(beside.rows(metrics)))] if "harness" in metrics else []),
        ("Knowledge questions per relation (acc, mean over seeds)", qa_intro + html.table(by_relation)),
        ("Knowledge questions per phrasing (acc, mean over seeds)", html.paragraph(PHRASING_WORDS) + html.table(metrics["qa_by_phrasing"])),
        ("Held-out bits per byte per source", html.table(per_source) + img("bpb_per_source")),
        ("Held-out documents per source (chosen before any arm, never trained on)", html.table(heldout_rows) + html.paragraph(
            f"Of these, {metrics['heldout']['documents_by_set'].get('low_quality', 0)} were judged low quality by the house: its experts' labels or its own "
            f"document filters (spam, empty marketing copy, error pages), {metrics['heldout']['documents_by_set'].get('contaminated', 0)} had a near copy in some arm's training documents "
            f"(at least {metrics['heldout'].get('contamination_overlap', 0.8):.0%} of their 13-grams) and {metrics['heldout']['documents_by_set'].get('out_of_scope', 0)} are in a "
            "language the house does not write: each is scored apart, not in the headline bits per byte; every held-out document together is "
            "'every held-out document, bits per byte'.")),
        ("In-distribution: each arm's own validation split (not comparable across arms)", html.table(in_dist)),
        ("Canary exposure", html.table(canary_rows)),
        ("Memorization curve: canary exposure by repetitions, with the model's size", html.paragraph(MEMORIZATION_WORDS) + html.table(privacy["memorization"])),
        ("Redaction: planted values of consenting clients left in the cleaned corpus (Wilson 95%)", html.table(privacy["redaction"])),
        ("Membership inference on client-derived documents (AUC, bootstrap 95%)", html.table(membership_rows(privacy["membership"]))),
        ("Verbatim regurgitation of confidential sources", html.table([{"run": k, **{f: v for f, v in r.items() if not isinstance(v, (dict, list))}}
                                                                       for k, r in privacy["regurgitation"].items()])),
        ("Client-data extraction attack", html.table(extraction_rows)),
        ("Contamination of evaluation sets", html.table(contamination_rows)),
        ("Integrity: every arm and seed trained on the same budget", html.table(metrics["integrity"])),
        ("Validation loss", img("loss")),
        ("Cleaning funnel", html.table(plots.funnel_records(ledger)) + img("funnel")),
        ("Cleaning funnel per source (kept, then each step's removals in pipeline order)", img("funnel_by_source")),
        *([("Curation against the simulator's ground truth (per source, per step, every clean document wrongly removed)",
            html.paragraph(quality[0]) + "".join(map(html.table, quality[1])))] if quality else []),
        ("Training mixture", img("mixture")),
    ])


MEMORIZATION_WORDS = ("How much a secret that escaped redaction would be remembered: exposure (bits, The Secret Sharer) of canaries "
                      "inserted 1, 4, 16 ... times; the maximum is log2 of the secret space. Gated only for runs trained with train.dp, "
                      "where a bound is promised.")


def membership_rows(membership: dict) -> list[dict]:
    return [{"run": run, "members": m["members"], "non members": m["non_members"],
             **{f"AUC {k}": f"{v['auc']:.3f} [{v['lo']:.3f}, {v['hi']:.3f}]" for k, v in m.get("auc", {}).items()},
             "best AUC": m["best_auc"], "best lower bound (gated)": m.get("best_auc_lo"), "note": m.get("note", "")} for run, m in membership.items()]


def report_metadata(area: Storage) -> dict[str, str]:
    """{name: markdown} and {name_plot: PNG location (a local path or s3:// URL)} for Dagster
    metadata (MetadataValue.md for markdown, MetadataValue.path / image for the PNGs)."""
    metrics = area.read_json(METRICS)
    rows = [{"arm": r["arm"], "figure": r["figure"], "mean": r["mean"], "95% interval": f"[{r['lo']:.3f}, {r['hi']:.3f}]"} for r in arm_records(metrics)]
    out = {"verdict": metrics["verdict"]["sentence"], "metrics": markdown_table(rows), "model_card": area.read_text(CARD)}
    out.update({f"{name}_plot": area.path(f"{PLOTS}/{name}.png") if area.is_local else area.url(f"{PLOTS}/{name}.png") for name in PNGS})
    return out


def outputs(settings: Settings, partition_keys=None) -> list[str]:
    return ["reports"]


def gate_tables(area: Storage, settings: Settings, partition_keys=None) -> dict[str, pd.DataFrame]:
    """Integrity (every declared run there, one token budget), privacy (per run), a sane default
    arm, every held-out source scored, and the verdict (blocking only where params say so)."""
    metrics = area.read_json(METRICS)
    integrity_table = pd.DataFrame(metrics["integrity"], columns=["run", "arm", "shards_present", "checkpoint_present", "tokens_trained", "token_budget", "budget_matches"])
    p = settings.params.evaluate
    gated = p.gated_canary_repetitions
    audit = metrics["privacy"]
    # canary exposure blocks only where train.dp promised a bound (None: reported, not gated)
    privacy = pd.DataFrame([{"run": run, "canary_max_exposure": max([v["max_exposure"] for r, v in c.get("by_repetitions", {}).items() if int(r) <= gated], default=0.0)
                             if audit.get("dp", {}).get(run) else None,
                             "extracted": audit["extraction"][run]["extracted"],
                             "membership_auc_lo": audit.get("membership", {}).get(run, {}).get("best_auc_lo") if p.max_membership_auc is not None else None,
                             "regurgitation_lo": audit.get("regurgitation", {}).get(run, {}).get("share_lo", 0.0)}
                            for run, c in audit["canaries"].items()], columns=["run", "canary_max_exposure", "extracted", "membership_auc_lo", "regurgitation_lo"])
    redaction = pd.DataFrame([{"type": r["type"], "planted": r["n"], "leaked": r["leaked"], "recall": r["rate"], "target": r["target"],
                               "shortfall": round(r["target"] - r["rate"], 6)} for r in audit.get("redaction", [])],
                             columns=["type", "planted", "leaked", "recall", "target", "shortfall"])
    # the sanity bound (max_bpb) on the headline set, or on every held-out document when the headline set is empty (the verdict says so)
    default = pd.DataFrame([{"arm": DEFAULT, "bits_per_byte": metrics[DEFAULT].get("bits_per_byte", metrics[DEFAULT].get("all_heldout_bits_per_byte"))}]
                           if DEFAULT in metrics else [], columns=["arm", "bits_per_byte"])
    sources = pd.DataFrame([{"arm": a, "source": s, "bits_per_byte": v} for a in ARMS if a in metrics for s, v in metrics[a]["bits_per_byte_by_source"].items()],
                           columns=["arm", "source", "bits_per_byte"])
    verdict_table = pd.DataFrame([{"finding": f["finding"], "holds": f["holds"], "blocks": f["blocks"]} for f in metrics["verdict"]["findings"]],
                                 columns=["finding", "holds", "blocks"])
    return {"reports_integrity": integrity_table, "reports_privacy": privacy, "reports_redaction": redaction, "reports_metrics": default, "reports_sources": sources,
            "reports_verdict": verdict_table}


def gate_parameters(settings: Settings) -> dict[str, float]:
    p = settings.params.evaluate
    return {"max_bpb": p.max_bpb, "max_canary_exposure": p.max_canary_exposure, "max_extracted": p.max_extracted,
            "max_membership_auc": 1.0 if p.max_membership_auc is None else p.max_membership_auc, "max_regurgitation": p.max_regurgitation}
