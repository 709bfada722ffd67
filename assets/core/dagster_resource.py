"""The settings as a Dagster resource: every asset receives the same typed configuration."""

from __future__ import annotations

from typing import Optional

import dagster as dg

from assets.core.settings import Settings, load_settings


class AtelierSettings(dg.ConfigurableResource):
    """Paths default to the environment (ATELIER_PARAMS, ATELIER_SOURCES, ATELIER_STORAGE)."""

    params_path: Optional[str] = None
    sources_path: Optional[str] = None
    storage_root: Optional[str] = None

    def load(self) -> Settings:
        return load_settings(self.params_path, self.sources_path, self.storage_root)
