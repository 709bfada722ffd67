"""A seeded simulation of a fictional luxury house: its landing folder, sources.yaml and ground truth."""

from assets.raw.simulator.house import simulate

__all__ = ["simulate"]
