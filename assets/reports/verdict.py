"""The verdict: findings decided on 95% intervals, and the one sentence the report opens with.

A finding is a claim about the arms (the house model beats raw on known questions, ...). It
holds when its interval says so, not its point estimate. Findings are what the data shows, not
integrity failures: a house whose data does not win still gets its report, stated in words; a
finding blocks publication only where params say so (evaluate.block_on_verdict).
"""

from __future__ import annotations

from typing import Optional

from assets.tokenized.arms import BASELINE, DEFAULT, label


NO_HEADLINE_WORDS = ("no held-out document is left for the headline (each is a near copy of some arm's training text, in a language "
                     "the house does not write, or judged low quality by the house, and is scored apart)")


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _ci_pct(m: dict, key: str) -> str:
    return f"{_pct(m[key])} [{100 * m[key + '_lo']:.0f}–{100 * m[key + '_hi']:.0f}]"


def _ci(m: dict, key: str) -> str:
    return f"{m[key]:.3f} [{m[key + '_lo']:.3f}–{m[key + '_hi']:.3f}]"


def _points(d: dict) -> str:
    return f"{100 * d['mean']:+.0f} points [{100 * d['lo']:+.0f}, {100 * d['hi']:+.0f}]"


def findings(metrics: dict, differences: dict, chance: float, max_bpb_vs_raw: float, min_qa_over_chance: float, blocking: bool) -> list[dict]:
    """One row per finding: name, claim, evidence (figures and intervals), holds, gated (a
    headline claim), blocks."""
    rows = []
    cg = label(DEFAULT)

    def add(name: str, holds: bool, claim: str, evidence: str, gated: bool) -> None:
        rows.append({"finding": name, "claim": claim, "evidence": evidence, "holds": bool(holds), "gated": gated,
                     "blocks": bool(gated and blocking and not holds)})

    if DEFAULT in metrics and "known_acc" in metrics[DEFAULT]:  # no mapped catalog: no question to ask
        m = metrics[DEFAULT]
        add("known_above_chance", m["known_acc_lo"] - chance > min_qa_over_chance, f"{cg} answers known questions above chance",
            f"{_ci_pct(m, 'known_acc')}, chance {_pct(chance)}", True)
    for other in [a for a in metrics if a != DEFAULT]:
        d = differences.get(f"{DEFAULT} - {other}")
        if not d:
            continue
        gated = other == BASELINE
        if "known_acc" in d:
            add(f"known_lead_over_{other}", d["known_acc"]["lo"] > 0, f"{cg} answers more known questions than {label(other)}",
                f"lead {_points(d['known_acc'])}", gated)
        b = d.get("bits_per_byte")
        add(f"bpb_below_{other}", b is not None and b["hi"] < max_bpb_vs_raw, f"{cg} has lower held-out bits per byte than {label(other)}",
            f"difference {b['mean']:+.3f} [{b['lo']:+.3f}, {b['hi']:+.3f}]" if b else NO_HEADLINE_WORDS, gated)
        if "all_heldout_bits_per_byte" in d:  # the documents scored apart too (junk, near copies, other languages): reported, not gated
            b = d["all_heldout_bits_per_byte"]
            add(f"all_heldout_bpb_below_{other}", b["hi"] < max_bpb_vs_raw, f"{cg} has lower bits per byte than {label(other)} on every held-out document",
                f"difference {b['mean']:+.3f} [{b['lo']:+.3f}, {b['hi']:+.3f}]", False)
    d = differences.get(f"curated - {BASELINE}")
    if d and "known_acc" in d:
        add("curated_known_lead_over_raw", d["known_acc"]["lo"] > 0, f"curated answers more known questions than {label(BASELINE)}",
            f"lead {_points(d['known_acc'])}", False)
    return rows


def sentence(metrics: dict, differences: dict, rows: list[dict], tokens: Optional[int], seeds: int, chance: Optional[float] = None) -> str:
    """The report's first line: figures with intervals, then what they mean."""
    if DEFAULT not in metrics:
        return f"No verdict: the {label(DEFAULT)} arm was not evaluated (see the integrity table)."
    m = metrics[DEFAULT]
    budget = f"{tokens:,} training tokens per model, " if tokens else ""
    start = f"At equal compute ({budget}{seeds} seed{'s' if seeds != 1 else ''} per arm), the {label(DEFAULT)} model"
    if "known_acc" in m:
        odds = f" (chance {_pct(chance)})" if chance else ""
        parts = [f"{start} answers {_ci_pct(m, 'known_acc')} of catalog questions asked in phrasings it never trained on{odds}"]
        parts += [f"{label(a)} {_ci_pct(metrics[a], 'known_acc')}" for a in metrics if a != DEFAULT and "known_acc" in metrics[a]]
        if "known_far_acc" in m:
            parts[-1] += f" ({_ci_pct(m, 'known_far_acc')} for the {label(DEFAULT)} model asked in words the house never writes)"
    else:
        parts = [f"{start} was asked no catalog question (no source maps a catalog onto the graph)"]
    if "bits_per_byte" in m:
        text = ", ".join(parts) + f"; held-out bits per byte {_ci(m, 'bits_per_byte')}"
        if "bits_per_byte" in metrics.get(BASELINE, {}):
            text += f" vs {label(BASELINE)} {_ci(metrics[BASELINE], 'bits_per_byte')}"
    else:
        text = ", ".join(parts) + f"; no headline bits per byte: {NO_HEADLINE_WORDS}"
    if "all_heldout_bits_per_byte" in m and "all_heldout_bits_per_byte" in metrics.get(BASELINE, {}):
        text += (f" (lower is better; every held-out document, junk, near copies and other languages included: "
                 f"{m['all_heldout_bits_per_byte']:.3f} vs {metrics[BASELINE]['all_heldout_bits_per_byte']:.3f}).")
    else:
        text += " (lower is better)."
    gated = [r for r in rows if r["gated"]]
    shown, failed = [r for r in gated if r["holds"]], [r for r in gated if not r["holds"]]
    if failed:
        if shown:
            text += " Shown at 95%: " + "; ".join(f"{r['claim']} ({r['evidence']})" for r in shown) + "."
        text += " Not shown on this house at 95%: " + "; ".join(f"{r['claim']} ({r['evidence']})" for r in failed) + "."
    elif gated:
        text += " Every headline finding holds on its 95% interval."
    return text
