"""Privacy, consent, rights and expert judgement in the cleaned stage (steps and gate tables)."""

from assets.cleaned.privacy.consent import consent_step
from assets.cleaned.privacy.decontaminate import decontamination_step, rare_eval_grams
from assets.cleaned.privacy.gate import privacy_gate_tables
from assets.cleaned.privacy.gazetteer import Gazetteer, build_gazetteer
from assets.cleaned.privacy.quality import annotations_from_raw, expert_quality_step, train_quality_model
from assets.cleaned.privacy.redact import Redactor, redaction_step

__all__ = [
    "Gazetteer",
    "Redactor",
    "annotations_from_raw",
    "build_gazetteer",
    "consent_step",
    "decontamination_step",
    "expert_quality_step",
    "privacy_gate_tables",
    "rare_eval_grams",
    "redaction_step",
    "train_quality_model",
]
