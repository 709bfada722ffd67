"""Atelier's curation against datatrove 0.10.1, side by side in one run, on the same documents.

    .venv-bench/bin/python -m benchmarks.clean --house /tmp/bench200k --work /tmp/bench-clean \
        [--docs 20000] [--datatrove-docs 2000] [--also-one-worker] [--also-fork] [--datatrove-workers 2]

Input: a simulated house (`python -m assets.raw.simulator`), ingested here if needed, HTML
extracted and text normalized once (untimed) so both sides read identical texts. Then:
- Atelier: the cleaned stage (Gopher repetition, Gopher quality, C4, FineWeb on every document,
  exact + MinHash dedup with exact-Jaccard verification) over all `--docs`, with `--workers`
  spawned workers, start-up and I/O included (optionally also with 1 worker, and with
  clean.start_method=fork); and its filters alone on one core over the datatrove sample.
- datatrove on the same cores: `--datatrove-workers N` also runs its filters in N warmed
  processes, so the stage's ratio can be stated core for core.
- datatrove: the same four filters (C4 with filter_no_terminal_punct=False, as FineWeb) on one
  core over the first `--datatrove-docs` of the same documents (its throughput is per document,
  so a sample measures it; the JSON says so).
Reports docs/s and ratios, keep/drop agreement per filter, and near-duplicate recall/precision
against the simulator's ground truth plus exact 5-shingle Jaccard of every flagged pair.
Prints JSON. Not run in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import yaml

PROJECT = Path(__file__).resolve().parent.parent
FILTERS = ("gopher_repetition", "gopher_quality", "c4", "fineweb")


def settings_for(work: Path, sources: list[dict], clean: dict, storage: Path):
    from assets.core.settings import load_settings

    params = yaml.safe_load((PROJECT / "params.yaml").read_text())
    params["clean"].update(clean)
    for name in FILTERS:  # datatrove's thresholds, the same for every kind
        params["clean"][name].pop("per_kind", None)
    (work / "params.yaml").write_text(yaml.safe_dump(params))
    (work / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}))
    return load_settings(work / "params.yaml", work / "sources.yaml", str(storage))


def prepared_corpus(house: Path, work: Path, limit: int) -> pd.DataFrame:
    """Train-rights documents of the house, extracted and normalized, in a seeded random order.
    Cached in `work` (prepared-<limit>.parquet): preparation is untimed and the same every run."""
    cache = work / f"prepared-{limit}.parquet"
    if cache.exists():
        return pd.read_parquet(cache)
    from assets.core.settings import load_settings
    from assets.cleaned.preparation import preparation_steps
    from assets.core.ledger import Ledger
    from assets.cleaned.steps import run_steps
    from assets.raw.ingest import build_raw, documents_dir

    settings = load_settings(PROJECT / "params.yaml", house / "sources.yaml", str(work / "raw"))
    if not settings.storage.exists("raw/documents"):
        build_raw(settings, settings.storage)
    frames = []
    for s in settings.sources:
        if s.rights != "train":
            continue
        df = settings.storage.read_parquet(documents_dir(s.name)).to_pandas()
        root = s.uri[: s.uri.rfind("/", 0, min(i for i in (s.uri.find(c) for c in "*?[") if i >= 0)) + 1]
        df["file"] = os.path.relpath(root, house) + "/" + df["uri"]
        df["format"] = s.format
        frames.append(df)
    docs = pd.concat(frames, ignore_index=True).sort_values("doc_id").reset_index(drop=True)
    docs = docs.sample(frac=1.0, random_state=0).head(limit).reset_index(drop=True)
    docs = run_steps(docs, preparation_steps(settings), Ledger()).reset_index(drop=True)
    docs.to_parquet(cache)
    return docs


def run_atelier(docs: pd.DataFrame, work: Path, workers: int, start_method: str = "spawn") -> tuple[float, dict]:
    root = atelier_input(docs, work, workers, start_method)
    return run_stage_on(root)


def run_stage_on(root: Path) -> tuple[float, dict]:
    """The cleaned stage, timed, on a root atelier_input wrote (its params, sources and raw parts)."""
    from assets.core.settings import load_settings
    from assets.core.storage import Storage
    from assets.cleaned.curate import build_cleaned

    settings = load_settings(root / "params.yaml", root / "sources.yaml", str(root / "data"))
    start = time.perf_counter()
    meta = build_cleaned(settings, Storage(str(root / "out")))
    return time.perf_counter() - start, meta["ledger"]


def atelier_input(docs: pd.DataFrame, work: Path, workers: int, start_method: str = "spawn") -> Path:
    """A storage root holding `docs` as the raw stage's parts, with params and sources for the stage."""
    from assets.raw.ingest import SCHEMA, documents_dir
    from assets.raw.parts import PartWriter

    root = work / f"atelier-w{workers}"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    sources = sorted(docs["source"].unique())
    # every filter on every document, as datatrove runs them (the stage's default filter_kinds
    # would run the web heuristics on press and reviews only: ~23% of the house)
    clean = {"extract_html": False, "fix_unicode": False, "min_chars": 1, "workers": workers, "language": {"enabled": False},
             "filter_kinds": sorted(docs["kind"].unique()), "start_method": start_method}
    kinds = docs.groupby("source")["kind"].first()
    settings = settings_for(root, [{"name": n, "uri": f"x/{n}/*", "format": "jsonl", "rights": "train", "pii": "none", "kind": kinds[n]} for n in sources],
                            clean, root / "data")
    for name in sources:
        part = docs[docs["source"] == name].assign(rights="train", language=None)
        # laid out as the raw stage writes it (parts of ingest.part_max_docs, row groups of 8,192): the
        # stage reads a row group at a time, so one huge row group would weigh on its peak memory
        parts = PartWriter(settings.storage, documents_dir(name), SCHEMA, settings.params.ingest.part_max_docs, settings.params.ingest.part_max_bytes)
        parts.add(pa.Table.from_pandas(part[SCHEMA.names], schema=SCHEMA, preserve_index=False))
        parts.close()
        settings.storage.write_text(f"raw/quarantine/source={name}/quarantine.jsonl", "")
    return root


