"""PII redaction, side by side with a peer: Presidio's own predefined pattern recognizers (e-mail,
phone via `phonenumbers`, IBAN, credit card, IP) on the same blank spaCy engine, i.e. what
Presidio does out of the box without a downloaded NER model.

Measured on a simulated house (its ground truth: every planted value, catalog terms, opt-outs)
and on the real ABCD shopper-agent dialogues. Prints JSON. Not run in CI. Run it as a module
(as every benchmark here).

    .venv/bin/python -m benchmarks.privacy [--docs 600] [--seed 7] [--workdir /tmp/atelier-privacy-bench]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import time
from pathlib import Path

import pandas as pd
import yaml
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.predefined_recognizers import CreditCardRecognizer, EmailRecognizer, IbanRecognizer, IpRecognizer, PhoneRecognizer
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig

from assets.cleaned.privacy import Gazetteer, Redactor, annotations_from_raw, build_gazetteer, consent_step, decontamination_step, train_quality_model
from assets.cleaned.privacy.redact import BlankSpacyEngine
from assets.core.settings import load_settings
from assets.raw.ingest import build_raw, documents_dir
from assets.raw.simulator import simulate

ABCD = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "abcd_customer_service_dialogues" / "abcd_sample.json"


class PresidioPatterns:
    """The peer: Presidio's predefined pattern recognizers, typed placeholders as ours."""

    def __init__(self):
        registry = RecognizerRegistry(supported_languages=["en"])
        for recognizer in (EmailRecognizer(), PhoneRecognizer(supported_regions=("FR", "IT", "GB", "US")), IbanRecognizer(), CreditCardRecognizer(), IpRecognizer()):
            registry.add_recognizer(recognizer)
        engine = BlankSpacyEngine()
        engine.load()
        self.analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])
        self.anonymizer = AnonymizerEngine()

    def redact(self, text: str) -> tuple[str, int]:
        results = self.analyzer.analyze(text=text, language="en")
        if not results:
            return text, 0
        operators = {r.entity_type: OperatorConfig("replace", {"new_value": f"<{r.entity_type}>"}) for r in results}
        return self.anonymizer.anonymize(text=text, analyzer_results=results, operators=operators).text, len(results)


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def survives(value: str, text: str) -> bool:
    """In any form: as written (any case), or its digits with separators removed."""
    if value.lower() in text.lower():
        return True
    return sum(c.isdigit() for c in value) >= 6 and digits(value) in digits(text)


def timed(redactor, texts: list[str]) -> tuple[list[str], float]:
    start = time.perf_counter()
    out = [redactor.redact(t)[0] for t in texts]
    return out, time.perf_counter() - start


def house(docs: int, seed: int, workdir: Path):
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    simulate(workdir / "house", docs=docs, seed=seed)
    (workdir / "params.yaml").write_text(yaml.safe_dump({"seed": 1337}))
    settings = load_settings(workdir / "params.yaml", workdir / "house" / "sources.yaml", str(workdir / "data"))
    build_raw(settings, settings.storage)
    raw = pd.concat([settings.storage.read_parquet(documents_dir(s.name)).to_pandas() for s in settings.sources], ignore_index=True)
    return settings, raw.sort_values("doc_id", kind="stable").reset_index(drop=True), workdir / "house" / "ground_truth"


def recall(planted: pd.DataFrame, raw: pd.DataFrame, redacted: list[str]) -> dict:
    """Per type: share of planted values gone from every document whose text held them."""
    texts = raw["text"].tolist()
    by_source = {s: list(idx) for s, idx in raw.groupby("source").groups.items()}
    out = {}
    for kind, rows in planted.groupby("type"):
        found = gone = 0
        for row in rows.itertuples(index=False):
            holders = [i for i in by_source.get(row.source, []) if row.value in texts[i]]
            if not holders:
                continue  # e.g. a meta-only field that never reaches the text
            found += 1
            gone += all(not survives(row.value, redacted[i]) for i in holders)
        out[kind] = {"planted_in_text": found, "recall": round(gone / found, 4) if found else None}
    return out


