"""The model card (markdown): sources and rights, filters and the ledger, mixture, training
configuration, every metric, and what the model is known not to do."""

from __future__ import annotations

from assets.checkpoints import dp
from assets.core.markdown import markdown_table
from assets.core.settings import Settings
from assets.tokenized.arms import DEFAULT, label


def flatten(metrics: dict, prefix: str = "") -> list[dict]:
    rows = []
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            rows += flatten(value, name + ".")
        elif isinstance(value, (int, float, bool, str)):
            rows.append({"metric": name, "value": value})
    return rows


def model_card(settings: Settings, metrics: dict, ledger: dict, mixture: list[dict], configs: dict[str, dict]) -> str:
    p = settings.params
    sources = [{"source": s.name, "format": s.format, "rights": s.rights, "pii": s.pii, "kind": s.kind or ""} for s in settings.sources]
    books = [{"source": k, "in": v["documents_in"], "kept": v["kept"], "removed": sum(v["removed"].values()), "quarantined": sum(v["quarantined"].values())}
             for k, v in sorted(ledger.get("sources", {}).items())]
    reasons = [{"reason": k, "documents": v} for k, v in sorted(ledger["removed"].items())]
    house = configs.get(f"{DEFAULT}-s0", {})
    m = metrics.get(DEFAULT, {})
    runs = [k for k in metrics["privacy"]["canaries"] if k.startswith(f"{DEFAULT}-")]
    exposure = max((metrics["privacy"]["canaries"][k].get("max_exposure", 0.0) for k in runs), default=0.0)
    extracted = max((metrics["privacy"]["extraction"][k]["extracted"] for k in runs), default=0)
    return "\n".join([
        "# Model card: Atelier house model",
        "",
        "A small GPT trained from scratch on the house's own archive, data-first: curated, "
        "structured, generated, tokenized, pre-trained and evaluated by the Atelier pipeline.",
        "",
        "## Sources and rights",
        markdown_table(sources),
        "Only `rights: train` sources enter training; `eval_only` sources are evaluation texts; `none` is never used.",
        "",
        "## Filters and the ledger",
        f"Documents in: {ledger['documents_in']}, kept: {ledger['kept']}, "
        f"removed: {sum(ledger['removed'].values())}, quarantined: {sum(ledger['quarantined'].values())}.",
        "",
        markdown_table(books),
        "Removal reasons:",
        "",
        markdown_table(reasons),
        "## Training mixture",
        markdown_table(mixture),
        f"Canaries planted for the privacy audit: {p.evaluate.canaries_per_repetition} per repetition count {p.evaluate.canary_repetitions}.",
        "",
        "## Training configuration",
        markdown_table([{"key": k, "value": v} for k, v in sorted({**house.get("model", {}), "parameters": house.get("parameters", ""), "seed": house.get("seed", ""), "seeds": p.train.seeds}.items())]),
        markdown_table([{"key": k, "value": v} for k, v in sorted(house.get("train", {}).items())]),
        dp.sentence(house.get("dp")),
        "",
        "## Verdict",
        metrics["verdict"]["sentence"],
        "",
        "## Metrics",
        (f"The model is the {label(DEFAULT)} arm (mean of {m.get('seeds', 0)} seeds): held-out bits per byte {m.get('bits_per_byte', float('nan')):.4f}; "
         f"known-QA acc {m.get('known_acc', float('nan')):.3f}, unseen-QA acc {m.get('unseen_acc', float('nan')):.3f}; "
         f"max canary exposure {exposure:.2f} bits; client values extracted: {extracted}."),
        "",
        markdown_table(flatten(metrics)),
        "## Known limits",
        "- A model of this size learns the house's style and vocabulary, not reliable facts: do not use it as a source of truth about products.",
        "- Evaluation texts come from the same house archive: they measure in-domain fit, not general ability.",
        "- Personal data is redacted to placeholders before training; the extraction attack covers values the simulator planted in free text, "
        "not values that appear only in structured fields (counted apart).",
        "- Canary exposure is extrapolated from a sample of never-inserted secrets (skew-normal fit), so exposures near the maximum are estimates.",
        "- Contamination is checked on token n-grams; paraphrases are not detected.",
        "",
    ])
