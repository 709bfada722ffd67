"""The ground truth written beside the landing folder: where personal data was planted, which
documents repeat which, who opted out, and which names belong to the catalog."""

from __future__ import annotations

import json
from pathlib import Path

from assets.raw.simulator.clients import Planted
from assets.raw.simulator.world import World


# fate -> what curation must do: keep it (personal data redacted first), remove it, route it to
# evaluation, or quarantine it at ingest; `contaminated` means the pasted passage must not reach
# the corpus (the document may stay with the passage cut out).
FATES = {"clean": "keep", "personal_data": "keep", "spam": "remove", "boilerplate": "remove", "other_language": "remove",
         "exact_duplicate": "remove", "near_duplicate": "remove", "opted_out": "remove", "unlicensed": "remove",
         "low_quality": "remove", "contaminated": "remove", "eval_only": "evaluate", "broken": "quarantine"}


class GroundTruth:
    """Collects ground truth; personal data is streamed (it grows with the size)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.pii = open(folder / "pii.jsonl", "w", encoding="utf-8", newline="\n")
        self.pairs: list[dict] = []
        self.fates: list[dict] = []

    def fate(self, source: str, file: str, line: int | None, fate: str, **detail) -> None:
        """What curation must do with one planted document (FATES), keyed by file and line."""
        if fate not in FATES:
            raise ValueError(f"unknown fate {fate!r}: one of {sorted(FATES)}")
        self.fates.append({"source": source, "file": file, "line": line, "fate": fate, "expect": FATES[fate], **detail})

    def plant(self, source: str, file: str, line: int, field: str, client_id: str, doc: Planted) -> None:
        for kind, value, start in doc.spans:
            self.pii.write(json.dumps({
                "source": source, "file": file, "line": line, "field": field, "start": start,
                "client_id": client_id, "type": kind, "value": value,
                "context": doc.text[max(0, start - 60):start]}, ensure_ascii=False, sort_keys=True) + "\n")

    def field(self, source: str, file: str, line: int, field: str, client_id: str, kind: str, value: str) -> None:
        self.pii.write(json.dumps({
            "source": source, "file": file, "line": line, "field": field, "start": 0, "client_id": client_id,
            "type": kind, "value": value, "context": ""}, ensure_ascii=False, sort_keys=True) + "\n")

    def pair(self, a: tuple[str, int | None], b: tuple[str, int | None], kind: str, jaccard: float) -> None:
        self.pairs.append({"a": {"file": a[0], "line": a[1]}, "b": {"file": b[0], "line": b[1]},
                           "kind": kind, "jaccard": round(jaccard, 4)})


def write_ground_truth(folder: Path, world: World, gt: GroundTruth, opted: list) -> None:
    pairs = sorted(gt.pairs, key=lambda r: (r["a"]["file"], r["a"]["line"] or 0, r["b"]["file"], r["b"]["line"] or 0))
    (folder / "near_duplicates.jsonl").write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in pairs),
                                                  encoding="utf-8", newline="\n")
    fates = sorted(gt.fates, key=lambda r: (r["source"], r["file"], r["line"] or 0))
    (folder / "fates.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in fates),
                                        encoding="utf-8", newline="\n")
    (folder / "opted_out.json").write_text(json.dumps({
        "client_ids": sorted(c.client_id for c in opted), "emails": sorted(c.email for c in opted)}, indent=1) + "\n",
        encoding="utf-8", newline="\n")
    terms = {"products": sorted({t for p in world.products for t in [p.name, *p.aliases]})}
    for type_ in ("material", "technique", "collection", "workshop", "boutique"):
        terms[type_ + "s"] = sorted({t for e in world.all(type_) for t in [e.name, *e.aliases]})
    terms["all"] = sorted({t for values in list(terms.values()) for t in values})
    terms["public_people"] = sorted(e.name for t in ("designer", "artisan") for e in world.all(t))
    (folder / "catalog_terms.json").write_text(json.dumps(terms, ensure_ascii=False, indent=1) + "\n",
                                               encoding="utf-8", newline="\n")
    (folder / "README.md").write_text(GROUND_TRUTH_README, encoding="utf-8", newline="\n")


GROUND_TRUTH_README = """# Ground truth of the simulated house

Written by `python -m assets.raw.simulator`; every path below is relative to the folder holding
`sources.yaml`. Lines are 1-based. Files are sorted and byte-identical for a given seed and size.

