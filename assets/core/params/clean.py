from pydantic import BaseModel, ConfigDict, Field


class CleanParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_chars: int = Field(1, ge=0, description="documents shorter than this (after normalization) are removed")
