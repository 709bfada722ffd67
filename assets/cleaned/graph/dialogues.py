"""Simulated conversations and product Q&A, generated from the graph alone.

No client data goes in: the client's lines are drawn from fixed, seeded question templates and
the advisor answers only with facts of the graph (never a held-out one).
"""

from __future__ import annotations

import random

import pandas as pd

from assets.cleaned.graph.verbalize import relation_form, render, sentence, stable_int


class _Questions(dict):
    """Hand-written client questions per relation; any other relation's are derived from its name."""

    def __missing__(self, relation: str) -> list[str]:
        form, words = relation_form(relation)
        if form == "noun":
            return [f"What is the {words} of {{s}}?", f"Could you tell me the {words} of {{s}}?"]
        verb = f"is {words}" if form == "passive" else words
        return [f"Could you tell me what {{s}} {verb}?", f"May I ask what {{s}} {verb}?"]


QUESTIONS = _Questions({
    "made_of": ["What is {s} made of?", "Which material is used for {s}?"],
    "uses_technique": ["How is {s} made?", "Which technique goes into {s}?"],
    "part_of": ["Which collection is {s} from?", "What line does {s} belong to?"],
    "crafted_in": ["Where is {s} crafted?", "Which workshop makes {s}?"],
    "crafted_by": ["Who makes {s}?", "Which artisan works on {s}?"],
    "designed_by": ["Who designed {s}?", "Whose design is {s}?"],
})
GREETINGS = ["Good morning, how may I help you?", "Welcome to the boutique. What can I show you today?", "Good afternoon, are you looking for something in particular?"]
ACKNOWLEDGEMENTS = ["Certainly, it is one of my favourites.", "Of course. What would you like to know?", "With pleasure."]
OPENERS = ["I have been looking at {s}.", "Could you tell me about {s}?", "A friend recommended {s}."]
CLOSINGS = [("Thank you, that is very helpful.", "It is my pleasure. Take your time."),
            ("I will think about it.", "Of course. We will be here when you decide.")]


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _answers(group: pd.DataFrame, rng: random.Random) -> list[tuple[str, str, list[str]]]:
    """(question, answer, edge ids) per relation of one product, objects of a relation joined."""
    out = []
    for relation, facts in group.groupby("relation", sort=True):
        src = facts["src_np"].iloc[0]
        question = sentence(rng.choice(QUESTIONS[relation]).format(s=src))
        answer = render(relation, src, _join(sorted(facts["dst_np"])), rng.randrange(1000))
        out.append((question, answer, sorted(facts["edge_id"])))
    return out


def product_qa(facts: pd.DataFrame, seed: int) -> list[dict]:
    """One FAQ document per asked node (a product): each of its relations as a question and its answer."""
    docs = []
    for src, group in facts.loc[facts["src_asked"]].groupby("src", sort=True):
        pairs = _answers(group, random.Random(stable_int(seed, "qa", src)))
        if pairs:
            text = "\n\n".join(f"Q: {q}\nA: {a}" for q, a, _ in pairs)
            docs.append({"key": src, "text": text, "provenance": sorted(e for _, _, ids in pairs for e in ids)})
    return docs


def dialogues(facts: pd.DataFrame, per_product: int, seed: int) -> list[dict]:
    """Client-advisor conversations about one asked node (a product) each: a few of its facts, asked and answered."""
    docs = []
    for src, group in facts.loc[facts["src_asked"]].groupby("src", sort=True):
        for index in range(per_product):
            rng = random.Random(stable_int(seed, "dialogue", src, index))
            pairs = _answers(group, rng)
            if not pairs:
                continue
            pairs = rng.sample(pairs, rng.randint(1, min(3, len(pairs))))
            name = group["src_np"].iloc[0]
            turns = [f"Advisor: {rng.choice(GREETINGS)}", f"Client: {sentence(rng.choice(OPENERS).format(s=name))}",
                     f"Advisor: {rng.choice(ACKNOWLEDGEMENTS)}"]
            for question, answer, _ in pairs:
                turns += [f"Client: {question}", f"Advisor: {answer}"]
            thanks, goodbye = rng.choice(CLOSINGS)
            turns += [f"Client: {thanks}", f"Advisor: {goodbye}"]
            docs.append({"key": f"{src}/{index}", "text": "\n".join(turns), "provenance": sorted(e for _, _, ids in pairs for e in ids)})
    return docs