def atelier_decisions(texts: list[str]) -> tuple[float, list[dict]]:
    """Per document: the first filter that removes it and its rule (None: kept), one core."""
    from assets.core.params.clean import CleanParams
    from assets.cleaned.filters.c4 import c4_check
    from assets.cleaned.filters.fineweb import fineweb_check
    from assets.cleaned.filters.gopher import quality_check, repetition_check
    from assets.cleaned.filters.words import split_into_words

    p = CleanParams(**yaml.safe_load((PROJECT / "params.yaml").read_text())["clean"])
    rep, qual, c4, fw = repetition_check(p.gopher_repetition), quality_check(p.gopher_quality), c4_check(p.c4), fineweb_check(p.fineweb)
    out = []
    start = time.perf_counter()
    for text in texts:
        words = split_into_words(text)
        decision = {"filter": None, "rule": None}
        for name, check in (("gopher_repetition", rep), ("gopher_quality", qual)):
            rule = check(text, words)
            if rule:
                decision = {"filter": name, "rule": rule}
                break
        else:
            rule, text = c4(text)
            if rule:
                decision = {"filter": "c4", "rule": rule}
            else:
                rule = fw(text, split_into_words(text))
                if rule:
                    decision = {"filter": "fineweb", "rule": rule}
        out.append(decision)
    return time.perf_counter() - start, out


