"""Facts into sentences: several phrasings per relation, and documents made of them.

The first phrasing of each relation ends with the object; it doubles as the cloze form of the
evaluation questions ("The Vellora tote is made of" + " Lune silk twill"), so the model meets the
question's wording on facts it may train on, never on the held-out ones.
"""

from __future__ import annotations

import hashlib
import random

import pandas as pd

TEMPLATES = {
    "made_of": ["{s} is made of {d}.", "{s} is cut from {d}.", "For {s}, the house chose {d}.", "{d} is the material of {s}."],
    "uses_technique": ["{s} is finished with {d}.", "{s} is crafted using {d}.", "Artisans apply {d} to {s}.", "The making of {s} calls for {d}."],
    "part_of": ["{s} belongs to {d}.", "{s} is part of {d}.", "{d} includes {s}."],
    "crafted_in": ["{s} is crafted in {d}.", "{s} comes out of {d}.", "{d} produces {s}."],
    "crafted_by": ["{s} is made by {d}.", "{d} makes {s} by hand.", "{s} is the work of {d}."],
    "designed_by": ["{s} was designed by {d}.", "{d} designed {s}.", "{s} is a design by {d}."],
    "works_in": ["{s} works in {d}.", "{s} is an artisan of {d}.", "{d} is where {s} works."],
    "practices": ["{s} practises {d}.", "{s} is skilled in {d}.", "{d} is a speciality of {s}."],
    "located_in": ["{s} is located in {d}.", "{s} stands in {d}.", "In {d} you will find {s}."],
}
# The word a node's type adds after its name, unless the name already says it.
SUFFIX = {"collection": ("collection", ("collection",)), "workshop": ("workshop", ("workshop", "atelier")),
          "boutique": ("boutique", ("boutique", "store", "maison"))}


def noun_phrase(kind: str, name: str) -> str:
    if kind == "product":
        return f"the {name}"
    if kind in SUFFIX:
        word, already = SUFFIX[kind]
        return f"the {name}" if any(w in name.casefold() for w in already) else f"the {name} {word}"
    return name


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def render(relation: str, src: str, dst: str, phrasing: int) -> str:
    templates = TEMPLATES[relation]
    return sentence(templates[phrasing % len(templates)].format(s=src, d=dst))


def cloze(relation: str, src: str, dst: str) -> tuple[str, str]:
    """(prompt, answer): the first phrasing cut before its object."""
    template = TEMPLATES[relation][0]
    assert template.endswith("{d}."), f"the first phrasing of {relation} must end with its object"
    return sentence(template[: -len("{d}.")].rstrip().format(s=src)), " " + dst


def stable_int(*parts) -> int:
    return int.from_bytes(hashlib.sha256("\x00".join(map(str, parts)).encode("utf-8")).digest()[:8], "big")


def verbalized_documents(facts: pd.DataFrame, phrasings: int, seed: int) -> list[dict]:
    """One document per source node and phrasing round: every fact of the node, each in a
    different phrasing per round, in a seeded order.

    `facts`: edge_id, relation, src, src_np, dst_np (held-out facts already removed).
    Returns [{key, text, provenance}] sorted by key.
    """
    docs = []
    for src, group in facts.sort_values("edge_id").groupby("src", sort=True):
        for round_ in range(phrasings):
            rng = random.Random(stable_int(seed, "verbalize", src, round_))
            lines = [
                (render(f.relation, f.src_np, f.dst_np, stable_int(f.edge_id) + round_), f.edge_id)
                for f in group.itertuples(index=False)
            ]
            rng.shuffle(lines)
            docs.append({"key": f"{src}/{round_}", "text": " ".join(t for t, _ in lines), "provenance": sorted(e for _, e in lines)})
    return docs


def fact_table(nodes: pd.DataFrame, edges: pd.DataFrame) -> pd.DataFrame:
    """Edges joined with both ends' type and noun phrase, sorted by edge id."""
    info = nodes.drop_duplicates("id").set_index("id")[["type", "name"]]
    facts = edges[["edge_id", "type", "src", "dst"]].rename(columns={"type": "relation"})
    facts = facts.join(info.add_prefix("src_"), on="src").join(info.add_prefix("dst_"), on="dst")
    facts = facts.dropna(subset=["src_type", "dst_type"])  # dangling edges never pass the graph gate
    facts["src_np"] = [noun_phrase(k, n) for k, n in zip(facts["src_type"], facts["src_name"])]
    facts["dst_np"] = [noun_phrase(k, n) for k, n in zip(facts["dst_type"], facts["dst_name"])]
    return facts.sort_values("edge_id").reset_index(drop=True)
