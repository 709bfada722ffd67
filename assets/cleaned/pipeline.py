"""The curation pipeline as one ordered list of steps, datatrove-style: each document leaves at
the first step that removes it, so the funnel reads in this order.

    preparation (every document)  rights -> held-out -> extraction -> normalization
    evaluation documents          consent -> redaction              (rights eval_only, routed out)
    training documents            language -> Gopher repetition -> Gopher quality -> C4 -> FineWeb
                                  -> consent -> redaction -> expert quality -> decontamination
    across all sources            exact duplicates -> near duplicates      (curate.build_cleaned)

`REASONS` names the removal reasons in that same order (each as the prefix its step writes): the
funnel in the Dagster metadata, the DVC plot and the report all read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from assets.core.settings import Settings
from assets.cleaned.context import PrivacyContext
from assets.cleaned.filters.c4 import c4_step
from assets.cleaned.filters.fineweb import fineweb_step
from assets.cleaned.filters.gopher import gopher_quality_step, gopher_repetition_step
from assets.cleaned.language import language_step
from assets.cleaned.preparation import heldout_step, rights_step, text_steps
from assets.cleaned.steps import Step, only_kinds

REASONS = ("rights_none", "heldout_eval", "extraction", "empty", "eval_only", "language", "gopher_repetition", "gopher_quality",
           "c4", "fineweb", "consent", "expert_quality", "contamination", "exact_duplicate", "near_duplicate")


@dataclass(frozen=True)
class Pipeline:
    prepare: list[Step]  # every document
    evaluation: list[Step]  # evaluation-only documents, after preparation
    curate: list[Step]  # training documents, after preparation


def privacy_steps(settings: Settings, context: PrivacyContext) -> list[Step]:
    """What every document that leaves this stage goes through, training or evaluation, curated
    or raw recipe: no opted-out client, no personal data."""
    from assets.cleaned import privacy  # lazy: see assets/cleaned/context.py

    return [privacy.consent_step(settings, context.gazetteer), privacy.redaction_step(settings, context.gazetteer)]


def curation_steps(settings: Settings, context: Optional[PrivacyContext] = None) -> list[Step]:
    """Per-document steps on training documents, in order: language, the web heuristics (on
    `clean.filter_kinds` only), then privacy (consent, PII redaction, expert quality,
    decontamination) once the cheap filters have thinned the batch and before dedup, so that a
    redacted text is what gets hashed. No context: no privacy steps."""
    p = settings.params.clean
    web = frozenset(p.filter_kinds)
    steps: list[Step] = []
    if p.language.enabled:
        steps.append(language_step(p.language, {s.name: s.language for s in settings.sources}))
    if p.gopher_repetition.enabled:
        steps.append(only_kinds(gopher_repetition_step(p.gopher_repetition), web))
    if p.gopher_quality.enabled:
        steps.append(only_kinds(gopher_quality_step(p.gopher_quality), web))
    if p.c4.enabled:
        steps.append(only_kinds(c4_step(p.c4), web))
    if p.fineweb.enabled:
        steps.append(only_kinds(fineweb_step(p.fineweb), web))
    if context is not None:
        from assets.cleaned import privacy  # lazy: see assets/cleaned/context.py

        steps += privacy_steps(settings, context)
        if context.quality_model is not None:
            steps.append(privacy.expert_quality_step(settings, context.quality_model))
        steps.append(privacy.decontamination_step(settings, context.eval_texts))
    return steps


def curation_pipeline(settings: Settings, context: Optional[PrivacyContext] = None) -> Pipeline:
    held_out = [heldout_step(context.heldout_ids)] if context is not None else []
    return Pipeline(prepare=[rights_step, *held_out, *text_steps(settings)],
                    evaluation=privacy_steps(settings, context) if context is not None else [],
                    curate=curation_steps(settings, context))
