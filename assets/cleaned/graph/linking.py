"""Entity linking with a gazetteer: every node's name and aliases, matched as whole words.

Only surface forms that name exactly one node link (an ambiguous form such as a city and a
workshop both called "Lyon" would invent support); the ambiguous ones are counted in the stats.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable


WORD = re.compile(r"\w+")


def words(text: str) -> tuple[str, ...]:
    """Case-folded word tokens; punctuation and spacing between words do not matter."""
    return tuple(WORD.findall(text.casefold()))


class Gazetteer:
    def __init__(self, names: Iterable[tuple[str, list[str]]]):
        """`names`: (node id, surface forms) pairs."""
        owners: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for node_id, forms in names:
            for form in forms:
                key = words(form)
                if key:
                    owners[key].add(node_id)
        self.surface = {form: next(iter(ids)) for form, ids in owners.items() if len(ids) == 1}
        self.ambiguous = sorted(" ".join(form) for form, ids in owners.items() if len(ids) > 1)
        self.longest = max((len(f) for f in owners), default=0)
        self._blocked = {form for form, ids in owners.items() if len(ids) > 1}

    def mentions(self, text: str) -> set[str]:
        """Ids of the nodes `text` names: leftmost-longest matches of word sequences, so "Aube
        clutch" wins over the collection "Aube" at the same place (a dictionary lookup per
        position and length, far cheaper than one regex with thousands of alternatives)."""
        tokens = words(text) if text else ()
        found, i = set(), 0
        while i < len(tokens):
            for n in range(min(self.longest, len(tokens) - i), 0, -1):
                key = tokens[i : i + n]
                if key in self.surface or key in self._blocked:
                    if key in self.surface:
                        found.add(self.surface[key])
                    i += n
                    break
            else:
                i += 1
        return found


def supporting_docs(docs: Iterable[tuple[str, str]], gazetteer: Gazetteer, edges: Iterable[tuple[str, str, str]]) -> tuple[dict, dict]:
    """Docs that mention both ends of each edge, and docs that mention each node.

    `docs`: (doc_id, text); `edges`: (edge_id, src, dst). Returns ({edge_id: {doc ids}}, {node id: {doc ids}}).
    """
    by_src: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for edge_id, src, dst in edges:
        by_src[src].append((edge_id, dst))
    edge_docs: dict[str, set[str]] = defaultdict(set)
    node_docs: dict[str, set[str]] = defaultdict(set)
    for doc_id, text in docs:
        named = gazetteer.mentions(text)
        for node in named:
            node_docs[node].add(doc_id)
            for edge_id, dst in by_src.get(node, ()):
                if dst in named:
                    edge_docs[edge_id].add(doc_id)
    return edge_docs, node_docs
