"""Peak memory of the cleaned stage as its input grows: bounded means it barely moves.

`.venv-bench/bin/python -m benchmarks.clean_memory --work /tmp/bench-clean --docs 12500 50000 200000
[--house /tmp/bench200k]` runs the stage (2 spawn workers, every filter, exact and MinHash dedup) on
the first N documents of the corpus `benchmarks.clean` prepared (with --house, prepared here first,
untimed), one fresh process per size that runs the stage alone (this process writes its input),
and prints the peak resident memory (ru_maxrss) of the stage's process and of its largest worker,
and their sum. With --workers 1 the stage runs its batches in its own process.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path


def measure(root: Path, workers: int) -> dict:
    """The stage alone on a prepared root: its input was written by the parent, so the documents
    this process would otherwise hold as a DataFrame do not count in its peak."""
    from benchmarks.clean import run_stage_on

    seconds, ledger = run_stage_on(root)
    return {
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
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # internal: measure the stage on this prepared root
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.workers)))
        return
    if args.house:
        from benchmarks.clean import prepared_corpus

        args.work.mkdir(parents=True, exist_ok=True)
        prepared_corpus(args.house, args.work, max(args.docs))
    import pandas as pd

    from benchmarks.clean import atelier_input

    corpus = sorted(args.work.glob("prepared-*.parquet"), key=lambda p: int(p.stem.split("-")[1]))[-1]
    rows = []
    for docs in args.docs:  # a fresh process per size: peak memory is per process
        frame = pd.read_parquet(corpus).head(docs)
        with tempfile.TemporaryDirectory(dir=args.work) as scratch:
            root = atelier_input(frame, Path(scratch), args.workers)
            out = subprocess.run([sys.executable, "-m", "benchmarks.clean_memory", "--work", str(args.work), "--workers", str(args.workers), "--one", str(root)],
                                 capture_output=True, text=True, check=True)
        rows.append({"documents": len(frame), "text_mb": round(frame["text"].str.len().sum() / 1e6, 1), **json.loads(out.stdout.strip().splitlines()[-1])})
        del frame
    for row in rows:
        row["peak_total_rss_mb"] = row["peak_rss_mb"] + row["workers"] * row["peak_worker_rss_mb"]  # an upper bound: workers peak apart
    print(json.dumps({"sizes": rows, "peak_rss_growth": round(rows[-1]["peak_rss_mb"] / rows[0]["peak_rss_mb"], 3),
                      "peak_total_rss_growth": round(rows[-1]["peak_total_rss_mb"] / rows[0]["peak_total_rss_mb"], 3),
                      "input_growth": round(rows[-1]["documents"] / rows[0]["documents"], 3)}, indent=2))


if __name__ == "__main__":
    main()
