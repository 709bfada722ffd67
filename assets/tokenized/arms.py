"""The ablation's arms: one way each of building the training data, the one owner of their names.

Every arm is tokenized with the same tokenizer and trained with the same model, recipe and token
budget; only the data differs (DCLM / FineWeb ablations). Names are partition-key safe.

- `raw`: the documents the house may train on, consent and PII enforced, nothing else cleaned
  (cleaned/raw_recipe);
- `curated`: the curated corpus without graph-generated documents (cleaned/mixture minus its
  synthetic rows; the canaries stay, they are probes for the privacy audit);
- `curated_graph` (shown as curated+graph): the default mixture, curated corpus plus the
  documents generated from the knowledge graph. The product's own model.
- `finetuned`: the curated_graph documents, tokenized with the base model's own tokenizer, to
  continue pre-training that model (`train.init_from`, a local transformers causal LM); an arm only
  when init_from is set. Its budget is the same number of training tokens (its own tokenizer's):
  bits per byte keeps it comparable.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from assets.cleaned.canaries import SOURCE as CANARY_SOURCE
from assets.cleaned.paths import MIXTURE, RAW_RECIPE

TOKENIZED = "tokenized"


@dataclass(frozen=True)
class Arm:
    name: str  # partition keys, folders, metrics keys
    label: str  # how the report writes it
    corpus: str  # the cleaned folder it reads
    graph_documents: bool  # keeps the mixture's graph-generated (synthetic) documents
    folder: str  # its tokenized folder: shards/ and manifest.json
    init_from: bool = False  # tokenized with train.init_from's tokenizer and trained from that model

    @property
    def tokenizer(self) -> str:
        return f"{self.folder}/tokenizer.json" if self.init_from else f"{TOKENIZED}/tokenizer.json"

    @property
    def manifest(self) -> str:
        return f"{self.folder}/manifest.json"

    @property
    def shards(self) -> str:
        return f"{self.folder}/shards"

    def keep_mask(self, table: pa.Table) -> pa.Array:
        """Which rows of its corpus (with `source` and `synthetic` columns) enter this arm."""
        if self.graph_documents:
            return pa.array([True] * len(table), pa.bool_())
        synthetic = pc.fill_null(table.column("synthetic"), False)
        return pc.or_(pc.invert(synthetic), pc.equal(table.column("source"), CANARY_SOURCE))


ARMS = {
    arm.name: arm
    for arm in (
        Arm("raw", "raw", RAW_RECIPE, True, f"{TOKENIZED}/ablation/raw"),
        Arm("curated", "curated", MIXTURE, False, f"{TOKENIZED}/ablation/curated"),
        Arm("curated_graph", "curated+graph", MIXTURE, True, TOKENIZED),
        Arm("finetuned", "finetuned", MIXTURE, True, f"{TOKENIZED}/ablation/finetuned", init_from=True),
    )
}
DEFAULT = "curated_graph"  # the house model; its tokenized folder is tokenized/ itself
BASELINE = "raw"  # what the verdict compares the default against
FINETUNED = "finetuned"  # the generic base continued on the house (train.init_from)


def arm(name: str) -> Arm:
    if name not in ARMS:
        raise ValueError(f"unknown arm {name!r}: expected one of {list(ARMS)}")
    return ARMS[name]


def label(name: str) -> str:
    return ARMS[name].label if name in ARMS else name


def selected(settings) -> list[str]:
    """The arms params.yaml asks for (tokenize.arms), in ARMS order; the default arm always, and
    the finetuned arm exactly when train.init_from names its base."""
    wanted = list(settings.params.tokenize.arms)
    init_from = settings.params.train.init_from
    if FINETUNED in wanted and not init_from:
        raise ValueError(f"params tokenize.arms: {FINETUNED!r} needs train.init_from, the local transformers model it continues")
    if init_from and FINETUNED not in wanted:
        wanted.append(FINETUNED)
    unknown = [a for a in wanted if a not in ARMS]
    if unknown:
        raise ValueError(f"params tokenize.arms: unknown arm(s) {unknown}; expected some of {list(ARMS)}")
    if DEFAULT not in wanted:
        raise ValueError(f"params tokenize.arms: {wanted} lacks {DEFAULT!r}, the house model every other arm is measured against")
    return [a for a in ARMS if a in wanted]