def datatrove_decisions(texts: list[str]) -> tuple[float, list[dict]]:
    from datatrove.data import Document
    from datatrove.pipeline.filters import C4QualityFilter, FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter

    chain = (("gopher_repetition", GopherRepetitionFilter()), ("gopher_quality", GopherQualityFilter()),
             ("c4", C4QualityFilter(filter_no_terminal_punct=False)), ("fineweb", FineWebQualityFilter()))
    out = []
    start = time.perf_counter()
    for i, text in enumerate(texts):
        doc = Document(text=text, id=str(i))
        decision = {"filter": None, "rule": None}
        for name, f in chain:
            result = f.filter(doc)
            kept, rule = (result, None) if isinstance(result, bool) else result
            if not kept:
                decision = {"filter": name, "rule": rule}
                break
        out.append(decision)
    return time.perf_counter() - start, out


_DT: dict = {}


def _dt_init() -> None:
    datatrove_decisions(["warm up: imports and the tokenizer load here, untimed."] * 5)


def _dt_chunk(texts: list[str]) -> list[dict]:
    return datatrove_decisions(texts)[1]


def datatrove_parallel(texts: list[str], workers: int) -> tuple[float, list[dict]]:
    """datatrove's four filters in `workers` processes over contiguous shares of `texts`; workers
    are started and warmed (imports, spaCy) before the clock starts, unlike Atelier's stage."""
    from multiprocessing import get_context

    shares = [list(part) for part in np.array_split(np.array(texts, dtype=object), workers * 4)]
    with get_context("spawn").Pool(workers, initializer=_dt_init) as pool:
        pool.map(_dt_chunk, [["warm"]] * workers)
        start = time.perf_counter()
        results = pool.map(_dt_chunk, shares, chunksize=1)
        seconds = time.perf_counter() - start
    return seconds, [d for part in results for d in part]


def run_datatrove(docs: pd.DataFrame, work: Path, workers: int) -> tuple[float, dict]:
    """datatrove's own end-to-end pipeline over the same documents, as FineWeb runs it: read ->
    the four filters -> write; then MinHash in its four stages (signatures -> buckets -> clusters ->
    filter) with the stage's 5-grams and 14 bands x 8 rows; every executor's process start-up is
    inside the clock. Returns seconds and the counts."""
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup import MinhashDedupBuckets, MinhashDedupCluster, MinhashDedupFilter, MinhashDedupSignature
    from datatrove.pipeline.dedup.minhash import MinhashConfig
    from datatrove.pipeline.filters import C4QualityFilter, FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter
    from datatrove.pipeline.readers import JsonlReader, ParquetReader
    from datatrove.pipeline.writers import JsonlWriter
    from datatrove.utils.hashing import HashConfig

    root = work / f"datatrove-w{workers}"
    shutil.rmtree(root, ignore_errors=True)
    (root / "input").mkdir(parents=True)
    for i, part in enumerate(np.array_split(np.arange(len(docs)), workers)):  # one input file per task
        docs.iloc[part][["doc_id", "text"]].to_parquet(root / "input" / f"part-{i:05d}.parquet", index=False)
    # sha1, not its default xxhash: datatrove 0.10.1 passes str to xxhash.xxh64_intdigest, which the
    # installed xxhash rejects ("Strings must be encoded before hashing")
    config = MinhashConfig(hash_config=HashConfig(precision=64, hash_fc="sha1"), num_buckets=14, hashes_per_bucket=8, n_grams=5)
    folder = lambda name: str(root / name)  # noqa: E731
    stages = [
        ([ParquetReader(folder("input"), text_key="text", id_key="doc_id"), GopherRepetitionFilter(), GopherQualityFilter(),
          C4QualityFilter(filter_no_terminal_punct=False), FineWebQualityFilter(), JsonlWriter(folder("filtered"), compression=None)], workers),
        ([JsonlReader(folder("filtered"), compression=None), MinhashDedupSignature(folder("signatures"), config=config)], workers),
        ([MinhashDedupBuckets(folder("signatures"), folder("buckets"), config=config)], config.num_buckets),
        ([MinhashDedupCluster(folder("buckets"), folder("remove_ids"), config=config)], 1),
        ([JsonlReader(folder("filtered"), compression=None), MinhashDedupFilter(folder("remove_ids")), JsonlWriter(folder("deduplicated"), compression=None)], workers),
    ]  # fmt: skip
    start = time.perf_counter()
    for n, (pipeline, tasks) in enumerate(stages):
        LocalPipelineExecutor(pipeline, tasks=tasks, workers=min(workers, tasks), logging_dir=folder(f"logs/{n}"), start_method="spawn").run()
    seconds = time.perf_counter() - start
    count = lambda name: sum(1 for f in (root / name).glob("*.jsonl") for _ in open(f))  # noqa: E731
    filtered, kept = count("filtered"), count("deduplicated")
    return seconds, {"kept": kept, "removed_by_filters": len(docs) - filtered, "removed_by_dedup": filtered - kept}


