from pydantic import BaseModel, ConfigDict


class PrivacyParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
