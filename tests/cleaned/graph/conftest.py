import pandas as pd
import pyarrow as pa
import pytest

from assets.cleaned.schema import CORPUS_SCHEMA
from assets.cleaned.graph import evalsets, graph, mixture, synthetic
from assets.cleaned.graph.paths import CORPUS
from tests.cleaned.graph.house import house_raw, raw_frame, settings_for, write_raw


def make_house(root, mappings=None, **graph_params):
    raw = house_raw()
    settings = settings_for(root, list(raw), mappings, **{"min_questions_per_entity": 0.5, **graph_params})
    write_raw(settings.storage, raw)
    return settings


def run_stage(settings, module, build, name):
    """Build into a staging area, then publish it, as the gate does after a pass."""
    area = settings.storage.staging(name, "test-run")
    metadata = getattr(module, build)(settings, area)
    settings.storage.publish(area, module.outputs(settings, None))
    return metadata


def write_corpus(settings, extra_texts=()):
    """Stands in for curation: the lookbook and catalog texts, plus any extra documents."""
    frame = raw_frame(house_raw())
    corpus = frame.loc[frame["kind"].isin(["lookbook", "catalog"])].assign(lang="en").reindex(columns=CORPUS_SCHEMA.names)
    extra = pd.DataFrame([{**corpus.iloc[0].to_dict(), "doc_id": f"extra-{i}", "text": text} for i, text in enumerate(extra_texts)], columns=corpus.columns)
    corpus = pd.concat([corpus, extra], ignore_index=True)
    settings.storage.write_parquet(f"{CORPUS}/part-00000.parquet", pa.Table.from_pandas(corpus, schema=CORPUS_SCHEMA, preserve_index=False))


@pytest.fixture
def house(tmp_path):
    """Settings over a storage root that holds the generated house's raw documents."""
    return make_house(tmp_path / "data")


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    """graph -> evalsets -> (corpus) -> synthetic -> mixture, published, once per test module."""
    settings = make_house(tmp_path_factory.mktemp("pipeline") / "data")
    meta = {"graph": run_stage(settings, graph, "build_graph", "graph"),
            "evalsets": run_stage(settings, evalsets, "build_evalsets", "evalsets")}
    write_corpus(settings)
    meta["synthetic"] = run_stage(settings, synthetic, "build_synthetic", "synthetic")
    meta["mixture"] = run_stage(settings, mixture, "build_mixture", "mixture")
    return settings, meta
