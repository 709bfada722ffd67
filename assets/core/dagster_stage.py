"""What every asset of every stage's defs.py does around its plain function, in one place:

    stage = open_stage(context, atelier, "cleaned_graph")   # settings, partitions, empty staging area
    return stage.result(graph.build_graph(stage.settings, stage.area))   # its dict as metadata

The asset writes into the staging area only; the stage's Gate (assets/core/gate.py), attached as a
blocking check by orchestration/gates.py, validates what was staged and publishes it. Opening the
area also takes the run's lease on its partitions and reclaims what dead runs left
(assets/core/staging.py); whether a run still runs is Dagster's run status, checked on this host
against the process itself, since a run killed with SIGKILL never reports its end.
"""

from __future__ import annotations

import base64
import os
from typing import Callable, NamedTuple, Optional, Sequence

import dagster as dg

from assets.core import lock
from assets.core.dagster_resource import AtelierSettings
from assets.core.markdown import markdown_table
from assets.core.settings import Settings
from assets.core.staging import open_area
from assets.core.storage import Storage


class Stage(NamedTuple):
    """An asset's share of a run: the settings, the partitions it covers (None: unpartitioned)
    and its staging area."""

    settings: Settings
    keys: Optional[list[str]]
    area: Storage

    def result(self, metadata: dict) -> dg.MaterializeResult:
        return dg.MaterializeResult(metadata=to_metadata(metadata, self.area))


def open_stage(context: dg.AssetExecutionContext, atelier: AtelierSettings, stage: str) -> Stage:
    """Settings loaded, partitions read and the run's empty staging area for `stage` (the name
    its Gate gives) opened."""
    settings = atelier.load()
    keys = partition_keys(context)
    return Stage(settings, keys, staging_area(context, settings, stage, keys))


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


def table(rows: list[dict]) -> dg.MetadataValue:
    return dg.MetadataValue.md(markdown_table(rows))


def image(png: bytes, name: str) -> dg.MetadataValue:
    """A PNG shown in the UI's metadata panel (inline: the UI cannot read the storage)."""
    return dg.MetadataValue.md(f"![{name}](data:image/png;base64,{base64.b64encode(png).decode()})")


def to_metadata(result: dict, area: Storage) -> dict:
    """A stage's result dict as Dagster metadata: MetadataValues as they are, `*_md` strings as
    markdown, `plot`/`*_plot` (a PNG path in the staged area) as an image, numbers and text as
    they are, anything else as JSON."""
    metadata: dict = {}
    for key, value in result.items():
        if isinstance(value, dg.MetadataValue):
            metadata[key] = value
        elif key.endswith("_md") and isinstance(value, str):
            metadata[key[:-3]] = dg.MetadataValue.md(value)
        elif (key == "plot" or key.endswith("_plot")) and isinstance(value, str) and value.endswith(".png"):
            metadata[key] = image(area.read_bytes(value), key)
        elif isinstance(value, (bool, int, float, str)) or value is None:
            metadata[key] = value
        else:
            metadata[key] = dg.MetadataValue.json(value)
    return metadata
