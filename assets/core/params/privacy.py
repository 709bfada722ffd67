from pydantic import BaseModel, ConfigDict, Field, field_validator


class PrivacyParams(BaseModel):
    """PII redaction, consent, expert quality classifier and decontamination (cleaned stage)."""

    model_config = ConfigDict(extra="forbid")

    decontamination_ngram: int = Field(13, ge=3, description="a training span sharing a word n-gram this long with an evaluation text is cut out (GPT-3)")
    decontamination_max_docs: int = Field(10, ge=1, description="n-grams found in more than this many training documents are common phrases, not contamination (GPT-3: 10)")
    decontamination_min_words: int = Field(8, ge=1, description="evaluation texts shorter than the n-gram (QA answer sentences) count whole if they have at least this many words")
    decontamination_window: int = Field(200, ge=0, description="characters cut on either side of a contaminated n-gram (GPT-3: 200)")
    decontamination_min_piece: int = Field(200, ge=0, description="pieces of a split document shorter than this many characters are dropped (GPT-3: 200)")
    decontamination_heldout_overlap: float = Field(0.8, gt=0.0, le=1.0, description="a training document with at least this share of its words in rare n-grams of the held-out documents is a copy of one and is removed (Llama 2: 80%)")
    decontamination_heldout_min_words: int = Field(30, ge=1, description="documents shorter than this many words are never judged copies of a held-out document")
    decontamination_max_pieces: int = Field(10, ge=1, description="a document split into more pieces than this is removed whole (GPT-3: 10)")
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

