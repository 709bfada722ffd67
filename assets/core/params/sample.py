from pydantic import BaseModel, ConfigDict, Field


class SampleParams(BaseModel):
    """The bundled simulated house that `dvc repro` builds first (the `sample` stage)."""

    model_config = ConfigDict(extra="forbid")

    docs: int = Field(1500, ge=50, description="approximate number of documents the simulator writes")
    seed: int = Field(7, description="the simulator's seed: same seed, same house, byte for byte")
