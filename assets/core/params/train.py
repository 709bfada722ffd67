from pydantic import BaseModel, ConfigDict, Field


class TrainParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    n_layer: int = Field(2, gt=0)
    n_head: int = Field(2, gt=0)
    n_embd: int = Field(64, gt=0)
    block_size: int = Field(64, gt=0)
    dropout: float = Field(0.0, ge=0, lt=1)
    batch_size: int = Field(16, gt=0)
    max_iters: int = Field(200, gt=0)
    learning_rate: float = Field(3e-3, gt=0)
    min_lr: float = Field(3e-4, ge=0)
    warmup_iters: int = Field(20, ge=0)
    weight_decay: float = Field(0.1, ge=0)
    grad_clip: float = Field(1.0, ge=0)
    eval_interval: int = Field(50, gt=0)
    eval_iters: int = Field(10, gt=0)
    threads: int = Field(2, gt=0, description="torch intra-op threads on CPU")
    min_loss_drop: float = Field(0.5, description="checkpoints gate: final val loss <= initial - this (nats)")