## pii.jsonl — every planted piece of personal data
One row per planted value: `source`, `file`, `line` (the JSONL line), `field` (the JSON field
holding the text: `transcript`, `note`, `client_name`, `client_email`, `client_phone`), `start`
(character offset of the value in that field's decoded text), `client_id`, `type` (EMAIL, PHONE,
IBAN, CARD, IP, ADDRESS, PERSON), `value` (exactly as written) and `context` (the up to 60
characters before the value in the same field). Rows are in (source, file, line, field, start)
order. IBANs have valid mod-97 check digits and cards pass the Luhn check. Advisor names, artisans
and designers are not client data and are not listed (designers and artisans are in
`catalog_terms.json` under `public_people`).

## near_duplicates.jsonl — documents that repeat other documents
`{"a": {"file", "line"}, "b": {"file", "line"}, "kind", "jaccard"}`. `line` is null for formats
with one document per file (md, html) and the 1-based line for JSONL. `kind` is `exact` (the
same text, e.g. a lookbook page syndicated verbatim in the agency feed, or filed twice) or `near`
(a few words changed). `jaccard` is computed on sets of 5-word shingles of the lower-cased words
(`\\w+`) of the document text (for web pages, the article's paragraphs joined by blank lines);
near pairs are all at least 0.8. `b` is always the later copy: a deduplicator should keep `a`.

## fates.jsonl — what curation must do with every planted document
One row per document the landing folder holds (and per unreadable file): `source`, `file`, `line`
(as in near_duplicates.jsonl; for `events`, the event's JSONL line, with `event_id` and
`client_id`: an events document is a client's month, so every event of it shares the client's
fate), `fate` and `expect` (what curation must do):

| fate | expect | what it is |
| --- | --- | --- |
| clean | keep | house text: catalog, reference, lookbook, press, interviews, press kits, notes, reviews, craft annotations |
| personal_data | keep | client text (transcripts, events) of a client who consented: kept with its personal data redacted (pii.jsonl) |
| spam | remove | "Exclusive offer" pages in the press CMS, spam among the annotation tasks |
| boilerplate | remove | "Page not found" pages: site chrome only |
| other_language | remove | syndicated pages in German or Spanish (the house keeps en, fr, it) |
| exact_duplicate, near_duplicate | remove | the later copy of a pair in near_duplicates.jsonl (the earlier one is clean) |
| opted_out | remove | transcripts and events of clients in opted_out.json |
| unlicensed | remove | the agency feed (rights none), copies of lookbook pages included |
| low_quality | remove | vague marketing copy among the annotation tasks (labelled low) |
| contaminated | remove | a workshop note into which an artisan pasted a passage of an archive essay (an evaluation-only document), lightly edited; `passage` is the pasted text and `from` the essay: the passage must not reach the corpus (the note may stay with it cut out) |
| eval_only | evaluate | the archive essays (rights eval_only): evaluation only, never training |
| broken | quarantine | the truncated transcript record and the binary note: ingest quarantines them |

## opted_out.json
`client_ids` and `emails` of clients who withdrew consent. Their transcripts and events are in
the landing folder on purpose: the pipeline must drop them (sources.yaml lists both under
`consent.opted_out`).

## catalog_terms.json
Every product, material, technique, collection, workshop and boutique name and alias (`all` is
their union): these are never personal data and must not be redacted as persons.

## landing/annotations/*.json — expert judgements (Label Studio JSON export)
Each task's `data.doc_ref` is `catalog:<sku>`, the product the text is about. `quality` is
`high` for specific craft detail (materials, techniques, hours, workshop practice) and `low` for
vague marketing or spam; about 5% of the labels are flipped on purpose (expert disagreement).
Entity spans (`MATERIAL`, `TECHNIQUE`, `PRODUCT`, `COLLECTION`) are exact character offsets.

## Deliberate noise (see also the files themselves)
- `landing/transcripts/transcripts-0000.jsonl` line 12 is a truncated JSON record.
- `landing/notes/note-scan.txt` is binary (a PNG header), `landing/notes/note-latin1.txt` is
  Latin-1 encoded.
- `landing/press/`: a few spam pages ("Exclusive offer"), "Page not found" pages that are only
  site chrome, and pages in German and Spanish (sentences from the Leipzig corpora via
  pemistahl/lingua-go, Apache-2.0).

## Licences
`landing/reviews/reviews.csv` is sampled from the Women's E-Commerce Clothing Reviews data set
(CC0, public domain; irmakozveren01/Womens-clothing-text-analysis); one review in 25 has a line
break inserted after its first sentence. Everything else is generated and fictional: names,
addresses, phone numbers, IBANs and card numbers belong to nobody.
"""
