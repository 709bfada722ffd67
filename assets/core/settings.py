"""Typed settings: `params.yaml` (every knob) and `sources.yaml` (what to ingest).

Both files are validated once, up front, so a typo fails at once with the file and the key
instead of deep inside a stage. Every section model forbids unknown keys for the same reason.
Environment overrides: ATELIER_PARAMS, ATELIER_SOURCES (paths), ATELIER_STORAGE (storage root).
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assets.core.mapping import EntityMapping
from assets.core.params import (
    CleanParams,
    EvaluateParams,
    GraphParams,
    IngestParams,
    PrivacyParams,
    SampleParams,
    TokenizeParams,
    TrainParams,
)

FORMATS = ("txt", "md", "html", "pdf", "docx", "jsonl", "json", "csv", "parquet", "labelstudio", "events", "warc")


class ConfigError(ValueError):
    """A configuration file is malformed; the message names the file and the key."""


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seed: int = 1337
    sample: SampleParams = Field(default_factory=SampleParams)
    ingest: IngestParams = Field(default_factory=IngestParams)
    clean: CleanParams = Field(default_factory=CleanParams)
    privacy: PrivacyParams = Field(default_factory=PrivacyParams)
    graph: GraphParams = Field(default_factory=GraphParams)
    tokenize: TokenizeParams = Field(default_factory=TokenizeParams)
    train: TrainParams = Field(default_factory=TrainParams)
    evaluate: EvaluateParams = Field(default_factory=EvaluateParams)


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    uri: str
    format: Literal[FORMATS]  # type: ignore[valid-type]
    rights: Literal["train", "eval_only", "none"]
    pii: Literal["none", "possible", "client"]
    text_field: Optional[str] = None
    records_path: Optional[str] = None  # json: dotted keys to the list of records inside an object ("data.items")
    language: Optional[str] = None
    kind: Optional[str] = None
    entities: Optional[EntityMapping] = None  # how a tabular source's rows become graph nodes (assets/core/mapping.py)
    confidential: bool = False  # the house's IP (artisans' notes ...): the report measures verbatim regurgitation of it

    @model_validator(mode="after")
    def _confidential_needs_training_rights(self) -> "Source":
        if self.confidential and self.rights != "train":
            raise ValueError(f"source {self.name!r} is confidential but its rights are {self.rights!r}: regurgitation is measured on "
                             "what a model trained on, so a confidential source needs rights 'train' (or drop confidential)")
        return self

    @field_validator("name")
    @classmethod
    def _name_is_a_partition_key(cls, value: str) -> str:
        if not value or not all(c.isalnum() or c in "_-" for c in value):
            raise ValueError("must be letters, digits, '_' or '-' (it names a partition and a folder)")
        return value


class Consent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    opted_out: list[str] = Field(default_factory=list, description="client ids or e-mail addresses")


class SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[Source]
    consent: Consent = Field(default_factory=Consent)
    ground_truth: Optional[str] = Field(None, description="folder of the simulator's ground truth (tests, evaluation)")

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, sources: list[Source]) -> list[Source]:
        seen: set[str] = set()
        for source in sources:
            if source.name in seen:
                raise ValueError(f"source name {source.name!r} appears twice")
            seen.add(source.name)
        return sources


def _load_yaml(path: Path) -> dict:
    if not path.exists():
        raise ConfigError(f"{path}: file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping, got {type(data).__name__}")
    return data


def _describe(path: Path, exc: ValidationError, data: dict) -> str:
    lines = [f"{path}: invalid configuration"]
    for error in exc.errors():
        location = list(error["loc"])
        # Name list items by their `name` where they have one: "sources[press].format".
        parts: list[str] = []
        node = data
        for part in location:
            if isinstance(part, int) and isinstance(node, list) and part < len(node):
                item = node[part]
                label = item.get("name") if isinstance(item, dict) else None
                parts[-1] = f"{parts[-1]}[{label or part}]"
                node = item
            else:
                parts.append(str(part))
                node = node.get(part) if isinstance(node, dict) else None
        lines.append(f"  key {'.'.join(parts)}: {error['msg']}")
    return "\n".join(lines)


def _validate(model: type[BaseModel], path: Path) -> BaseModel:
    data = _load_yaml(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(path, exc, data)) from None


def load_params(path: str | os.PathLike) -> Params:
    return _validate(Params, Path(path))  # type: ignore[return-value]


def load_sources(path: str | os.PathLike) -> SourcesFile:
    """Parse sources.yaml; relative local uris are resolved against the file's own folder."""
    path = Path(path).resolve()
    parsed: SourcesFile = _validate(SourcesFile, path)  # type: ignore[assignment]
    for source in parsed.sources:
        if "://" not in source.uri and not os.path.isabs(source.uri):
            source.uri = str(path.parent / source.uri)
    if parsed.ground_truth and "://" not in parsed.ground_truth and not os.path.isabs(parsed.ground_truth):
        parsed.ground_truth = str(path.parent / parsed.ground_truth)
    return parsed


class Settings(BaseModel):
    """Everything a stage needs to know about its configuration."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    params: Params
    sources_file: SourcesFile
    storage_root: str
    params_path: str
    sources_path: str

    @property
    def sources(self) -> list[Source]:
        return self.sources_file.sources

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        raise ConfigError(f"{self.sources_path}: no source named {name!r}")

    @cached_property
    def storage(self):
        from assets.core.storage import Storage

        return Storage(self.storage_root)


def load_settings(
    params_path: str | os.PathLike | None = None,
    sources_path: str | os.PathLike | None = None,
    storage_root: str | None = None,
) -> Settings:
    params_path = Path(params_path or os.environ.get("ATELIER_PARAMS", "params.yaml")).resolve()
    sources_path = Path(sources_path or os.environ.get("ATELIER_SOURCES", "sources.yaml")).resolve()
    storage_root = storage_root or os.environ.get("ATELIER_STORAGE", "data")
    if "://" not in storage_root:
        storage_root = str(Path(storage_root).resolve())
    return Settings(
        params=load_params(params_path),
        sources_file=load_sources(sources_path),
        storage_root=storage_root,
        params_path=str(params_path),
        sources_path=str(sources_path),
    )
