"""What the house already knows: its clients (from the CRM and event logs) and its catalog terms.

Client names become a person recognizer that needs no model; catalog terms (products, materials,
collections) are protected so that "the Vellora tote" is never mistaken for a person.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import pandas as pd

from assets.cleaned.privacy.detectors import Span

CLIENT_KINDS = ("event", "events", "transcript", "transcripts", "crm")
CATALOG_KINDS = ("catalog", "reference")
CATALOG_FIELDS = ("name", "aliases", "material", "materials", "collection", "technique", "workshop", "sku")
# expert annotation spans (Label Studio "labels") that name catalog entities
CATALOG_SPAN_LABELS = {"PRODUCT", "COLLECTION", "MATERIAL", "TECHNIQUE", "WORKSHOP", "BOUTIQUE", "DESIGNER", "ARTISAN"}
# the events reader's header line: "Client C000001 (Camille Moreau · c.m@free.fr · +33 6 ...), interactions in 2024-03"
EVENTS_HEADER = re.compile(r"^Client (\S+) \((.+?)\), interactions in ")


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Everyday words (spaCy's English, French and Italian stop words): a single first or last
    name is redacted alone only if it is not also one of them."""
    # lazy: importing spacy.lang.fr compiles its tokenizer exceptions (~6 s), paid only where a
    # name-part pattern is compiled (the parent, see Gazetteer.__getstate__), not in every worker
    from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP
    from spacy.lang.fr.stop_words import STOP_WORDS as FR_STOP
    from spacy.lang.it.stop_words import STOP_WORDS as IT_STOP

    return frozenset(w.lower() for w in EN_STOP | FR_STOP | IT_STOP)


def parse_meta(value, where: str) -> dict:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
        return {}
    if isinstance(value, dict):
        return value
    try:
        meta = json.loads(value)
    except (TypeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{where}: field meta is not valid JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise ValueError(f"{where}: field meta must be a JSON object, got {type(meta).__name__}")
    return meta


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str)]
    return []


def _alternation(terms) -> re.Pattern | None:
    terms = sorted({t for t in terms if t}, key=lambda t: (-len(t), t))
    if not terms:
        return None
    body = "|".join(r"\s+".join(re.escape(part) for part in t.split()) for t in terms)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.I)


@dataclass
class Gazetteer:
    names: set[str] = field(default_factory=set)  # full client names
    emails: dict[str, str] = field(default_factory=dict)  # e-mail (lower) -> client id ("" if unknown)
    phones: set[str] = field(default_factory=set)  # digits only
    catalog_terms: set[str] = field(default_factory=set)

    @cached_property
    def _full_names(self) -> re.Pattern | None:
        return _alternation(self.names)

    @cached_property
    def _name_parts(self) -> re.Pattern | None:
        catalog = {t.lower() for t in self.catalog_terms}
        common = common_words()
        parts = {p for n in self.names for p in n.split() if len(p) >= 3 and p.lower() not in common and p.lower() not in catalog}
        if not parts:
            return None
        body = "|".join(re.escape(p[0].upper() + p[1:]) for p in sorted(parts, key=lambda p: (-len(p), p)))
        return re.compile(rf"(?<!\w)(?:{body})(?!\w)")  # case-sensitive: a name, not the word

    @cached_property
    def _catalog(self) -> re.Pattern | None:
        return _alternation(self.catalog_terms)

    def __getstate__(self) -> dict:
        """Pickled (for the cleaning workers) with its patterns compiled: a worker then never
        imports the stop-word lists that compiling `_name_parts` needs (see common_words)."""
        for pattern in ("_full_names", "_name_parts", "_catalog"):
            getattr(self, pattern)
        return self.__dict__

    def find_names(self, text: str) -> list[Span]:
        """Full client names, in any case."""
        return [Span(m.start(), m.end(), "PERSON") for m in self._full_names.finditer(text)] if self._full_names else []

    def is_client_name(self, text: str) -> bool:
        return self._full_names is not None and self._full_names.fullmatch(text) is not None

    def find_name_parts(self, text: str) -> list[Span]:
        """A client's first or last name alone, capitalized, unless it is an everyday word."""
        return [Span(m.start(), m.end(), "PERSON") for m in self._name_parts.finditer(text)] if self._name_parts else []

    def catalog_spans(self, text: str) -> list[tuple[int, int]]:
        return [(m.start(), m.end()) for m in self._catalog.finditer(text)] if self._catalog is not None else []


def build_gazetteer(raw_docs: pd.DataFrame) -> Gazetteer:
    """Client names, e-mails and phones from CRM-like documents (kind events/transcripts: meta
    client_name, client_email, client_phone) and catalog terms from kind catalog/reference (meta
    name, aliases, material, collection, ...)."""
    gazetteer = Gazetteer()
    for row in raw_docs.itertuples(index=False):
        kind = str(getattr(row, "kind", "") or "").lower()
        meta = parse_meta(getattr(row, "meta", None), f"raw document {row.doc_id} ({row.source})")
        for span in meta.get("spans") or []:
            if isinstance(span, dict) and CATALOG_SPAN_LABELS & set(_strings(span.get("labels"))):
                gazetteer.catalog_terms.update(s.strip() for s in _strings(span.get("text")) if s.strip())
        if kind not in CLIENT_KINDS and kind not in CATALOG_KINDS:
            continue
        if kind in CATALOG_KINDS:
            for key in CATALOG_FIELDS:
                gazetteer.catalog_terms.update(s.strip() for s in _strings(meta.get(key)) if s.strip())
            continue
        client_id = getattr(row, "client_id", None) or meta.get("client_id") or ""
        names, emails, phones = _strings(meta.get("client_name")), _strings(meta.get("client_email")), _strings(meta.get("client_phone"))
        header = EVENTS_HEADER.match(str(row.text or ""))
        if header:  # events carry the CRM fields in their rendered text, not in meta
            for part in header.group(2).split(" · "):
                (emails if "@" in part else phones if sum(c.isdigit() for c in part) >= 6 else names).append(part)
        gazetteer.names.update(" ".join(s.split()) for s in names if s.strip())
        for email in emails:
            gazetteer.emails[email.strip().lower()] = str(client_id)
        for phone in phones:
            digits = re.sub(r"\D", "", phone)
            if len(digits) >= 6:
                gazetteer.phones.add(digits)
    return gazetteer
