"""The Dagster code location: five groups of assets, their gates, automation and schedules.

Loaded by the UI (workspace.yaml), the CLI (`dagster asset materialize -m orchestration.definitions`)
and, through the CLI, by `dvc repro`.
"""

from __future__ import annotations

import warnings

import dagster as dg

# Backfill policies and automation conditions are marked beta; we use them on purpose.
warnings.filterwarnings("ignore", category=dg.BetaWarning)
warnings.filterwarnings("ignore", category=dg.PreviewWarning)

from assets.cleaned import defs as cleaned
from assets.checkpoints import defs as checkpoints
from assets.core.dagster_resource import AtelierSettings
from assets.raw import defs as raw
from assets.reports import defs as reports
from assets.tokenized import defs as tokenized
from orchestration.gates import gate_checks
from orchestration.schedules import nightly_refresh, source_file_sensor

STAGES = [raw, cleaned, tokenized, checkpoints, reports]

# No job spans the whole chain: one run cannot mix the source and the recipe partitions. The UI's
# *Materialize all* launches an asset backfill (every partition, in dependency order); the CLI's
# `python -m orchestration.stage all` runs the chain as three runs (orchestration/stage.py).
defs = dg.Definitions(
    assets=[asset for stage in STAGES for asset in stage.ASSETS],
    asset_checks=gate_checks([gate for stage in STAGES for gate in stage.GATES]),
    schedules=[nightly_refresh],
    sensors=[source_file_sensor, dg.AutomationConditionSensorDefinition("automation", target=dg.AssetSelection.all())],
    resources={"atelier": AtelierSettings(), **checkpoints.RESOURCES},
    executor=dg.in_process_executor,
)
