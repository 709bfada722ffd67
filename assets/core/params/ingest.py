from pydantic import BaseModel, ConfigDict, Field


class IngestParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_doc_bytes: int = Field(2_000_000, gt=0, description="larger documents are quarantined")
    max_quarantine_fraction: float = Field(0.05, ge=0, le=1, description="raw gate: per source")
