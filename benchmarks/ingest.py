"""Raw ingest throughput (MB/s, docs/s) and peak memory, side by side with a floor.

    python -m assets.raw.simulator --out /tmp/bench200k --docs 200000
    python -m benchmarks.ingest --house /tmp/bench200k --repeat 3



Each measurement runs in its own process (so peak RSS is its own), in rounds that interleave the
contenders. The floor reads the same JSONL files (their valid lines: on the raw files it
stops at the first bad one, which the report shows) with pyarrow.json and pandas.read_json: parsing
only, no decoding fallback, quarantine, ids, manifest or Parquet writes. `atelier_jsonl_gz` reads
the same files gzip-compressed (its MB/s counts decompressed bytes). `reuse` is a second ingest
with nothing changed (the manifest path). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def _settings(house: str, storage: str):
    from assets.core.settings import load_settings

    return load_settings(PROJECT / "params.yaml", Path(house) / "sources.yaml", storage)


def _jsonl(settings):
    from assets.raw.files import list_files

    return [(s, [f.path for f in list_files(s)[1]]) for s in settings.sources if s.format == "jsonl"]


def child(mode: str, house: str) -> dict:
    from assets.raw import ingest

    with tempfile.TemporaryDirectory(prefix="atelier-bench-") as storage:
        settings = _settings(house, storage)
        jsonl = _jsonl(settings)
        base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        if mode in ("atelier_all", "atelier_jsonl", "atelier_jsonl_gz"):
            names = [s.name for s in settings.sources] if mode == "atelier_all" else [s.name for s, _ in jsonl]
            summary = ingest.build_raw(settings, settings.storage, names)
            docs = sum(v["documents"] + v["quarantined"] for v in summary.values())
        elif mode == "reuse":
            area = settings.storage.staging("raw", "first")
            ingest.build_raw(settings, area)
            settings.storage.publish(area, ingest.outputs(settings))
            start = time.perf_counter()
            area = settings.storage.staging("raw", "second")
            summary = ingest.build_raw(settings, area)
            assert all(v["files_reused"] == v["files"] for v in summary.values()), summary
            docs = sum(v["documents"] + v["quarantined"] for v in summary.values())
        elif mode in ("pyarrow_jsonl", "pyarrow_jsonl_gz"):  # .gz: pyarrow decompresses by the extension
            import pyarrow.json as pj

            docs = 0
            for source, paths in jsonl:
                for path in paths:
                    table = pj.read_json(path, parse_options=pj.ParseOptions(newlines_in_values=False, unexpected_field_behavior="infer"))
                    docs += table.num_rows
        elif mode == "pandas_jsonl":
            import pandas as pd

            docs = 0
            for source, paths in jsonl:
                for path in paths:
                    docs += len(pd.read_json(path, lines=True, dtype=False))
        else:
            raise SystemExit(f"unknown mode {mode!r}")
        seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "docs": docs, "peak_rss_mb": peak / 1024, "import_rss_mb": base_rss / 1024}


def input_bytes(house: str, jsonl_only: bool) -> int:
    with tempfile.TemporaryDirectory() as storage:
        settings = _settings(house, storage)
        from assets.raw.files import list_files

        return sum(f.size for s in settings.sources if not jsonl_only or s.format == "jsonl" for f in list_files(s)[1])


def clean_jsonl_house(house: str, out: Path, gzipped: bool = False) -> str:
    """The house's JSONL sources with only their valid lines: the peers stop at the first bad one.
    `gzipped`: the same files as `.jsonl.gz`, for Atelier's cost of decompressing while reading."""
    out.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as storage:
        settings = _settings(house, storage)
        sources = []
        for source, paths in _jsonl(settings):
            folder = out / source.name
            folder.mkdir(parents=True)
            for i, path in enumerate(paths):
                good = []
                for line in Path(path).read_bytes().splitlines():
                    try:
                        if isinstance(json.loads(line.decode("utf-8")), dict):
                            good.append(line)
                    except (UnicodeDecodeError, json.JSONDecodeError):
                        pass
                data, suffix = b"\n".join(good) + b"\n", ".jsonl.gz" if gzipped else ".jsonl"
                (folder / f"part-{i:05d}{suffix}").write_bytes(gzip.compress(data, mtime=0) if gzipped else data)
            sources.append({**source.model_dump(exclude_none=True), "uri": f"{source.name}/*{suffix}"})
    (out / "sources.yaml").write_text(json.dumps({"sources": sources}))  # JSON is YAML
    return str(out)


