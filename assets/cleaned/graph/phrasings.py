"""How the two `known` sets ask the facts the corpus does state, in phrasings no training text uses:

- `known`: one of the relation's held-out phrasings (verbalize.held_out_phrasings: a hashed fifth
  of the house's own phrasings, kept out of training), drawn per fact. This is the question the
  issue asks, "does the model know the house?", in the house's words but never in a sentence
  frame it trained on.
- `known_far`: the same facts in wordings made of words no generator writes ("The hands behind
  the Vellora tote belong to"): a harder, reported test of carrying a fact to new vocabulary.

Each is a cloze prompt that ends before the object. Verbalized documents, dialogues and Q&A use
the training phrasings (verbalize.training_phrasings, dialogues.QUESTIONS); the mixture gate
checks that no training document contains a `known` or `known_far` prompt.
"""

from __future__ import annotations

from assets.cleaned.graph.verbalize import cloze_frame, held_out_frame, sentence, stable_int

FAR = {
    "made_of": "The material chosen for {s} is",
    "uses_technique": "The technique behind {s} is",
    "part_of": "The line that counts {s} among its pieces is",
    "crafted_in": "The place where {s} takes shape is",
    "crafted_by": "The hands behind {s} belong to",
    "designed_by": "The creative mind behind {s} is",
    "works_in": "The place where {s} spends the working day is",
    "practices": "The craft at which {s} excels is",
    "located_in": "The city that is home to {s} is",
}


def far_phrasing(relation: str) -> str:
    return FAR.get(relation, "Asked about {s} and its " + relation.replace("_", " ") + ", the answer is")


def question_frame(kind: str, relation: str, edge_id: str, seed: int) -> str:
    """How a question of this set asks the fact, cut before its object ("{s} owes its finish to"):
    `known` a held-out phrasing drawn per fact, `known_far` the far wording, `unseen` the cloze form."""
    if kind == "known":
        return held_out_frame(relation, stable_int(seed, "known phrasing", edge_id))
    if kind == "known_far":
        return far_phrasing(relation)
    return cloze_frame(relation)


def prompt(frame: str, src: str) -> str:
    return sentence(frame.format(s=src))
