"""`python -m assets.reports.harness --model /path/to/any/hf/model`: score a transformers causal LM
(an Atelier export, a vendor's model, any local folder) on the house's knowledge questions and
held-out texts with lm-evaluation-harness; prints the figures as JSON.

The items are read from the pipeline's storage (ATELIER_STORAGE, or --storage), the same ones the
report scores: cleaned/evalsets/qa and the held-out texts. --out keeps the task YAML, their JSONL
and results.json, so `lm_eval --include_path OUT --tasks atelier_qa,atelier_heldout` reruns them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assets.core.settings import ConfigError, load_settings
from assets.core.storage import Storage
from assets.reports.harness import harness_scores


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m assets.reports.harness", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="a local folder holding a transformers causal LM and its tokenizer")
    parser.add_argument("--storage", help="the pipeline's storage root (default: ATELIER_STORAGE or data)")
    parser.add_argument("--out", help="keep the tasks, their data and results.json in this folder")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:0 ...")
    args = parser.parse_args(argv)
    if not Path(args.model, "config.json").is_file():
        print(f"error: {args.model}: no config.json, not a transformers model folder", file=sys.stderr)
        return 2
    try:
        settings = load_settings(storage_root=args.storage)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from assets.cleaned.graph.evalsets import read_questions
    from assets.reports.heldout import independent_texts

    storage: Storage = settings.storage
    questions = read_questions(storage)
    texts = independent_texts(storage, settings.params.evaluate.max_heldout_docs_per_source)
    scores = {"model": str(Path(args.model).resolve()), **harness_scores(args.model, questions, texts, args.out, args.batch_size, args.device)}
    text = json.dumps(scores, indent=2, sort_keys=True)
    if args.out:
        (Path(args.out) / "results.json").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