def peer_on_raw_input(house: str) -> str:
    """What the floor does with the house's raw JSONL (bad lines included)."""
    out = subprocess.run([sys.executable, "-m", "benchmarks.ingest", "--house", house, "--child", "pyarrow_jsonl"],
                         capture_output=True, text=True, cwd=PROJECT)
    return "ok" if out.returncode == 0 else out.stderr.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--house", required=True, help="a simulated house (folder with sources.yaml)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.house)))
        return
    modes = ["atelier_jsonl", "pyarrow_jsonl", "atelier_jsonl_gz", "pyarrow_jsonl_gz", "pandas_jsonl", "atelier_all", "reuse"]
    runs: dict[str, list[dict]] = {m: [] for m in modes}
    with tempfile.TemporaryDirectory(prefix="atelier-bench-clean-") as folder:
        clean = clean_jsonl_house(args.house, Path(folder) / "plain")
        gzipped = clean_jsonl_house(args.house, Path(folder) / "gzipped", gzipped=True)
        houses = {"atelier_jsonl_gz": gzipped, "pyarrow_jsonl_gz": gzipped}
        for _ in range(args.repeat):
            for mode in modes:
                house = houses.get(mode) or (clean if mode.endswith("jsonl") else args.house)
                out = subprocess.run([sys.executable, "-m", "benchmarks.ingest", "--house", house, "--child", mode],
                                     capture_output=True, text=True, check=True, cwd=PROJECT)
                runs[mode].append(json.loads(out.stdout.strip().splitlines()[-1]))
        sizes = {"jsonl": input_bytes(clean, True), "all": input_bytes(args.house, False)}
    report = {"house": args.house, "repeat": args.repeat, "input_mb": {k: round(v / 1e6, 2) for k, v in sizes.items()},
              "floor_on_raw_jsonl": peer_on_raw_input(args.house)}
    for mode, results in runs.items():
        seconds = statistics.median(r["seconds"] for r in results)
        size = sizes["jsonl" if "jsonl" in mode else "all"]  # gzipped: MB/s of the decompressed JSONL
        report[mode] = {"seconds": round(seconds, 3), "docs": results[0]["docs"], "mb_per_s": round(size / 1e6 / seconds, 2),
                        "docs_per_s": round(results[0]["docs"] / seconds, 1),
                        "peak_rss_mb": round(max(r["peak_rss_mb"] for r in results), 1),
                        "import_rss_mb": round(max(r["import_rss_mb"] for r in results), 1)}
    report["ratio_time_atelier_over_pyarrow_jsonl"] = round(report["atelier_jsonl"]["seconds"] / report["pyarrow_jsonl"]["seconds"], 2)
    report["ratio_time_atelier_over_pyarrow_jsonl_gz"] = round(report["atelier_jsonl_gz"]["seconds"] / report["pyarrow_jsonl_gz"]["seconds"], 2)
    report["speed_vs_pyarrow_floor"] = {"jsonl": round(1 / report["ratio_time_atelier_over_pyarrow_jsonl"], 2),
                                        "jsonl_gz": round(1 / report["ratio_time_atelier_over_pyarrow_jsonl_gz"], 2), "target": 0.5}
    report["ratio_time_atelier_over_pandas_jsonl"] = round(report["atelier_jsonl"]["seconds"] / report["pandas_jsonl"]["seconds"], 2)
    report["ratio_time_gzipped_over_plain_jsonl"] = round(report["atelier_jsonl_gz"]["seconds"] / report["atelier_jsonl"]["seconds"], 2)
    report["ratio_time_reuse_over_full"] = round(report["reuse"]["seconds"] / report["atelier_all"]["seconds"], 3)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