def start_up(run, docs: pd.DataFrame, work: Path, workers: int) -> float:
    """Seconds of a run over 20 documents: the fixed cost inside each side's end-to-end figure."""
    return run(docs.head(20), work / "startup", workers)[0]


def agreement(ours: list[dict], theirs: list[dict]) -> dict:
    """Per filter, over documents that reached it in both chains: share with the same keep/drop."""
    order = {f: i for i, f in enumerate(FILTERS)}
    result = {}
    for f in FILTERS:
        reached = same = 0
        for a, b in zip(ours, theirs):
            ra = a["filter"] is None or order[a["filter"]] >= order[f]
            rb = b["filter"] is None or order[b["filter"]] >= order[f]
            if ra and rb:
                reached += 1
                same += (a["filter"] == f) == (b["filter"] == f)
        result[f] = {"documents": reached, "agreement": round(same / reached, 5) if reached else None}
    result["same_rule"] = round(sum(a == b for a, b in zip(ours, theirs)) / max(1, len(ours)), 5)
    return result


def shingles(text: str) -> set:
    """5-word shingles by a plain `\w+` split: an independent judge of the stage's own shingling."""
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i : i + 5]) for i in range(max(1, len(words) - 4))}


def pair_jaccard(docs: pd.DataFrame, i: int, j: int) -> float:
    from assets.cleaned.dedup import jaccard

    return jaccard(shingles(docs["text"].iat[i]), shingles(docs["text"].iat[j]))


def candidate_truth(signature: np.ndarray, hasher, texts: np.ndarray, heads: np.ndarray, threshold: float) -> dict:
    """Ground truth by exact Jaccard: every pair LSH proposes (any shared band) whose 5-word shingle
    sets have Jaccard >= threshold is a near duplicate; recall = share of those pairs of which at
    most one document survives; precision = share of removed documents whose keeper is such a pair
    (pairs LSH never proposes are outside this truth: at 14 x 8 a pair at 0.8 is proposed 99.99% of times)."""
    from assets.cleaned.dedup import candidate_pairs, jaccard, shingle_set

    pairs = candidate_pairs(signature, hasher)
    sets: dict[int, frozenset] = {}
    shingle = lambda i: sets.setdefault(i, shingle_set(texts[i], hasher.ngram))  # noqa: E731
    kept = heads == np.arange(len(heads))
    truth = [(a, b) for a, b in pairs.tolist() if jaccard(shingle(a), shingle(b)) >= threshold]
    caught = sum(not (kept[a] and kept[b]) for a, b in truth)
    removed = np.flatnonzero(~kept).tolist()
    backed = sum(jaccard(shingle(i), shingle(int(heads[i]))) >= threshold for i in removed)
    return {"candidate_pairs": len(pairs), "pairs_jaccard_ge_threshold": len(truth), "threshold": threshold,
            "recall": round(caught / len(truth), 4) if truth else None, "removed": len(removed),
            "precision": round(backed / len(removed), 4) if removed else None}  # fmt: skip


