from pydantic import BaseModel, ConfigDict, Field


class EvaluateParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_bpb: float = Field(8.0, gt=0, description="reports gate: held-out bits per byte at most this")
