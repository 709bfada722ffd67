from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TokenizeParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["bpe", "byte"] = Field("bpe", description="byte-level BPE, or plain bytes (256 ids + specials)")
    vocab_size: int = Field(2048, ge=300, description="byte-level BPE: 256 bytes + specials + merges")
    val_fraction: float = Field(0.1, gt=0, lt=1, description="share of each source's documents held out")
    tokenizer_train_chars: int = Field(
        16_000_000, ge=0, description="train the BPE on at most about this many characters of training documents, a hash-ordered sample (0: all)"
    )
    shard_tokens: int = Field(1 << 20, gt=0, description="tokens per shard file")
    min_train_tokens: int = Field(10_000, ge=0, description="tokenized gate: at least this many train tokens")
    arms: list[str] = Field(
        default_factory=lambda: ["raw", "curated", "curated_graph"],
        description="the ablation's arms to tokenize and train (assets/tokenized/arms.py): raw, curated (no graph documents), curated_graph (the default mixture, always)",
    )
