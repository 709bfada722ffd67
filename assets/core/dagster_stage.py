"""What every stage's defs.py does around its plain function: find the run's staging area,
remember which partitions the run covers (the gate reads it), and turn results into metadata."""

from __future__ import annotations

from typing import Optional, Sequence

import dagster as dg

from assets.core.settings import Settings
from assets.core.storage import Storage

RUN_FILE = "_run.json"


def partition_keys(context: dg.AssetExecutionContext) -> Optional[list[str]]:
    # An unpartitioned asset in a run that covers source partitions has no keys of its own.
    if context.assets_def.partitions_def is None or not (context.has_partition_key or context.has_partition_key_range):
        return None
    return list(context.partition_keys)


def staging_area(context, settings: Settings, stage: str, keys: Optional[Sequence[str]]) -> Storage:
    area = settings.storage.staging(stage, context.run.run_id)
    area.remove("")  # a retried step starts from a clean area
    area = settings.storage.staging(stage, context.run.run_id)
    area.write_json(RUN_FILE, {"partition_keys": list(keys) if keys is not None else None})
    return area


def staged_partition_keys(area: Storage) -> Optional[list[str]]:
    return area.read_json(RUN_FILE)["partition_keys"] if area.exists(RUN_FILE) else None


def markdown_table(rows: list[dict]) -> str:
    if not rows:
        return "(empty)"
    headers = list(rows[0])
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(r.get(h, "")) for h in headers) + " |" for r in rows]
    return "\n".join(lines)


def to_metadata(result: dict, area: Storage) -> dict:
    """A stage's result dict as Dagster metadata: `*_md` strings as markdown, `plot`/`*_plot`
    (a PNG path in the staged area) embedded as an image, numbers and text as they are,
    anything else as JSON."""
    import base64

    metadata: dict = {}
    for key, value in result.items():
        if key.endswith("_md") and isinstance(value, str):
            metadata[key[:-3]] = dg.MetadataValue.md(value)
        elif (key == "plot" or key.endswith("_plot")) and isinstance(value, str) and value.endswith(".png"):
            encoded = base64.b64encode(area.read_bytes(value)).decode()
            metadata[key] = dg.MetadataValue.md(f"![{key}](data:image/png;base64,{encoded})")
        elif isinstance(value, (bool, int, float, str)) or value is None:
            metadata[key] = value
        else:
            metadata[key] = dg.MetadataValue.json(value)
    return metadata
