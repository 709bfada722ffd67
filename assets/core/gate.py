"""What a stage tells the gates: which suites look at which tables of its staged artifact.

A stage describes its gate with plain functions; `orchestration/gates.py` turns each Gate into a
blocking Dagster asset check that validates the staged artifact with Great Expectations and, only
if every suite passes, publishes it (write, audit, publish).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import pandas as pd

from assets.core.settings import Settings
from assets.core.storage import Storage

# (staged area, settings, partition keys or None) -> {suite name: table the suite validates}
TablesFn = Callable[[Storage, Settings, Optional[Sequence[str]]], dict[str, pd.DataFrame]]
# (settings, partition keys or None) -> artifact units (files or folders) that publishing replaces
OutputsFn = Callable[[Settings, Optional[Sequence[str]]], list[str]]
# settings -> values for the suites' {"$PARAMETER": name} thresholds
ParametersFn = Callable[[Settings], dict[str, float]]


@dataclass(frozen=True)
class Gate:
    stage: str  # the stage folder under the storage root, and the staging area's name
    asset: str  # the asset key the check is attached to
    tables: TablesFn
    outputs: OutputsFn
    parameters: ParametersFn = lambda settings: {}
    description: str = ""
