"""The checkpoint runs: each arm of the ablation (tokenize.arms) times train.seeds replicates.

One run is one partition of the checkpoint asset, keyed `<arm>-s<replicate>` (e.g.
`curated_graph-s0`), written under checkpoints/<arm>/s<replicate>/. Replicate k trains with seed
params.seed + k: the model's initialization and the order of its batches change, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from assets.core.settings import Settings
from assets.tokenized.arms import ARMS, selected


@dataclass(frozen=True, order=True)
class Run:
    arm: str
    replicate: int

    @property
    def key(self) -> str:
        return f"{self.arm}-s{self.replicate}"

    @property
    def folder(self) -> str:
        return f"checkpoints/{self.arm}/s{self.replicate}"

    def seed(self, settings: Settings) -> int:
        return settings.params.seed + self.replicate


def runs(settings: Settings) -> list[Run]:
    """Every run params.yaml asks for, arm by arm (ARMS order), replicates in order."""
    return [Run(arm, k) for arm in selected(settings) for k in range(settings.params.train.seeds)]


def partition_keys(settings: Settings) -> list[str]:
    return [run.key for run in runs(settings)]


def parse(key: str) -> Run:
    arm, _, replicate = key.rpartition("-s")
    if arm not in ARMS or not replicate.isdigit():
        raise ValueError(f"checkpoint run {key!r}: expected <arm>-s<replicate> with arm one of {list(ARMS)}")
    return Run(arm, int(replicate))


def runs_of(settings: Settings, keys: Optional[Sequence[str]]) -> list[Run]:
    """The runs the partition keys name (all runs when there are none); a key params do not
    declare is an error, not a silent extra run."""
    declared = runs(settings)
    if not keys:
        return declared
    asked = [parse(k) for k in keys]
    unknown = [r.key for r in asked if r not in declared]
    if unknown:
        raise ValueError(f"checkpoint run(s) {unknown} are not declared by params (tokenize.arms x train.seeds): {[r.key for r in declared]}")
    return asked
