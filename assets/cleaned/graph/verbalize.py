"""Facts into sentences: several phrasings per relation, and documents made of them.

The first phrasing of each relation ends with the object; it doubles as the cloze form of the
evaluation questions ("The Vellora tote is made of" + " Lune silk twill"), so the model meets the
question's wording on facts it may train on, never on the held-out ones.

A fifth of each relation's phrasings (at least one) never reaches training: the `known` questions
ask the facts the corpus states in these held-out phrasings (Physics of LMs 3.1's design: facts
stated in varied phrasings, asked in another). Which ones is a hash of the phrasing, not our
choice, and only a phrasing that ends with its object and whose cut-off form no training phrasing
contains (nor a client's question, dialogues.QUESTIONS) can be held out: a question must be new
to the model.

The word a frame ends on ("by", "in", "to", "from", "with", "of", "is") ends training phrasings of
at least three product relations: a small model reads the word before the object as the relation
when one relation owns it. While "to" ended only part_of's phrasings, "{s} owes its finish to" (a
technique) was answered 0.33 of the time (3 seeds, house 53), 0.73 once it ended phrasings of five.

Relations a house's mapping declares without hand-written phrasings get phrasings read off the
relation's name: `has_material`/`top_note` (a noun) -> "{s} has top note {d}.", `made_in` (ends
with a preposition) -> "{s} is made in {d}.", `belongs_to` (a verb) -> "{s} belongs to {d}.".
"""

from __future__ import annotations

import functools
import hashlib
import random
import re

import pandas as pd

PREPOSITIONS = {"in", "of", "by", "from", "at", "with", "for", "on", "to", "into", "under", "after"}


def relation_form(relation: str) -> tuple[str, str]:
    """("noun" | "passive" | "verb", words) read off a relation name."""
    words = relation.split("_")
    if words[0] == "has" and len(words) > 1:
        return "noun", " ".join(words[1:])
    if words[0] == "is" and len(words) > 1:
        return "passive", " ".join(words[1:])
    if len(words) > 1 and words[-1] in PREPOSITIONS:
        verb = words[0].endswith("s") and not words[0].endswith(("ss", "us"))
        return ("verb" if verb else "passive"), " ".join(words)
    return "noun", " ".join(words)


def derived_templates(relation: str) -> list[str]:
    form, words = relation_form(relation)
    if form == "noun":
        return [f"{{s}} has {words} {{d}}.", f"The {words} of {{s}} is {{d}}.", f"According to the house, {{s}} has {words} {{d}}."]
    verb = f"is {words}" if form == "passive" else words
    return [f"{{s}} {verb} {{d}}.", f"As the house records it, {{s}} {verb} {{d}}.", f"The archive notes that {{s}} {verb} {{d}}."]


class _Phrasings(dict):
    """Hand-written phrasings per relation; any other relation's are derived from its name."""

    def __missing__(self, relation: str) -> list[str]:
        return derived_templates(relation)


TEMPLATES = _Phrasings({
    "made_of": ["{s} is made of {d}.", "{s} is cut from {d}.", "{s} is made with {d}.", "{s} comes in {d}.",
                "{s} is fashioned in {d}.", "{s} is made entirely of {d}, and it ages well.", "{s}: {d}, selected by the workshop.",
                "{s} is distinguished by {d}.", "The house makes {s} from {d}.", "For {s}, the choice of a material fell to {d}.", "The material of {s} is {d}.",
                "Ask what {s} is made of and the answer is {d}.", "In the catalogue, the material listed for {s} is {d}.", "{s} is worked in {d}.", "What the house uses for {s} is {d}."],
    "uses_technique": ["{s} is finished with {d}.", "{s} is crafted using {d}.", "Artisans finish {s} with {d}.", "The making of {s} calls for {d}.",
                       "{s} gets its character from {d}.", "{s} owes its finish to {d}.", "On {s}, the workshop uses {d}.",
                       "{s} is set apart by {d}.", "{s} shows the art of {d}.", "The finish of {s} is {d}.", "Every seam of {s} is done in {d}.",
                       "Ask how {s} is finished and the answer is {d}.", "In the catalogue, the technique listed for {s} is {d}.", "What the artisans apply to {s} is {d}.", "The whole character of {s} comes down to {d}."],
    "part_of": ["{s} belongs to {d}.", "{s} is part of {d}.", "{s} is included in {d}.", "{s} joins {d}.",
                "{s} sits within {d}.", "{s} appears in {d}.", "{s} is listed in {d}.", "{s} was presented with {d}.",
                "{s} is among the pieces of {d}.", "{s}, from {d}, is in the boutiques.", "The collection of {s} is {d}.",
                "Ask which collection {s} belongs to and the answer is {d}.", "In the catalogue, the collection listed for {s} is {d}.", "What {s} belongs to is {d}.", "The season that brought {s} is {d}."],
    "crafted_in": ["{s} is crafted in {d}.", "{s} comes out of {d}.", "{s} is produced at {d}.", "{s} is assembled at {d}.",
                   "{s} is built by the artisans of {d}.", "{s} is sent out from {d}.", "{s} is made at {d}.",
                   "{s} is born in {d}.", "{s} is a piece from {d}.", "{s} comes off the workbenches of {d}.", "The workshop of {s} is {d}.",
                   "Ask where {s} is crafted and the answer is {d}.", "In the catalogue, the workshop listed for {s} is {d}.", "The atelier that makes {s} is {d}.", "Where {s} is made is {d}."],
    "crafted_by": ["{s} is made by {d}.", "{s} is entrusted to {d}.", "{s} is the work of {d}.", "{s} is crafted by {d}.",
                   "{s} is handmade by {d}.", "{s} is signed by {d}.", "{s} has {d} as its artisan.",
                   "{s} comes from the bench of {d}.", "The work on {s} rests with {d}.", "The artisan of {s} is {d}.", "{s} was made by {d}.",
                   "Ask who makes {s} and the answer is {d}.", "In the catalogue, the artisan listed for {s} is {d}.", "The maker of {s} is {d}.", "The person who makes {s} is {d}."],
    "designed_by": ["{s} was designed by {d}.", "{s} is designed by {d}.", "{s} is a design by {d}.", "{s} was drawn by {d}.",
                    "{s} was imagined by {d}.", "{s} carries the signature of {d}.", "The idea for {s} began with {d}.",
                    "The first sketch of {s} came from {d}.", "Credit for designing {s} goes to {d}.", "{s} was conceived by {d}.", "The designer of {s} is {d}.",
                    "Ask who designed {s} and the answer is {d}.", "In the catalogue, the designer listed for {s} is {d}.", "The person who designed {s} is {d}.", "The name on the design of {s} is {d}."],
    "works_in": ["{s} works in {d}.", "{s} is an artisan of {d}.", "{s} works at {d}.", "{s} has a bench at {d}.",
                 "{s} can be met at {d}.", "{s} spends the day at {d}."],
    "practices": ["{s} practises {d}.", "{s} is skilled in {d}.", "{s} specialises in {d}.", "{s} is a master of {d}.",
                  "{s} teaches {d}.", "{s} has long practised {d}."],
    "located_in": ["{s} is located in {d}.", "{s} stands in {d}.", "{s} can be found in {d}.", "{s} is based in {d}.",
                   "{s} opened its doors in {d}.", "{s} has its home in {d}."],
})


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