def near_duplicate_quality(docs: pd.DataFrame, house: Path) -> dict:
    """Dedup over all documents (no filters before it): recall of the ground truth's pairs and
    precision of the flagged pairs (by ground truth and by exact Jaccard >= 0.8)."""
    from assets.core.params.clean import DedupParams
    from assets.cleaned.dedup import MinHasher, cluster_heads, exact_duplicates
    from assets.cleaned.normalize import content_hash

    p = DedupParams(**yaml.safe_load((PROJECT / "params.yaml").read_text())["clean"]["dedup"])
    hasher = MinHasher.from_params(p)
    start = time.perf_counter()
    exact = exact_duplicates(pd.Series([content_hash(t) for t in docs["text"]]))
    head = np.arange(len(docs))
    alive = np.flatnonzero(~exact)
    texts = docs["text"].to_numpy()
    signature = hasher.signatures(list(texts[alive]))
    head[alive] = alive[cluster_heads(signature, hasher, p.verify_threshold, lambda rows: list(texts[alive[rows]]))]
    seconds = time.perf_counter() - start
    jaccard_truth = candidate_truth(signature, hasher, texts[alive], np.searchsorted(alive, head[alive]), p.verify_threshold)
    by_hash: dict[str, int] = {}
    for i, t in enumerate(docs["text"]):
        first = by_hash.setdefault(content_hash(t), i)
        if exact[i]:
            head[i] = head[first]
    key = {(f, None if fmt in ("md", "html", "txt", "pdf", "docx") or pd.isna(line) else int(line)): i
           for i, (f, line, fmt) in enumerate(zip(docs["file"], docs["line"], docs["format"]))}
    truth = [json.loads(line) for line in (house / "ground_truth" / "near_duplicates.jsonl").read_text().splitlines() if line.strip()]
    found = {"near": [0, 0], "exact": [0, 0]}
    gt_pairs = set()
    for pair in truth:
        a = key.get((pair["a"]["file"], pair["a"]["line"]))
        b = key.get((pair["b"]["file"], pair["b"]["line"]))
        if a is None or b is None:
            continue
        gt_pairs.add(frozenset((a, b)))
        found[pair["kind"]][1] += 1
        found[pair["kind"]][0] += int(head[a] == head[b])
    flagged = [(i, int(head[i])) for i in range(len(docs)) if head[i] != i and not exact[i]]
    rng = np.random.default_rng(0)
    sample = [flagged[i] for i in rng.permutation(len(flagged))[:2000]]
    jaccards = [pair_jaccard(docs, i, j) for i, j in sample]
    # the ground truth lists the pairs the simulator planted (original, copy); a flagged pair can
    # also be two copies of one original, or two texts the simulator's templates made alike
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for pair in gt_pairs:
        a, b = tuple(pair)
        parent[root(a)] = root(b)
    in_truth = np.array([frozenset(p) in gt_pairs for p in flagged], dtype=bool)
    in_closure = np.array([root(a) == root(b) for a, b in flagged], dtype=bool)
    outside = [(i, j) for (i, j), t in zip(flagged, in_closure) if not t]
    outside_j = [pair_jaccard(docs, i, j) for i, j in outside]
    examples = [{"kept": {"file": docs["file"].iat[j], "line": None if pd.isna(docs["line"].iat[j]) else int(docs["line"].iat[j])},
                 "removed": {"file": docs["file"].iat[i], "line": None if pd.isna(docs["line"].iat[i]) else int(docs["line"].iat[i])},
                 "jaccard": round(jv, 4)} for (i, j), jv in list(zip(outside, outside_j))[:5]]
    return {
        "documents": len(docs),
        "seconds": round(seconds, 2),
        "ground_truth_pairs_in_corpus": {k: v[1] for k, v in found.items()},
        "recall_near": round(found["near"][0] / found["near"][1], 4) if found["near"][1] else None,
        "recall_exact": round(found["exact"][0] / found["exact"][1], 4) if found["exact"][1] else None,
        "near_flagged": len(flagged),
        "precision_ground_truth": round(float(in_truth.mean()), 4) if flagged else None,
        "precision_ground_truth_transitive": round(float(in_closure.mean()), 4) if flagged else None,
        "flagged_not_in_truth": int((~in_closure).sum()),
        "flagged_not_in_truth_jaccard_ge_0.8": int(sum(j >= 0.8 for j in outside_j)),
        "flagged_not_in_truth_jaccard_min": round(min(outside_j), 4) if outside_j else None,
        "flagged_not_in_truth_kinds": pd.Series([docs["kind"].iat[i] for i, _ in outside], dtype=object).value_counts().to_dict(),
        "flagged_not_in_truth_examples": examples,
        "precision_jaccard_0.8": round(float(np.mean([j >= 0.8 for j in jaccards])), 4) if jaccards else None,
        "jaccard_sampled_pairs": len(jaccards),
        "jaccard_min": round(min(jaccards), 4) if jaccards else None,
        "candidate_pairs_exact_jaccard": jaccard_truth,
    }


