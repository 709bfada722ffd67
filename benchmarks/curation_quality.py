"""Curation scored against the simulator's ground truth (ground_truth/fates.jsonl).

    python -m benchmarks.curation_quality --house /tmp/cq20k [--work /tmp/cq20k-work] [--json out.json] [--score-only]

Builds the house's raw, graph, evaluation sets and cleaned corpus with the stage's own functions
(params.yaml as it is), then joins every raw document to its planted fate and to what curation
did with it (`cleaned/removals`: the step's reason; the corpus: kept). Per source and per step:
clean documents kept, clean documents wrongly removed (each listed with its reason), planted
noise removed, noise that got through. Held-out documents (cleaned/evalsets/heldout) are counted
apart: the evaluation sets take them on purpose. Contamination counts as caught when the pasted
passage is nowhere in the corpus (the note itself may stay with the passage cut out).

The scoring itself is assets/cleaned/truth.py (the report can call `curation_quality_table`).
Not run in CI.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def build(house: Path, work: Path, params: Path = PROJECT / "params.yaml"):
    """raw -> graph -> evalsets -> cleaned corpus on `house`, into `work`; returns the settings."""
    from assets.core.settings import load_settings
    from assets.cleaned import curate
    from assets.cleaned.context import privacy_context
    from assets.cleaned.graph import evalsets, graph
    from assets.raw.ingest import build_raw

    shutil.rmtree(work, ignore_errors=True)
    settings = load_settings(params, house / "sources.yaml", str(work))
    storage = settings.storage
    for name, run in (("raw", lambda: build_raw(settings, storage)), ("graph", lambda: graph.build_graph(settings, storage)),
                      ("evalsets", lambda: evalsets.build_evalsets(settings, storage)),
                      ("cleaned", lambda: curate.build_cleaned(settings, storage, context=privacy_context(settings)))):
        start = time.perf_counter()
        run()
        print(f"{name}: {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    return settings


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--house", type=Path, required=True, help="a simulated house (python -m assets.raw.simulator --out ...)")
    parser.add_argument("--work", type=Path, help="storage root to build into (default: <house>-work)")
    parser.add_argument("--json", type=Path, help="also write the scores here")
    parser.add_argument("--score-only", action="store_true", help="score what an earlier run built in --work (same params), without rebuilding")
    args = parser.parse_args(argv)
    house = args.house.resolve()
    work = (args.work or house.with_name(house.name + "-work")).resolve()
    if args.score_only:
        from assets.core.settings import load_settings

        settings = load_settings(PROJECT / "params.yaml", house / "sources.yaml", str(work))
    else:
        settings = build(house, work)
    from assets.cleaned.truth import curation_quality_table, outcomes, score

    scores = score(outcomes(settings, house))
    print(curation_quality_table(scores)[1])
    print("\nby step:")
    for s in scores["steps"]:
        print(f"  {s['step']}: clean {s['clean_removed']}, noise {s['noise_removed']}  {s['by_fate']}")
    print(f"\nclean documents wrongly removed ({len(scores['wrongly_removed'])}):")
    for r in scores["wrongly_removed"]:
        print(f"  {r['source']} {r['file']}:{r['line']} -> {r['outcome']}")
    print(f"\nnoise that got through ({len(scores['noise_through'])}):")
    for r in scores["noise_through"]:
        print(f"  {r['source']} {r['file']}:{r['line']} ({r['fate']}) -> {r['outcome']}")
    if args.json:
        args.json.write_text(json.dumps(scores, indent=1, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
