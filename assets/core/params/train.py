from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assets.core.params.init_from import missing_from_base


class DPParams(BaseModel):
    """DP-SGD (Opacus) for the arms that train on client-derived data (assets/checkpoints/dp.py)."""

    model_config = ConfigDict(extra="forbid")

    epsilon: float = Field(gt=0, description="the (epsilon, delta) budget a run may spend in all its steps")
    delta: float = Field(gt=0, lt=1, description="must be below 1/N, N the arm's training blocks (checked at training)")
    max_grad_norm: float = Field(gt=0, description="per-sample gradient clipping bound (replaces train.grad_clip)")
    noise_secret_env: Optional[str] = Field(None, description="an environment variable whose secret is mixed into the seed of the DP run's Poisson samples and noise (the published train.seed alone would let anyone regenerate them); null: train.seed")


class TrainParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    preset: Optional[Literal["tiny", "small", "gpt2-124m"]] = Field(None, description="sets n_layer, n_head, n_embd, block_size; null: use them as given")
    n_layer: int = Field(2, gt=0)
    n_head: int = Field(2, gt=0)
    n_embd: int = Field(64, gt=0)
    block_size: int = Field(64, gt=0)
    dropout: float = Field(0.0, ge=0, lt=1)
    rope: bool = Field(False, description="rotary positions instead of a learned position table")
    swiglu: bool = Field(False, description="SwiGLU feed-forward instead of GELU")
    batch_size: int = Field(16, gt=0, description="sequences per micro-batch")
    grad_accum: int = Field(1, gt=0, description="micro-batches per optimizer step, across all data-parallel ranks")
    max_iters: int = Field(200, gt=0, description="optimizer steps per run: with batch_size x block_size x grad_accum, every arm's token budget")
    seeds: int = Field(3, ge=1, description="seed replicates per arm (run k trains with seed + k); intervals over seeds need several")
    learning_rate: float = Field(3e-3, gt=0)
    min_lr: float = Field(3e-4, ge=0)
    warmup_iters: int = Field(20, ge=0)
    weight_decay: float = Field(0.1, ge=0)
    beta2: float = Field(0.95, gt=0, lt=1)
    grad_clip: float = Field(1.0, ge=0)
    eval_interval: int = Field(50, gt=0)
    eval_iters: int = Field(10, gt=0)
    checkpoint_interval: int = Field(100, gt=0, description="save resumable trainer state every N steps")
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="auto: cuda when available (bf16 autocast)")
    peak_flops: float = Field(989e12, gt=0, description="accelerator's dense bf16 peak, for MFU (H100/H200)")
    threads: int = Field(2, gt=0, description="torch intra-op threads per process on CPU")
    cpu_bf16: bool = Field(False, description="bf16 autocast on CPU too (weights and optimizer stay float32); off: float32 throughout, nanoGPT's CPU numerics")
    parallel_runs: int = Field(1, ge=1, description="runs (arm x seed) trained at once, one process each; give each train.threads = cores / parallel_runs")
    anneal_fraction: float = Field(0.0, ge=0.0, lt=1.0, description="the last share of steps in which the curated arms draw from their annealing mixture (graph.anneal_weights); 0: none")
    confidential_passes: Optional[float] = Field(None, gt=0, description="the most times a run passes, on average, over the tokens of the sources marked confidential: their windows are drawn less often beyond it (verbatim memorization grows with repetition); null: no cap")
    goldfish_k: Optional[int] = Field(None, ge=2, description="the goldfish loss on the sources marked confidential: one in this many of their tokens is left out of the loss, chosen by a hash of the tokens before it, so the model cannot recite them (assets/checkpoints/goldfish.py); null: off")
    goldfish_context: int = Field(13, gt=0, description="the goldfish hash reads this many tokens before each one (Hans et al. 2024: 13)")
    min_loss_drop: float = Field(0.5, description="checkpoints gate: final val loss <= initial - this (nats)")
    min_finetune_loss_drop_share: float = Field(0.05, description="checkpoints gate, finetuned arm: final val loss <= initial x (1 - this); a strong base starts low, so its drop is a share of its start")
    dp: Optional[DPParams] = Field(None, description="differentially private training of the arms holding client-derived data; null: off")
    init_from: Optional[str] = Field(None, description="a local folder holding a transformers causal LM and its tokenizer, for the finetuned arm to continue pre-training (relative to the working directory)")

    @field_validator("init_from")
    @classmethod
    def _init_from_is_a_causal_lm_folder(cls, value: Optional[str]) -> Optional[str]:
        missing = missing_from_base(value) if value is not None else []
        if missing:
            raise ValueError(f"{value} is not a transformers causal LM with its tokenizer: missing {'; '.join(missing)}")
        return value
