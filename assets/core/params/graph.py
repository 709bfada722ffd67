from pydantic import BaseModel, ConfigDict, Field


class GraphParams(BaseModel):
    """Knowledge graph, synthetic documents, evaluation sets and the training mixture."""

    model_config = ConfigDict(extra="forbid")

    heldout_fraction: float = Field(0.25, ge=0.0, le=1.0, description="share of eligible product facts held out as cloze questions, never verbalized")
    min_questions_per_entity: float = Field(0.1, ge=0.0, description="the evalsets gate wants at least this many questions per asked graph node (a row of a mapping with `questions: true`)")
    n_distractors: int = Field(3, ge=1, description="wrong completions per question, same node type as the answer")
    known_questions: int = Field(300, ge=0, description="facts the corpus states, asked in a phrasing no training text uses (the `known` set)")
    heldout_fraction_per_source: float = Field(0.1, ge=0.0, lt=1.0, description="share of a source's documents (rights train, pii none) held out for bits per byte: a source under 1 / this gives none")
    heldout_docs_per_source: int = Field(20, ge=0, description="cap on held-out documents per source")
    heldout_exclude: list[str] = Field(default_factory=list, description="sources or kinds never held out (heritage prose the model should learn from whole)")
    phrasings: int = Field(3, ge=1, description="verbalized documents per node, each with a different phrasing of every fact")
    dialogues_per_product: int = Field(1, ge=0, description="synthetic client-advisor dialogues per product")
    synthetic_cap: float = Field(0.3, ge=0.0, lt=1.0, description="max share of mixture tokens (UTF-8 bytes / 4) that are synthetic")
    weights: dict[str, float] = Field(
        default_factory=dict,
        description='sampling weight per "source/kind", source or kind (most specific wins); 0 drops, 0.5 keeps half, 2 doubles; unlisted = 1',
    )
    anneal_weights: dict[str, float] = Field(
        default_factory=dict,
        description='the curated arms\' mixture for the last train.anneal_fraction of steps: a weight per "source/kind", source or kind of a training document, multiplying how often a window starting in it is drawn (unlisted = 1)',
    )