def catalog_damage(terms: list[str], raw: pd.DataFrame, redacted: list[str]) -> dict:
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)) + r")(?!\w)")
    before = after = 0
    for original, new in zip(raw["text"], redacted):
        b, a = len(pattern.findall(original)), len(pattern.findall(new))
        before, after = before + b, after + min(a, b)
    return {"occurrences": before, "wrongly_redacted": before - after, "rate": round((before - after) / before, 5) if before else None}


def abcd(ours: Redactor, peer) -> dict:
    if not ABCD.exists():
        return {"skipped": "dialogues not present"}
    convos = json.loads(ABCD.read_text())
    texts = ["\n".join(f"{who}: {line}" for who, line in c["original"]) for c in convos]
    names = {c["scenario"]["personal"]["customer_name"].title() for c in convos}
    local = Redactor(Gazetteer(names=names, catalog_terms=ours.gazetteer.catalog_terms))
    result = {}
    for label, redactor in (("ours", local), ("presidio_patterns", peer)):
        out = [redactor.redact(t)[0] for t in texts]
        counts = {}
        for convo, text in zip(convos, out):
            personal, order = convo["scenario"]["personal"], convo["scenario"]["order"]
            for kind, value in (("EMAIL", personal.get("email")), ("PHONE", personal.get("phone")), ("PERSON", personal.get("customer_name")),
                                ("ADDRESS", order.get("street_address"))):
                if value:
                    seen, gone = counts.get(kind, (0, 0))
                    counts[kind] = (seen + 1, gone + (not survives(value, text)))
        result[label] = {k: round(g / s, 4) for k, (s, g) in sorted(counts.items())}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", default="/tmp/atelier-privacy-bench")
    args = parser.parse_args()
    settings, raw, truth = house(args.docs, args.seed, Path(args.workdir))
    planted = pd.read_json(truth / "pii.jsonl", lines=True)
    terms = json.loads((truth / "catalog_terms.json").read_text())
    catalog_terms = [t for k, v in terms.items() if k not in ("all", "public_people") for t in v]

    gazetteer = build_gazetteer(raw)
    ours, peer = Redactor(gazetteer), PresidioPatterns()
    texts = raw["text"].tolist()
    ours.redact("warm up 06 12 34 56 78"), peer.redact("warm up 06 12 34 56 78")
    ours_out, ours_s = timed(ours, texts)
    peer_out, peer_s = timed(peer, texts)

    kept, reasons = consent_step(settings, gazetteer)(raw)
    opted = json.loads((truth / "opted_out.json").read_text())
    tied = raw["client_id"].isin(opted["client_ids"]) | raw["text"].str.lower().map(lambda t: any(e.lower() in t for e in opted["emails"]))
    model, quality = train_quality_model(annotations_from_raw(raw, settings), settings.params.seed, settings.params.privacy)
    train_docs = raw.loc[raw["rights"] == "train"]
    low = pd.Series(model.score(train_docs["text"]) < settings.params.privacy.quality_threshold, index=train_docs.index)
    quality["dropped_by_source"] = {k: int(v) for k, v in train_docs.loc[low, "source"].value_counts().sort_index().items()}
    _, contamination = decontamination_step(settings, raw.loc[raw["rights"] == "eval_only", "text"])(train_docs)
    print(json.dumps({
        "documents": len(raw),
        "gazetteer": {"client_names": len(gazetteer.names), "catalog_terms": len(gazetteer.catalog_terms)},
        "docs_per_s": {"ours": round(len(texts) / ours_s, 1), "presidio_patterns": round(len(texts) / peer_s, 1)},
        "speed_ratio_ours_over_peer": round(peer_s / ours_s, 3),
        "recall": {"ours": recall(planted, raw, ours_out), "presidio_patterns": recall(planted, raw, peer_out)},
        "catalog_terms_wrongly_redacted": {"ours": catalog_damage(catalog_terms, raw, ours_out), "presidio_patterns": catalog_damage(catalog_terms, raw, peer_out)},
        "consent": {"tied_to_opted_out": int(tied.sum()), "left_after_consent_step": int((tied & reasons.isna()).sum())},
        "abcd_dialogues_recall": abcd(ours, peer),
        "expert_quality": quality,
        "contaminated_training_documents": int(contamination.notna().sum()),
    }, indent=1))


if __name__ == "__main__":
    main()
