from pydantic import BaseModel, ConfigDict


class GraphParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
