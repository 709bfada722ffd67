"""The curation pipeline as one ordered list of steps, datatrove-style: each document leaves at
the first step that removes it, so the funnel reads in this order.

    preparation (every document)  rights -> held-out -> extraction -> normalization
    evaluation documents          consent -> redaction              (rights eval_only, routed out)
    training documents            language -> Gopher repetition -> Gopher quality -> C4 -> FineWeb
                                  -> consent -> redaction -> expert quality -> decontamination
    across all sources            exact duplicates -> near duplicates      (curate.build_cleaned)

reasons.py names the removal reasons in that same order: the funnel in the Dagster metadata, the
DVC plot data and the report all read it.
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


FILTERS = (("gopher_repetition", gopher_repetition_step), ("gopher_quality", gopher_quality_step), ("c4", c4_step), ("fineweb", fineweb_step))


def filter_steps(name: str, params, make, default_kinds) -> list[Step]:
    """One filter scoped to its kinds: a step per kind with its own thresholds (per_kind), one for
    the rest. The kinds are disjoint, so the order among them changes nothing."""
    if not params.enabled:
        return []
    kinds = set(default_kinds if params.kinds is None else params.kinds)
    own = sorted(kinds & set(params.per_kind))
    steps = [only_kinds(make(params), frozenset(kinds - set(own)))] if kinds - set(own) else []
    return steps + [only_kinds(make(params.for_kind(kind)), frozenset([kind])) for kind in own]


def scoped_kinds(p) -> dict[str, list[str]]:
    """Every place clean params name document kinds: where -> kinds."""
    scopes = {"clean.filter_kinds": list(p.filter_kinds), "clean.max_source_loss_per_kind": list(p.max_source_loss_per_kind)}
    for name, _ in FILTERS:
        section = getattr(p, name)
        scopes[f"clean.{name}.kinds"] = list(section.kinds or [])
        scopes[f"clean.{name}.per_kind"] = list(section.per_kind)
    return scopes


def check_filter_kinds(settings: Settings) -> None:
    """A filter scoped to a kind no source declares is a typo that would silently filter nothing.
    The kinds the defaults name (press, review) are known words, not typos: a house without press
    pages simply has nothing for those scopes to filter."""
    from assets.core.params import CleanParams

    declared = {s.kind or s.name for s in settings.sources}  # ingest: a source without a kind is its own kind
    known = declared | {k for kinds in scoped_kinds(CleanParams()).values() for k in kinds}
    for where, kinds in scoped_kinds(settings.params.clean).items():
        unknown = sorted(set(kinds) - known)
        if unknown:
            raise ValueError(f"params.yaml {where}: kind(s) {unknown} are declared by no source; the sources declare {sorted(declared)}")


def curation_steps(settings: Settings, context: Optional[PrivacyContext] = None) -> list[Step]:
    """Per-document steps on training documents, in order: language, the web heuristics (on
    `clean.filter_kinds` only), then privacy (consent, PII redaction, expert quality,
    decontamination) once the cheap filters have thinned the batch and before dedup, so that a
    redacted text is what gets hashed. No context: no privacy steps."""
    p = settings.params.clean
    steps: list[Step] = []
    if p.language.enabled:
        steps.append(language_step(p.language, {s.name: s.language for s in settings.sources}))
    for name, make in FILTERS:
        steps += filter_steps(name, getattr(p, name), make, p.filter_kinds)
    if context is not None:
        from assets.cleaned import privacy  # lazy: see assets/cleaned/context.py

        steps += privacy_steps(settings, context)
        if context.quality_model is not None:
            steps.append(privacy.expert_quality_step(settings, context.quality_model))
        steps.append(privacy.decontamination_step(settings, context.eval_grams, context.heldout_grams))
    return steps


def curation_pipeline(settings: Settings, context: Optional[PrivacyContext] = None) -> Pipeline:
    check_filter_kinds(settings)
    held_out = [heldout_step(context.heldout_ids)] if context is not None else []
    return Pipeline(prepare=[rights_step, *held_out, *text_steps(settings)],
                    evaluation=privacy_steps(settings, context) if context is not None else [],
                    curate=curation_steps(settings, context))
