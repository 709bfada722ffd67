from pydantic import BaseModel, ConfigDict, Field, field_validator


class PrivacyParams(BaseModel):
    """PII redaction, consent, expert quality classifier and decontamination (cleaned stage)."""

    model_config = ConfigDict(extra="forbid")

    decontamination_ngram: int = Field(13, ge=3, description="drop training documents sharing a word n-gram this long with an evaluation text")
    quality_threshold: float = Field(0.2, ge=0.0, le=1.0, description="drop documents whose expert-quality score (P(good)) is below this")
    quality_kinds: list[str] = Field(default_factory=list, description="kinds the quality filter drops from (all scored); empty = every kind")
    quality_features: int = Field(1 << 18, ge=1 << 10, description="hashed word 1-2-gram features of the quality classifier")
    quality_heldout: float = Field(0.2, gt=0.0, lt=1.0, description="share of expert annotations held out to measure precision and recall")
    quality_positive_labels: list[str] = Field(
        default_factory=lambda: ["good", "high", "keep", "accept", "yes", "positive", "1", "true"],
        description="annotation labels that mean 'good' (case-insensitive); numeric labels: >= quality_min_score",
    )
    quality_min_score: float = Field(3.0, description="numeric expert scores (e.g. 0-5, FineWeb-Edu style) at least this count as good")

    @field_validator("quality_positive_labels", mode="before")
    @classmethod
    def _labels_are_text(cls, labels):
        # YAML (and `dvc exp run -S`, which rewrites params.yaml) turns yes/true/1 into bools and ints.
        return [str(label).lower() for label in labels] if isinstance(labels, list) else labels

