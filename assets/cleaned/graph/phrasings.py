"""Question phrasings that no training document uses: how the `known` set asks about facts the
corpus does state, so that a right answer shows the model knows the fact, not the sentence.

Each is a cloze prompt that ends before the object ("The material chosen for the Vellora tote is"
+ " Lune silk twill"). Verbalized documents, dialogues and Q&A use other wordings
(verbalize.TEMPLATES, dialogues.QUESTIONS); the mixture gate checks that no training document
contains a known question's prompt. A relation without a phrasing here is asked in a generic form
built from its name, which no generator writes either.
"""

from __future__ import annotations

PHRASINGS = {
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


def phrasing(relation: str) -> str:
    return PHRASINGS.get(relation, "Asked about {s} and its " + relation.replace("_", " ") + ", the answer is")


def known_prompt(relation: str, src: str) -> str:
    text = phrasing(relation).format(s=src)
    return text[:1].upper() + text[1:]

