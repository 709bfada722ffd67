"""PII redaction with Microsoft Presidio: our recognizers in Presidio's analyzer, typed
placeholders from Presidio's anonymizer.

No model is downloaded: the NLP engine is a blank spaCy pipeline (tokenizer only), and every
recognizer is a pattern or a gazetteer. Presidio is slow, so a cheap trigger regex decides which
documents need it at all; a document with no digit, no '@', no spelled-out "at" and no name cue
or known name cannot contain anything the recognizers find.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Callable

import pandas as pd
import spacy
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig

from assets.cleaned.privacy import detectors
from assets.cleaned.privacy.detectors import Span
from assets.cleaned.privacy.gazetteer import Gazetteer

ENTITIES = ("EMAIL", "PHONE", "IBAN", "CARD", "IP", "ADDRESS", "PERSON", "ORDER_ID", "ACCOUNT")
PLACEHOLDERS = tuple(f"<{e}>" for e in ENTITIES)  # what redacted text holds; each one special token of the house tokenizer
TRIGGER = re.compile(r"\d|@|＠|\bat\b|" + detectors.NAME_CUE.pattern, re.I)


class BlankSpacyEngine(SpacyNlpEngine):
    """Presidio's spaCy engine on `spacy.blank`: tokens only, nothing to download."""

    def __init__(self, language: str = "en"):
        super().__init__(models=[{"lang_code": language, "model_name": f"blank:{language}"}])
        self.language = language

    def load(self) -> None:
        self.nlp = {self.language: spacy.blank(self.language)}


class FinderRecognizer(EntityRecognizer):
    """A Presidio recognizer around one of our span finders."""

    def __init__(self, name: str, entities: list[str], find: Callable[[str], list[Span]]):
        self._find = find
        super().__init__(supported_entities=entities, name=name, supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        return [
            RecognizerResult(s.entity, s.start, s.end, 1.0, recognition_metadata={"recognizer_name": self.name})
            for s in self._find(text)
            if s.entity in entities
        ]


class Redactor:
    def __init__(self, gazetteer: Gazetteer | None = None):
        self.gazetteer = gazetteer or Gazetteer()
        self.operators = {e: OperatorConfig("replace", {"new_value": placeholder}) for e, placeholder in zip(ENTITIES, PLACEHOLDERS)}

    @cached_property
    def analyzer(self) -> AnalyzerEngine:
        registry = RecognizerRegistry(supported_languages=["en"])
        for name, entities, find in (
            ("email", ["EMAIL"], detectors.find_emails),
            ("numbers", ["PHONE", "CARD"], detectors.find_numbers),
            ("iban", ["IBAN"], detectors.find_ibans),
            ("ip", ["IP"], detectors.find_ips),
            ("address", ["ADDRESS"], detectors.find_addresses),
            ("ids", ["ORDER_ID", "ACCOUNT"], detectors.find_ids),
            ("email_logins", ["ACCOUNT"], detectors.find_accounts),
            ("cued_names", ["PERSON"], detectors.find_cued_names),
            ("client_names", ["PERSON"], self.gazetteer.find_names),
            ("client_name_parts", ["PERSON"], self.gazetteer.find_name_parts),
        ):
            registry.add_recognizer(FinderRecognizer(name, entities, find))
        engine = BlankSpacyEngine()
        engine.load()
        return AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])

    @cached_property
    def no_nlp(self) -> NlpArtifacts:
        """Our recognizers read the text, never tokens: skipping Presidio's tokenization halves
        the time, and context enhancement has no context words to look for anyway."""
        engine = self.analyzer.nlp_engine
        return NlpArtifacts(entities=[], tokens=engine.nlp["en"].make_doc(""), tokens_indices=[], lemmas=[], nlp_engine=engine, language="en")

    @cached_property
    def anonymizer(self) -> AnonymizerEngine:
        return AnonymizerEngine()

    def needs_analysis(self, text: str) -> bool:
        if TRIGGER.search(text):
            return True
        return bool(self.gazetteer.find_names(text) or self.gazetteer.find_name_parts(text))

    def find(self, text: str) -> list[Span]:
        """Every PII span in `text`, non-overlapping. Catalog terms are never persons or ids: an id
        inside a catalog term (a SKU) is dropped; a known
        client's full name is dropped only if a catalog term covers it whole, a guessed name (cue,
        single name part) if catalog terms touch each of its words."""
        if not self.needs_analysis(text):
            return []
        results = self.analyzer.analyze(text=text, language="en", entities=list(ENTITIES), nlp_artifacts=self.no_nlp)
        guessed = ("PERSON", "ORDER_ID", "ACCOUNT")  # a SKU after "order" is no order number
        protected = self.gazetteer.catalog_spans(text) if any(r.entity_type in guessed for r in results) else []

        def touches(start: int, end: int) -> bool:
            return any(start < b and a < end for a, b in protected)

        def keep(r) -> bool:
            if r.entity_type not in guessed or not protected:
                return True
            if r.entity_type != "PERSON":
                return not any(a <= r.start and r.end <= b for a, b in protected)
            if self.gazetteer.is_client_name(text[r.start:r.end]):
                return not any(a <= r.start and r.end <= b for a, b in protected)
            words = [(r.start + m.start(), r.start + m.end()) for m in re.finditer(r"\S+", text[r.start:r.end])]
            return not all(touches(a, b) for a, b in words)

        return detectors.resolve([Span(r.start, r.end, r.entity_type) for r in results if keep(r)])

    def redact(self, text: str) -> tuple[str, int]:
        spans = self.find(text)
        if not spans:
            return text, 0
        results = [RecognizerResult(s.entity, s.start, s.end, 1.0) for s in spans]
        return self.anonymizer.anonymize(text=text, analyzer_results=results, operators=self.operators).text, len(spans)


def redaction_step(settings, gazetteer: Gazetteer | None):
    """Step: rewrite `text` with typed placeholders and add `pii_redacted` (spans replaced).
    Every document is redacted (pii: client sources and the rest alike); nothing is dropped."""
    redactor = Redactor(gazetteer)

    def redaction(docs: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
        redacted = [redactor.redact(text) for text in docs["text"]]
        docs = docs.assign(text=[t for t, _ in redacted], pii_redacted=[n for _, n in redacted])
        return docs, pd.Series(None, index=docs.index, dtype=object)

    return redaction
