"""Peak memory of the cleaned stage as its input grows: bounded means it barely moves.

`.venv-bench/bin/python -m benchmarks.clean_memory --work /tmp/bench-clean --docs 12500 50000 200000
[--house /tmp/bench200k]` runs the stage (2 spawn workers, every filter, exact and MinHash dedup) on
the first N documents of the corpus `benchmarks.clean` prepared (with --house, prepared here first,
untimed), one fresh process per size, and prints the peak resident memory (ru_maxrss) of the
stage's process and of its largest worker, and their sum.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path


def measure(work: Path, docs: int, workers: int) -> dict:
    import pandas as pd

    from benchmarks.clean import run_atelier

    corpus = sorted(work.glob("prepared-*.parquet"), key=lambda p: int(p.stem.split("-")[1]))[-1]
    frame = pd.read_parquet(corpus).head(docs)
    with tempfile.TemporaryDirectory(dir=work) as scratch:
        seconds, ledger = run_atelier(frame, Path(scratch), workers)
    return {
        "documents": len(frame),
        "text_mb": round(frame["text"].str.len().sum() / 1e6, 1),
        "seconds": round(seconds, 1),
        "kept": ledger["kept"],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "peak_worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024,
        "workers": workers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--work", type=Path, required=True, help="the --work folder of benchmarks.clean (holds prepared-N.parquet)")
    parser.add_argument("--docs", type=int, nargs="+", default=[12500, 50000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--house", type=Path, help="prepare --work's corpus from this simulated house first (untimed)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: measure one size in this process
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.work, args.one, args.workers)))
        return
    if args.house:
        from benchmarks.clean import prepared_corpus

        args.work.mkdir(parents=True, exist_ok=True)
        prepared_corpus(args.house, args.work, max(args.docs))
    rows = []
    for docs in args.docs:  # a fresh process per size: peak memory is per process
        out = subprocess.run([sys.executable, "-m", "benchmarks.clean_memory", "--work", str(args.work), "--workers", str(args.workers), "--one", str(docs)],
                             capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    for row in rows:
        row["peak_total_rss_mb"] = row["peak_rss_mb"] + row["workers"] * row["peak_worker_rss_mb"]  # an upper bound: workers peak apart
    print(json.dumps({"sizes": rows, "peak_rss_growth": round(rows[-1]["peak_rss_mb"] / rows[0]["peak_rss_mb"], 3),
                      "peak_total_rss_growth": round(rows[-1]["peak_total_rss_mb"] / rows[0]["peak_total_rss_mb"], 3),
                      "input_growth": round(rows[-1]["documents"] / rows[0]["documents"], 3)}, indent=2))


if __name__ == "__main__":
    main()