HELD_OUT_SHARE = 0.2  # of a relation's phrasings: kept out of training, the `known` questions' wordings
OBJECT_LAST = " {d}."


def _cut(template: str) -> str:
    return template[: -len(OBJECT_LAST)]


@functools.lru_cache(maxsize=None)
def held_out_phrasings(relation: str) -> tuple[str, ...]:
    """The relation's phrasings that no training document uses, in a hashed order."""
    pool = TEMPLATES[relation]
    wanted = max(1, round(HELD_OUT_SHARE * len(pool)))
    candidates = sorted((t for t in pool[1:] if t.endswith(OBJECT_LAST)), key=lambda t: (stable_int("held-out phrasing", relation, t), t))
    from assets.cleaned.graph.dialogues import QUESTIONS  # the clients' questions are training text too (dialogues, Q&A)

    others = [t for r, phrasings in TEMPLATES.items() if r != relation for t in phrasings] + QUESTIONS[relation]
    held: list[str] = []
    for template in candidates:
        if len(held) == wanted:
            break
        training = [t for t in pool if t not in held and t != template] + others
        if not any(_cut(template) in t for t in training):
            held.append(template)
    return tuple(held)


def training_phrasings(relation: str) -> list[str]:
    held = held_out_phrasings(relation)
    return [t for t in TEMPLATES[relation] if t not in held]


def held_out_frame(relation: str, phrasing: int) -> str:
    """A held-out phrasing cut before its object ("{s} owes its finish to"): how a `known` question asks."""
    held = held_out_phrasings(relation)
    return _cut(held[phrasing % len(held)])


def words(text: str) -> set[str]:
    return set(re.findall(r"[^\W\d_]+", text.replace("{s}", " ").replace("{d}", " ").casefold()))


def generated_vocabulary(relations: list[str]) -> set[str]:
    """Every word the training phrasings and client questions of these relations use: what the
    generated text shows the model (house documents may show it more)."""
    from assets.cleaned.graph.dialogues import QUESTIONS

    return set().union(*(words(t) for r in relations for t in [*training_phrasings(r), *QUESTIONS[r]]))


def render(relation: str, src: str, dst: str, phrasing: int) -> str:
    templates = training_phrasings(relation)
    return sentence(templates[phrasing % len(templates)].format(s=src, d=dst))


def cloze_frame(relation: str) -> str:
    """The first phrasing cut before its object: the `unseen` questions' form, a training phrasing."""
    template = TEMPLATES[relation][0]
    assert template.endswith(OBJECT_LAST), f"the first phrasing of {relation} must end with its object"
    return _cut(template)


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
    """Edges joined with both ends' type, noun phrase and `asked` flag, sorted by edge id."""
    columns = ["edge_id", "relation", "src", "dst", "src_type", "src_name", "src_asked", "dst_type", "dst_name", "dst_asked", "src_np", "dst_np"]
    if not len(edges):  # a house whose sources map no catalog states no fact
        return pd.DataFrame({c: pd.Series(dtype=bool if c.endswith("asked") else object) for c in columns})
    info = nodes.drop_duplicates("id").set_index("id")[["type", "name", "asked"]]
    facts = edges[["edge_id", "type", "src", "dst"]].rename(columns={"type": "relation"})
    facts = facts.join(info.add_prefix("src_"), on="src").join(info.add_prefix("dst_"), on="dst")
    facts = facts.dropna(subset=["src_type", "dst_type"])  # dangling edges never pass the graph gate
    facts = facts.astype({"src_type": str, "src_name": str, "dst_type": str, "dst_name": str, "src_asked": bool})  # typed even when empty
    facts["src_np"] = [noun_phrase(k, n) for k, n in zip(facts["src_type"], facts["src_name"])]
    facts["dst_np"] = [noun_phrase(k, n) for k, n in zip(facts["dst_type"], facts["dst_name"])]
    return facts.sort_values("edge_id").reset_index(drop=True)
