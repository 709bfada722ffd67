"""Knobs of the cleaned stage. Filter defaults are the published ones (Gopher: Rae et al. 2021,
table A1; C4: Raffel et al. 2020; FineWeb: Penedo et al. 2024), as datatrove 0.10.1 sets them."""

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Filter(_Section):
    """A web heuristic, scoped per kind: `kinds` it applies to (None: clean.filter_kinds) and
    `per_kind` threshold overrides, e.g. {review: {min_doc_words: 5}}."""

    enabled: bool = True
    kinds: Optional[list[str]] = Field(None, description="kinds this filter judges (null: clean.filter_kinds)")
    per_kind: dict[str, dict] = Field(default_factory=dict, description="kind -> this filter's thresholds for that kind")

    @model_validator(mode="after")
    def _overrides_are_thresholds(self):
        fields = set(type(self).model_fields) - {"enabled", "kinds", "per_kind"}
        for kind, override in self.per_kind.items():
            unknown = sorted(set(override) - fields)
            if unknown:
                raise ValueError(f"per_kind.{kind}: unknown thresholds {unknown} (this filter has {sorted(fields)})")
        return self

    def for_kind(self, kind: str):
        """This filter's thresholds for `kind` (validated like the section itself)."""
        return type(self).model_validate({**self.model_dump(exclude={"per_kind"}), **self.per_kind.get(kind, {})})


class GopherQualityParams(_Filter):
    min_doc_words: int = 50
    max_doc_words: int = 100_000
    min_avg_word_length: float = 3
    max_avg_word_length: float = 10
    max_symbol_word_ratio: float = 0.1
    max_bullet_lines_ratio: float = 0.9
    max_ellipsis_lines_ratio: float = 0.3
    max_non_alpha_words_ratio: float = Field(0.8, description="minimum share of words with a letter")
    min_stop_words: int = 2


class GopherRepetitionParams(_Filter):
    dup_line_frac: float = 0.3
    dup_para_frac: float = 0.3
    dup_line_char_frac: float = 0.2
    dup_para_char_frac: float = 0.2
    top_n_grams: dict[int, float] = Field(default_factory=lambda: {2: 0.2, 3: 0.18, 4: 0.16})
    dup_n_grams: dict[int, float] = Field(default_factory=lambda: {5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10})


class C4Params(_Filter):
    remove_citations: bool = True
    filter_no_terminal_punct: bool = Field(False, description="C4 keeps only lines ending in . ? ! \" '; FineWeb turns it off")
    min_num_sentences: int = Field(5, description="-1 disables")
    min_words_per_line: int = Field(3, description="-1 disables")
    max_word_length: int = Field(1000, description="-1 disables")
    filter_lorem_ipsum: bool = True
    filter_javascript: bool = True
    filter_curly_bracket: bool = True
    filter_policy: bool = True


class FineWebParams(_Filter):
    line_punct_thr: float = 0.12
    line_punct_exclude_zero: bool = False
    short_line_thr: float = 0.67
    short_line_length: int = 30
    char_duplicates_ratio: float = 0.01
    new_line_ratio: float = 0.3


class LanguageParams(_Section):
    enabled: bool = True
    keep: list[str] = Field(default_factory=lambda: ["en"], description="ISO 639-1 codes kept")
    candidates: list[str] = Field(
        default_factory=lambda: ["en", "fr", "it", "de", "es", "pt", "nl"],
        description="languages the detector chooses among (ISO 639-1)",
    )
    min_confidence: float = Field(0.5, description="below it the source's declared language (if any) decides")
    min_chars: int = Field(40, description="shorter texts take the declared language (if any)")
    sample_chars: int = Field(2000, description="detection reads this prefix")
    low_accuracy: bool = Field(True, description="trigram models only: loads in 0.6 s instead of 12 s; short texts fall back to the declared language")


class DedupParams(_Section):
    exact: bool = True
    minhash: bool = True
    ngram: int = Field(5, description="word shingle size")
    bands: int = 14
    rows: int = 8
    seed: int = 1
    verify_threshold: float = Field(
        0.8, ge=0, le=1,
        description="a bucket collision (LSH candidate pair) is merged only if the two documents' exact shingle Jaccard is at least "
        "this (0 = FineWeb: every collision merges)",
    )


class CleanParams(_Section):
    min_chars: int = Field(1, ge=0, description="documents shorter than this (after normalization) are removed")
    extract_html: bool = True
    fix_unicode: bool = True
    language: LanguageParams = Field(default_factory=LanguageParams)
    gopher_repetition: GopherRepetitionParams = Field(default_factory=GopherRepetitionParams)
    gopher_quality: GopherQualityParams = Field(default_factory=GopherQualityParams)
    c4: C4Params = Field(default_factory=C4Params)
    fineweb: FineWebParams = Field(default_factory=FineWebParams)
    filter_kinds: list[str] = Field(
        default_factory=lambda: ["press", "review"],
        description="kinds the web heuristics (Gopher, C4, FineWeb) apply to; their thresholds were set for web pages, "
        "and short structured records (catalog entries, events, transcripts) would fail them by design",
    )
    dedup: DedupParams = Field(default_factory=DedupParams)
    max_source_loss: float = Field(
        0.5, ge=0, le=1,
        description="the corpus gate fails when a training source loses more than this share of its documents to curation "
        "(privacy reasons, consent and rights, excepted): a silent wipe-out stops the chain",
    )
    max_source_loss_per_kind: dict[str, float] = Field(
        default_factory=lambda: {"annotation": 0.8},
        description="kind -> max_source_loss for sources of that kind, e.g. {annotation: 0.8}: an annotation export holds the "
        "examples its experts rejected",
    )
    batch_size: int = Field(2000, ge=1, description="documents per Arrow batch")
    workers: int = Field(2, ge=1, description="processes running the per-document steps")
    start_method: Literal["spawn", "forkserver", "fork"] = Field(
        "spawn",
        description="how worker processes start. spawn (default): a fresh interpreter that imports only the curation path "
        "(pandas, pyarrow, spaCy's English tokenizer: ~1 s here, torch and transformers kept out, see assets/cleaned/worker_process.py; the privacy modules only when privacy steps run). fork inherits "
        "the parent's imports and starts in ~1 s, but the stage runs inside Dagster processes that have threads, and a forked "
        "child can deadlock on a lock another thread held at the fork: opt in only where the parent is single-threaded. "
        "forkserver forks from a clean single-threaded server; on this stage it costs what spawn costs",
    )
