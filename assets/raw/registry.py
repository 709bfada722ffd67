"""The source registry: what sources.yaml declares of each source, and what is behind its uri now.

One row per source: format, kind, declared language, usage rights, personal-data class, and the
files its uri matches (count, bytes, a content fingerprint: ETags on object stores, sha256 on
disk, so it is the same on every clone). Written to `raw/registry.json` with the number of
opted-out clients (never the clients themselves). The raw documents depend on it: it is the root
of the chain, and the page a data engineer opens to see what the house feeds the model.
"""

from __future__ import annotations

import pandas as pd

from assets.core.settings import Settings, Source
from assets.core.storage import Storage
from assets.raw.files import list_files
from assets.raw.fingerprint import files_fingerprint

REGISTRY = "raw/registry.json"
COLUMNS = ["source", "format", "kind", "language", "rights", "pii", "uri", "files", "bytes", "fingerprint"]


def source_row(source: Source) -> dict:
    fs, files = list_files(source)  # a uri matching nothing raises, naming the source
    return {
        "source": source.name,
        "format": source.format,
        "kind": source.kind,
        "language": source.language,
        "rights": source.rights,
        "pii": source.pii,
        "uri": source.uri,
        "files": len(files),
        "bytes": sum(f.size for f in files),
        "fingerprint": files_fingerprint(source, fs, files, content=True),
    }


def build_registry(settings: Settings, out: Storage) -> dict:
    registry = {
        "sources": [source_row(source) for source in settings.sources],
        "opted_out_clients": len(settings.sources_file.consent.opted_out),
    }
    out.write_json(REGISTRY, registry)
    return registry


def gate_tables(area: Storage, settings: Settings, partition_keys=None) -> dict[str, pd.DataFrame]:
    return {"raw_registry": pd.DataFrame(area.read_json(REGISTRY)["sources"], columns=COLUMNS)}


def outputs(settings: Settings, partition_keys=None) -> list[str]:
    return [REGISTRY]
