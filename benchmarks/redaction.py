"""Redaction recall and precision per entity type, with Wilson 95% intervals, on the simulator's
planted values (every format the simulator varies: assets/raw/simulator/pii.py) and, as a sanity
check on real text, on the three ABCD shopper-agent dialogues whose scenario fields name the
customer, e-mail, phone, username, order id and street address that appear in the turns.

The redactor is the cleaned stage's, with the gazetteer the stage builds from the raw documents.
It runs on each planted field's exact text (ground truth pii.jsonl: file, line, field, start), so
recall is per planted span (assets/reports/redaction.py says when a value counts as redacted).
Catalog damage: catalog-term occurrences in every raw document that redaction removes.
Targets: recall >= 99.5% on every structured type, >= 95% on names, <= 1% catalog terms removed.
Prints JSON. Not run in CI; a quality figure, not timed.

    .venv/bin/python -m benchmarks.redaction [--docs 1500] [--seed 11] [--workdir /tmp/atelier-redaction-bench]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from assets.cleaned.privacy import Gazetteer, Redactor, build_gazetteer
from assets.reports.redaction import TARGETS, span_scores, survives
from benchmarks.privacy import ABCD, catalog_damage, house


def planted_fields(root: Path, truth: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The text of every field that holds a planted value, keyed (file, line, field)."""
    rows = truth.loc[truth["field"].isin(["transcript", "note"])].copy()
    texts, lines = {}, {}
    for file, line, field in sorted(set(zip(rows["file"], rows["line"], rows["field"]))):
        if file not in lines:
            lines[file] = (root / file).read_text(encoding="utf-8").splitlines()
        texts[(file, line, field)] = json.loads(lines[file][line - 1])[field]
    rows["key"] = list(zip(rows["file"], rows["line"], rows["field"]))
    return rows[["key", "type", "value", "start"]], texts


def abcd(gazetteer_terms: set[str]) -> dict:
    """Per conversation and scenario field: is the value gone from the redacted turns?"""
    convos = json.loads(ABCD.read_text(encoding="utf-8"))
    names = {c["scenario"]["personal"]["customer_name"].title() for c in convos}
    redactor = Redactor(Gazetteer(names=names, catalog_terms=gazetteer_terms))
    out = []
    for i, convo in enumerate(convos):
        text = "\n".join(f"{who}: {line}" for who, line in convo["original"])
        redacted = redactor.redact(text)[0]
        personal, order = convo["scenario"]["personal"], convo["scenario"]["order"]
        fields = {"customer_name": personal.get("customer_name"), "email": personal.get("email"), "phone": personal.get("phone"),
                  "username": personal.get("username"), "order_id": order.get("order_id"), "street_address": order.get("street_address")}
        for field, value in fields.items():
            if value and survives(value, text):  # only values the turns actually contain
                out.append({"conversation": i, "field": field, "value": value, "redacted": not survives(value, redacted)})
    return {"values_in_turns": len(out), "redacted": sum(r["redacted"] for r in out), "rows": out}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workdir", default="/tmp/atelier-redaction-bench")
    parser.add_argument("--missed", type=int, default=20, help="how many missed values to print")
    args = parser.parse_args()
    workdir = Path(args.workdir)
    _, raw, truth_dir = house(args.docs, args.seed, workdir)
    truth = pd.read_json(truth_dir / "pii.jsonl", lines=True, dtype={"value": str})
    planted, texts = planted_fields(workdir / "house", truth)
    gazetteer = build_gazetteer(raw)
    redactor = Redactor(gazetteer)
    recall, precision, missed = span_scores(planted, texts, redactor.find, lambda t: redactor.redact(t)[0])
    terms = json.loads((truth_dir / "catalog_terms.json").read_text(encoding="utf-8"))
    catalog_terms = [t for k, v in terms.items() if k not in ("all", "public_people") for t in v]
    damage = catalog_damage(catalog_terms, raw, [redactor.redact(t)[0] for t in raw["text"]])
    # house text where nothing was planted (pii: none): every span found there is a false positive
    house_text = raw.loc[raw["pii"] == "none", "text"]
    false_spans = pd.Series([s.entity for t in house_text for s in redactor.find(t)], dtype=object).value_counts().sort_index()
    recall["meets_target"] = [r.rate is not None and r.rate >= TARGETS.get(r.type, 0.995) for r in recall.itertuples()]
    print(json.dumps({
        "house": {"docs": args.docs, "seed": args.seed, "planted_values": len(planted), "fields": len(texts)},
        "recall": recall.to_dict("records"), "precision": precision.to_dict("records"),
        "catalog_terms_wrongly_redacted": {**damage, "target": 0.01},
        "spans_in_house_text_without_pii": {"documents": len(house_text), "by_type": {k: int(v) for k, v in false_spans.items()}},
        "missed_examples": missed[: args.missed],
        "abcd_dialogues": abcd(gazetteer.catalog_terms) if ABCD.exists() else {"skipped": "dialogues not present"},
        "interval": "Wilson 95%",
    }, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
