"""HTML extraction quality: token-level F1 of the text Atelier keeps for the 181 pages of the
article-extraction benchmark against their gold article text, side by side with the benchmark's
own trafilatura, readability, jusText and html-text outputs scored the same way.

    python -m benchmarks.extraction [--data ../shared/data/html_article_extraction_benchmark] [--limit N]

Tokens are lowercase `\\w+` words, compared as bags (multisets): precision = shared / extracted,
recall = shared / gold, F1 per page, then the mean over pages. A page a tool extracts nothing
from scores 0. Atelier's text is what the stage keeps: the page read by the raw reader from its
`.html.gz` (decompression, encoding detection) and passed through assets/cleaned/extract.py.
Not timed: a quality figure. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
from collections import Counter
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
DATA = PROJECT.parent / "shared" / "data" / "html_article_extraction_benchmark"
WORD = re.compile(r"\w+")


def tokens(text: str) -> Counter:
    return Counter(WORD.findall((text or "").lower()))


def f1(extracted: str, gold: str) -> float:
    got, want = tokens(extracted), tokens(gold)
    shared = sum((got & want).values())
    if not got or not want or not shared:
        return 1.0 if not got and not want else 0.0
    precision, recall = shared / sum(got.values()), shared / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def atelier_texts(data: Path, ids: list[str]) -> dict[str, str]:
    import fsspec

    from assets.cleaned.extract import extract_main_text
    from assets.raw.items import RawDoc, ReadOptions
    from assets.raw.readers import read_file

    fs, options, texts = fsspec.filesystem("file"), ReadOptions(None, 50_000_000), {}
    for page in ids:
        path = str(data / "html" / f"{page}.html.gz")
        [item] = list(read_file("html", fs, path, f"{page}.html.gz", options))
        texts[page] = extract_main_text(item.text) if isinstance(item, RawDoc) else ""
    return texts


def score(texts: dict[str, str], gold: dict[str, str]) -> dict:
    per_page = [f1(texts.get(page, ""), gold[page]) for page in gold]
    return {"mean_f1": round(statistics.fmean(per_page), 4), "median_f1": round(statistics.median(per_page), 4),
            "pages": len(per_page), "pages_empty": sum(1 for page in gold if not texts.get(page, "").strip())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--limit", type=int, help="only the first N pages (by id), for a quick look")
    args = parser.parse_args()
    truth = json.loads((args.data / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth)[: args.limit] if args.limit else sorted(truth)
    gold = {page: truth[page]["articleBody"] for page in ids}
    report = {"pages": len(ids), "tokens": "lowercase \\w+, bag of words; F1 per page, then the mean"}
    import trafilatura

    report["atelier"] = {**score(atelier_texts(args.data, ids), gold), "trafilatura": trafilatura.__version__}
    for baseline in sorted((args.data / "baseline_outputs").glob("*.json")):
        outputs = json.loads(baseline.read_text(encoding="utf-8"))
        texts = {page: (outputs["output"].get(page) or {}).get("articleBody") or "" for page in ids}
        report[baseline.stem] = {**score(texts, gold), "version": outputs.get("version")}
    report["atelier_minus_trafilatura"] = round(report["atelier"]["mean_f1"] - report["trafilatura"]["mean_f1"], 4)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
