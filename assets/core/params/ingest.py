from pydantic import BaseModel, ConfigDict, Field


class IngestParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_doc_bytes: int = Field(2_000_000, gt=0, description="larger documents (and JSONL lines) are quarantined")
    max_quarantine_fraction: float = Field(0.05, ge=0, le=1, description="raw gate: per source")
    part_max_docs: int = Field(50_000, gt=0, description="documents per Parquet part (bounds memory)")
    part_max_bytes: int = Field(64_000_000, gt=0, description="text bytes per Parquet part (bounds memory)")
