"""python -m assets.raw.simulator --out sample [--docs N] [--seed S] [--sources-file sources.yaml]"""

import argparse

from assets.raw.simulator import simulate
from assets.raw.simulator.sources import write_rerooted_sources


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="sample", help="folder to write (replaced whole)")
    parser.add_argument("--docs", type=int, default=1500, help="approximate number of documents")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sources-file", help="also write a sources.yaml here whose paths point into --out")
    args = parser.parse_args()
    summary = simulate(args.out, docs=args.docs, seed=args.seed)
    if args.sources_file:
        write_rerooted_sources(args.out, args.sources_file)
    print(summary)


if __name__ == "__main__":
    main()
