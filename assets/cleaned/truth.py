"""Curation scored against a simulated house's ground truth (ground_truth/fates.jsonl, written by
assets/raw/simulator): every raw document joined to its planted fate and to what the stage did
with it (`cleaned/removals`: the step's reason; the corpus: kept).

Per source and per step: clean documents kept, clean documents wrongly removed (each listed with
its reason), planted noise removed, noise that got through. Held-out documents
(cleaned/evalsets/heldout) are counted apart: the evaluation sets take them on purpose.
Contamination counts as caught when the pasted passage is nowhere in the corpus (the note itself
may stay with the passage cut out). A duplicate pair is right when one copy survives, whichever.
Runs on published artifacts; `curation_quality_table` is the report's table.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pandas as pd

TARGET = 0.95  # issue 16: of the clean documents of every source kept, of the planted noise removed
MAX_DECONTAMINATION = 0.02  # issue 16: of the documents, removed by decontamination


def _file_of(house: Path, source) -> str:
    glob_at = min(i for i in (source.uri.find(c) for c in "*?[") if i >= 0)
    return os.path.relpath(source.uri[: source.uri.rfind("/", 0, glob_at)], house)


def outcomes(settings, house: Path) -> pd.DataFrame:
    """One row per planted document: source, file, line, fate, expect, heldout, outcome (kept,
    a removal reason, or quarantined) and, for contamination, whether the passage got through."""
    from assets.cleaned.graph.evalsets import heldout_doc_ids
    from assets.cleaned.paths import CORPUS, REMOVALS
    from assets.raw.ingest import documents_dir, read_quarantine

    storage = settings.storage
    fates = pd.read_json(house / "ground_truth" / "fates.jsonl", lines=True, dtype={"line": "Int64"})
    raw, quarantined = [], []
    for s in settings.sources:
        docs = storage.read_parquet(documents_dir(s.name), columns=["doc_id", "source", "uri", "line", "meta"]).to_pandas()
        docs["file"] = _file_of(house, s) + "/" + docs["uri"]
        if s.format == "events":  # a client's month: every event of it shares the client's fate
            docs["event_id"] = [json.loads(m)["event_ids"][0] for m in docs["meta"]]
        raw.append(docs.drop(columns=["meta"]))
        quarantined += [(_file_of(house, s) + "/" + q["uri"], q.get("line")) for q in read_quarantine(storage, s.name)]
    raw = pd.concat(raw, ignore_index=True)
    raw["line"] = raw["line"].astype("Int64")
    events = fates["event_id"].notna() if "event_id" in fates else pd.Series(False, index=fates.index)
    by_line = raw.loc[raw.get("event_id", pd.Series(index=raw.index, dtype=object)).isna()].merge(
        fates.loc[~events].drop(columns=["event_id"], errors="ignore"), on=["source", "file", "line"], how="outer", indicator=True)
    by_event = raw.loc[raw.get("event_id", pd.Series(index=raw.index, dtype=object)).notna()].drop(columns=["file", "line"]).merge(
        fates.loc[events], on=["source", "event_id"], how="left")
    table = pd.concat([by_line, by_event.assign(_merge="both")], ignore_index=True)
    unplanned = table.loc[table["_merge"] == "left_only"]
    if len(unplanned):
        raise RuntimeError(f"{len(unplanned)} raw documents have no fate in the ground truth, e.g. {unplanned[['source', 'file', 'line']].head(3).to_dict('records')}")
    removals = storage.read_parquet(REMOVALS).to_pandas().set_index("doc_id")["reason"]
    corpus = storage.read_parquet(CORPUS, columns=["doc_id", "text"]).to_pandas()
    kept = set(corpus["doc_id"])
    quarantined = set(quarantined)
    table["outcome"] = [("quarantined" if (f, None if pd.isna(l) else int(l)) in quarantined or (f, None) in quarantined else "missing")
                        if m == "right_only" else ("kept" if d in kept else removals.get(d, "missing"))
                        for d, f, l, m in zip(table["doc_id"], table["file"], table["line"], table["_merge"])]
    heldout = heldout_doc_ids(storage)
    table["heldout"] = table["doc_id"].isin(heldout)
    table = credit_duplicate_pairs(table, pd.read_json(house / "ground_truth" / "near_duplicates.jsonl", lines=True))
    words = re.sub(r"\W+", " ", " ".join(corpus["text"]).lower()).strip()  # the words, one space apart (one string: 200k documents)
    table["passage_in_corpus"] = [isinstance(p, str) and _middle(p) in words for p in table.get("passage", pd.Series(None, index=table.index))]
    return table.drop(columns=["_merge"])


def credit_duplicate_pairs(table: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """A duplicate pair (`a` the earlier copy, clean; `b` the later, noise) is right when one copy
    survives, whichever: the outcomes (and held-out flags) are swapped where the deduplicator kept
    the later copy (its ranking is by rights, source order and doc_id), and where the held-out
    sampler took the later copy so that decontamination rightly removed the earlier one as its
    copy (the pair survives in the held-out set)."""
    table = table.copy()
    at = {(f, None if pd.isna(l) else int(l)): i for i, (f, l) in enumerate(zip(table["file"], table["line"]))}
    for pair in pairs.itertuples():
        a, b = at.get((pair.a["file"], pair.a["line"])), at.get((pair.b["file"], pair.b["line"]))
        if a is None or b is None:
            continue
        deduplicated = table.at[a, "outcome"] in ("exact_duplicate", "near_duplicate") and table.at[b, "outcome"] == "kept"
        held_out = table.at[a, "outcome"] == "contamination" and table.at[b, "heldout"] and not table.at[a, "heldout"]
        if deduplicated or held_out:
            for column in ("outcome", "heldout"):
                table.loc[[a, b], column] = [table.at[b, column], table.at[a, column]]
    return table


def _middle(passage: str) -> str:
    words = re.findall(r"\w+", passage.lower())
    return " ".join(words[len(words) // 2 - 6 : len(words) // 2 + 7])


def score(table: pd.DataFrame) -> dict:
    """Per source and overall: clean kept / wrongly removed, noise removed / got through, by step."""
    clean = table.loc[(table["expect"] == "keep") & ~table["heldout"]]
    noise = table.loc[table["expect"] == "remove"]
    contaminated = noise["fate"].eq("contaminated")
    caught = noise["outcome"].ne("kept").where(~contaminated, ~noise["passage_in_corpus"])
    sources = []
    for name in sorted(set(table["source"])):
        c, n, k = clean.loc[clean["source"] == name], noise.loc[noise["source"] == name], caught[noise["source"] == name]
        everything = table.loc[table["source"] == name]
        sources.append({"source": name, "clean": len(c), "clean_kept": int((c["outcome"] == "kept").sum()),
                        "clean_removed": int((c["outcome"] != "kept").sum()), "noise": len(n), "noise_removed": int(k.sum()),
                        "noise_through": int((~k).sum()), "heldout": int(everything["heldout"].sum()),
                        "decontaminated": int(everything["outcome"].eq("contamination").sum()),
                        "clean_kept_share": round(float((c["outcome"] == "kept").mean()), 4) if len(c) else None,
                        "noise_removed_share": round(float(k.mean()), 4) if len(n) else None})
    steps = []
    for reason, group in table.loc[~table["outcome"].isin(["kept"]) & ~table["heldout"]].groupby("outcome"):
        steps.append({"step": reason, "clean_removed": int((group["expect"] == "keep").sum()), "noise_removed": int((group["expect"] == "remove").sum()),
                      "by_fate": group["fate"].value_counts().sort_index().to_dict()})
    wrong = clean.loc[clean["outcome"] != "kept", ["source", "file", "line", "fate", "outcome"]]
    through = noise.loc[~caught, ["source", "file", "line", "fate", "outcome"]]
    total_noise = len(noise)
    decontaminated = float(table["outcome"].eq("contamination").mean())
    targets = {"clean_kept_every_source": all(s["clean_kept_share"] is None or s["clean_kept_share"] >= TARGET for s in sources),
               "noise_removed_every_source": all(s["noise_removed_share"] is None or s["noise_removed_share"] >= TARGET for s in sources),
               "contamination_all_caught": bool(caught[contaminated].all()), "decontamination_at_most": decontaminated <= MAX_DECONTAMINATION}
    return {
        "documents": len(table),
        "clean_kept_share": round(float((clean["outcome"] == "kept").mean()), 4),
        "noise_removed_share": round(float(caught.mean()), 4) if total_noise else None,
        "min_source_clean_kept_share": min(s["clean_kept_share"] for s in sources if s["clean_kept_share"] is not None),
        "min_source_noise_removed_share": min((s["noise_removed_share"] for s in sources if s["noise_removed_share"] is not None), default=None),
        "contamination_caught": f"{int(caught[contaminated].sum())}/{int(contaminated.sum())}",
        "decontamination_share": round(decontaminated, 4),
        "targets": targets,
        "targets_met": all(targets.values()),
        "sources": sources,
        "steps": steps,
        "wrongly_removed": wrong.assign(line=wrong["line"].astype(object).where(wrong["line"].notna(), None)).to_dict("records"),
        "noise_through": through.assign(line=through["line"].astype(object).where(through["line"].notna(), None)).to_dict("records"),
    }


def curation_quality_table(scores: dict) -> tuple[list[dict], str]:
    """Rows per source and a markdown table (the report's curation-quality section)."""
    rows = [{k: s[k] for k in ("source", "clean", "clean_kept", "clean_removed", "noise", "noise_removed", "noise_through", "heldout",
                               "decontaminated")} for s in scores["sources"]]
    header = list(rows[0]) if rows else []
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(["---"] + ["---:"] * (len(header) - 1)) + " |"]
    lines += ["| " + " | ".join(str(r[k]) for k in header) + " |" for r in rows]
    missed = [name for name, met in scores["targets"].items() if not met]
    lowest_noise = scores["min_source_noise_removed_share"]
    lines += ["", f"clean documents kept (outside held-out): {scores['clean_kept_share']:.1%} (lowest source "
              f"{scores['min_source_clean_kept_share']:.1%}); planted noise removed: {scores['noise_removed_share']:.1%}"
              + (f" (lowest source {lowest_noise:.1%})" if lowest_noise is not None else "") + "; "
              f"contamination caught: {scores['contamination_caught']}; removed by decontamination: {scores['decontamination_share']:.2%} "
              f"of documents; targets (>= {TARGET:.0%} kept and removed in every source, all contamination caught, "
              f"decontamination <= {MAX_DECONTAMINATION:.0%}) " + ("met" if not missed else f"NOT met: {', '.join(missed)}")]
    return rows, "\n".join(lines)


def curation_quality(settings) -> dict | None:
    """The scores for a house whose sources file names a ground truth (a simulated house), read
    from the published artifacts; None for a real house, which has no ground truth."""
    folder = settings.sources_file.ground_truth
    if not folder or not (Path(folder) / "fates.jsonl").exists():
        return None
    return score(outcomes(settings, Path(folder).parent))


def report_section(scores: dict | None) -> tuple[str, list[list[dict]]] | None:
    """The report's section from `curation_quality`'s scores (None for a real house): the
    sentence, then tables per source, per step, and every clean document wrongly removed."""
    if not scores:
        return None
    from assets.cleaned.reasons import position

    rows, markdown = curation_quality_table(scores)
    steps = [{"step": s["step"], "clean removed": s["clean_removed"], "noise removed": s["noise_removed"],
              "by fate": ", ".join(f"{k}: {v}" for k, v in s["by_fate"].items())} for s in sorted(scores["steps"], key=lambda s: position(s["step"]))]
    wrong = [{"source": r["source"], "document": r["file"] + (f":{r['line']}" if r["line"] is not None else ""), "removed by": r["outcome"]}
             for r in scores["wrongly_removed"]]
    return markdown.splitlines()[-1], [rows, steps, wrong]
