"""The formats sources.yaml accepts and the readers registry stay in step: every declared format
has exactly one reader, each reader lives in its own module under assets/raw/formats/."""

from __future__ import annotations

import ast
from pathlib import Path

from assets.core.settings import FORMATS
from assets.raw import readers

RAW = Path(readers.__file__).parent


def test_every_format_has_one_reader_and_every_reader_a_format():
    registered = list(readers.READERS) + list(readers.SOURCE_READERS)
    assert sorted(registered) == sorted(FORMATS) and len(set(registered)) == len(registered)
    assert readers.RANDOM_ACCESS <= set(readers.READERS) and readers.HTML_FORMATS <= set(FORMATS)


def test_each_reader_is_defined_in_a_format_module():
    for fmt, reader in {**readers.READERS, **readers.SOURCE_READERS}.items():
        assert reader.__module__.startswith("assets.raw.formats."), (fmt, reader.__module__)


def test_no_import_cycles_inside_the_raw_stage():
    """A module under assets/raw imports only modules that do not import it back, directly or not."""
    graph = {}
    for path in RAW.rglob("*.py"):
        if "simulator" in path.parts:
            continue
        name = ".".join(path.relative_to(RAW.parent.parent).with_suffix("").parts).removesuffix(".__init__")
        tree = ast.parse(path.read_text())
        graph[name] = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
                       and node.module.startswith("assets.raw")}

    def reaches(start, goal, seen=()):
        return any(dep == goal or (dep not in seen and reaches(dep, goal, (*seen, dep))) for dep in graph.get(start, ()))

    assert "assets.raw.formats.labelstudio" in graph and "assets.raw.readers" in graph
    assert [name for name in graph if reaches(name, name)] == []
