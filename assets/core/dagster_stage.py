"""What every stage's defs.py does around its plain function: find the run's staging area,
remember which partitions the run covers (the gate reads it), and turn results into metadata.

Taking the area also takes the run's lease on those partitions and reclaims what dead runs left
(assets/core/staging.py); whether a run still runs is Dagster's run status, checked on this host
against the process itself, since a run killed with SIGKILL never reports its end.
"""

from __future__ import annotations

import os
from typing import Callable, Optional, Sequence

import dagster as dg

from assets.core import lock
from assets.core.settings import Settings
from assets.core.staging import open_area
from assets.core.storage import Storage


def partition_keys(context: dg.AssetExecutionContext) -> Optional[list[str]]:
    # An unpartitioned asset in a run that covers source partitions has no keys of its own.
    if context.assets_def.partitions_def is None or not (context.has_partition_key or context.has_partition_key_range):
        return None
    return list(context.partition_keys)


def staging_area(context, settings: Settings, stage: str, keys: Optional[Sequence[str]]) -> Storage:
    """The run's empty staging area for `stage`, the partitions `keys` leased to this run.
    Fails, naming the run that holds them, when another live run is writing them."""
    try:
        return open_area(settings.storage, stage, context.run.run_id, keys, run_liveness(context.instance, context.run.run_id, context.log), context.log.info)
    except lock.LeaseHeld as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from exc


def run_liveness(instance: dg.DagsterInstance, me: str, log) -> Callable[[dict], bool]:
    """`is_live(record)` for the records of assets/core/lock.py. A run Dagster knows is live while
    it is queued, starting or started, unless it ran on this host and its process is gone: such a
    run was killed (SIGKILL, OOM) and is marked failed in the instance, so the UI stops showing it
    running. A run Dagster does not know (another instance on the same root) counts as live unless
    its process is this one or is gone on this host: a lease is never broken on a guess."""
    seen: dict[str, bool] = {}

    def is_live(record: dict) -> bool:
        run_id = record.get("run_id", "")
        if run_id not in seen:
            run = instance.get_run_by_id(run_id) if run_id else None
            alive = lock.process_alive(record)  # None: another host, or no process recorded
            if run is None:
                live = alive is None or (alive and record.get("pid") != os.getpid())
            elif run.is_finished:
                live = False
            else:
                live = alive is not False
                if not live:
                    message = (
                        f"Marked failed by run {me}: its process (pid {record.get('pid')} on {record.get('host')}) "
                        "is gone; it was killed before it could report its end."
                    )
                    instance.report_run_failed(run, message=message)
                    log.warning(f"run {run_id}: {message}")
            seen[run_id] = live
        return seen[run_id]

    return is_live


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