def pipelines_side_by_side(docs: pd.DataFrame, args, first_seconds: float, books: dict) -> dict:
    """The stage and datatrove's pipeline end to end on the same documents and cores, alternating
    (the stage's first run is the one main() already timed), then each side's start-up alone."""
    ours, theirs = [first_seconds], []
    for r in range(args.rounds):
        seconds, counts = run_datatrove(docs, args.work, args.workers)
        theirs.append(seconds)
        if r + 1 < args.rounds:
            ours.append(run_atelier(docs, args.work, args.workers)[0])
    ratios = [b / a for a, b in zip(ours, theirs)]
    return {
        "documents": len(docs), "workers": args.workers,
        "atelier_seconds": [round(x, 2) for x in ours], "datatrove_seconds": [round(x, 2) for x in theirs],
        "ratio_datatrove_seconds_over_atelier": {"median": round(float(np.median(ratios)), 2), "min": round(min(ratios), 2), "max": round(max(ratios), 2)},
        "start_up_seconds": {"atelier": round(start_up(run_atelier, docs, args.work, args.workers), 2),
                             "datatrove": round(start_up(run_datatrove, docs, args.work, args.workers), 2)},
        "atelier_counts": {"kept": books["kept"], "removed": books["removed"]}, "datatrove_counts": counts,
        "what": "both: read the documents, Gopher repetition + Gopher quality + C4 + FineWeb filters on every document, MinHash "
                "near-duplicate removal (5-grams, 14 x 8), write the kept corpus; the stage also removes exact duplicates and verifies "
                "candidate pairs by exact Jaccard; datatrove writes and rereads its filtered output between its stages, as its pipeline does. "
                "Start-up (worker processes, imports, spaCy) is inside both figures and stated alone on 20 documents.",
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--house", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--datatrove-docs", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--also-one-worker", action="store_true", help="time the stage with 1 worker too")
    parser.add_argument("--also-fork", action="store_true", help="time the stage with clean.start_method=fork too")
    parser.add_argument("--datatrove-workers", type=int, default=0, help="also time datatrove's filters in this many processes")
    parser.add_argument("--rounds", type=int, default=1, help="end to end, alternating: the stage, datatrove's pipeline, the stage, ...")
    parser.add_argument("--no-pipeline", action="store_true", help="skip datatrove's end-to-end pipeline (filters + MinHash)")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    docs = prepared_corpus(args.house, args.work, args.docs)
    texts = list(docs["text"].head(args.datatrove_docs))
    # Timed in this order so that no contender starts from state another one left in this process:
    # a forked worker inherits the parent's modules and memo caches, and the in-process one-worker
    # run fills them (spaCy's tokenizer, words and sentence transitions of these same documents);
    # so fork runs before anything tokenizes here, and the one-worker stage runs last.
    seconds, books = run_atelier(docs, args.work, args.workers)
    end_to_end = None if args.no_pipeline else pipelines_side_by_side(docs, args, seconds, books)
    if args.also_fork:
        seconds_f, _ = run_atelier(docs, args.work, args.workers, "fork")
    atelier_decisions(texts[:20]), datatrove_decisions(texts[:20])  # warm up: imports and tokenizer loading untimed on both sides
    a_seconds, ours = atelier_decisions(texts)
    d_seconds, theirs = datatrove_decisions(texts)
    if args.datatrove_workers:
        p_seconds, theirs_p = datatrove_parallel(texts, args.datatrove_workers)
    if args.also_one_worker:
        seconds1, _ = run_atelier(docs, args.work, 1)

    report: dict = {"documents": len(docs), "cores": os.cpu_count()}
    report["atelier_stage"] = {"workers": args.workers, "start_method": "spawn", "seconds": round(seconds, 2), "docs_per_s": round(len(docs) / seconds, 1),
                               "kept": books["kept"], "removed": books["removed"]}
    if args.also_one_worker:
        report["atelier_stage_one_worker"] = {"seconds": round(seconds1, 2), "docs_per_s": round(len(docs) / seconds1, 1),
                                              "speedup_of_workers": round(seconds1 / seconds, 2)}
    if args.also_fork:
        report["atelier_stage_fork"] = {"workers": args.workers, "start_method": "fork", "seconds": round(seconds_f, 2),
                                        "docs_per_s": round(len(docs) / seconds_f, 1)}
    report["filters_one_core"] = {
        "documents": len(texts),
        "atelier_docs_per_s": round(len(texts) / a_seconds, 1),
        "datatrove_docs_per_s": round(len(texts) / d_seconds, 1),
        "ratio_filters_one_core": round(d_seconds / a_seconds, 2),
    }
    dt1 = len(texts) / d_seconds
    report["ratio_stage_vs_datatrove_filters"] = round((len(docs) / seconds) / dt1, 2)
    ratios = {f"stage_{args.workers}_workers_vs_datatrove_1_core": round((len(docs) / seconds) / dt1, 2)}
    if args.also_one_worker:
        ratios["stage_1_worker_vs_datatrove_1_core"] = round((len(docs) / seconds1) / dt1, 2)
    if args.datatrove_workers:
        dtp = len(texts) / p_seconds
        report["datatrove_parallel"] = {"workers": args.datatrove_workers, "documents": len(texts), "docs_per_s": round(dtp, 1),
                                        "same_decisions_as_one_core": theirs_p == theirs}
        ratios[f"stage_{args.workers}_workers_vs_datatrove_{args.datatrove_workers}_processes"] = round((len(docs) / seconds) / dtp, 2)
        if args.also_fork:
            ratios[f"stage_{args.workers}_workers_fork_vs_datatrove_{args.datatrove_workers}_processes"] = round((len(docs) / seconds_f) / dtp, 2)
    if args.also_fork:
        ratios[f"stage_{args.workers}_workers_fork_vs_datatrove_1_core"] = round((len(docs) / seconds_f) / dt1, 2)
    report["ratios"] = ratios
    report["note"] = ("datatrove ran the four filters (no dedup, no I/O, workers warmed before timing) over the first datatrove-docs "
                      "documents; its docs/s is taken as its rate on the full set. Atelier's stage figure includes worker start-up, "
                      "reading, the four filters on every document (filter_kinds = all kinds), exact and MinHash dedup with "
                      "verification, and writing the sorted corpus.")
    if end_to_end:
        report["end_to_end"] = end_to_end
    report["agreement"] = agreement(ours, theirs)
    report["disagreements_sample"] = [{"doc": i, "atelier": a, "datatrove": b} for i, (a, b) in enumerate(zip(ours, theirs)) if a != b][:10]
    report["near_duplicates"] = near_duplicate_quality(docs, args.house)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
