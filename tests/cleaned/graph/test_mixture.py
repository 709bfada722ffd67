import pandas as pd
import pytest

from assets.cleaned.graph import evalsets, mixture, synthetic
from assets.cleaned.graph.mixture import mix, tokens
from assets.cleaned.graph.paths import MIXTURE, MIXTURE_TABLE
from tests.cleaned.graph.conftest import make_house, run_stage, write_corpus


def _docs(n_real=200, n_synthetic=200, chars=40):
    rows = [{"doc_id": f"r{i:04d}", "source": "lookbook", "kind": "lookbook", "text": "x" * chars, "synthetic": False} for i in range(n_real)]
    rows += [{"doc_id": f"s{i:04d}", "source": "synthetic", "kind": "qa" if i % 2 else "verbalized", "text": "y" * chars, "synthetic": True} for i in range(n_synthetic)]
    return pd.DataFrame(rows)


def _share(mixed):
    mixed = mixed.loc[mixed["source"] != "canary"]  # privacy probes sit outside the cap (build_mixture)
    t = tokens(mixed["text"])
    return t[mixed["synthetic"].astype(bool)].sum() / t.sum()


def test_weights_duplicate_drop_and_halve_deterministically():
    mixed = mix(_docs(), {"lookbook": 2.0, "qa": 0.0, "verbalized": 0.5}, cap=0.99, seed=1)
    real = mixed.loc[~mixed["synthetic"]]
    assert len(real) == 400 and (real["copies"] == 2).all() and set(real["copy"]) == {0, 1}
    assert not (mixed["kind"] == "qa").any()
    halves = mixed.loc[mixed["kind"] == "verbalized"]
    assert 30 < len(halves) < 70 and (halves["copies"] == 1).all()
    assert mixed.equals(mix(_docs(), {"lookbook": 2.0, "qa": 0.0, "verbalized": 0.5}, cap=0.99, seed=1))
    assert set(halves["doc_id"]) != set(mix(_docs(), {"verbalized": 0.5}, cap=0.99, seed=2).query("kind == 'verbalized'")["doc_id"])


@pytest.mark.parametrize("cap", [0.0, 0.1, 0.3, 0.5])
def test_synthetic_share_respects_the_cap(cap):
    mixed = mix(_docs(n_real=100, n_synthetic=400), {"synthetic": 3.0}, cap=cap, seed=1)
    assert _share(mixed) <= cap + 1e-12
    assert _share(mixed) > cap - 0.01  # the cap is filled, not just respected
    assert (mixed.groupby("doc_id").size() == mixed.groupby("doc_id")["copies"].first()).all()


def test_negative_weight_is_refused():
    with pytest.raises(ValueError, match="graph.weights"):
        mix(_docs(), {"qa": -1.0}, cap=0.3, seed=1)


def test_most_specific_weight_wins_and_unknown_keys_are_refused():
    weights = {"synthetic/qa": 0.0, "synthetic": 2.0, "qa": 3.0}
    assert (mixture.weight_of(weights, "synthetic", "qa"), mixture.weight_of(weights, "synthetic", "dialogue"), mixture.weight_of(weights, "press", "qa")) == (0.0, 2.0, 3.0)
    mixture.check_weight_keys({"lookbook": 1.0, "synthetic/qa": 0.5}, _docs(), ["lookbook"])
    with pytest.raises(ValueError, match=r"graph.weights: \['lookbok'\]"):
        mixture.check_weight_keys({"lookbok": 2.0}, _docs(), ["lookbook"])


def test_a_personal_data_class_weighs_any_house_s_sources_and_yields_to_a_named_one():
    docs = pd.concat([_docs(50, 50), pd.DataFrame([{"doc_id": f"c{i:04d}", "source": "chats", "kind": "transcript", "text": "z" * 40, "synthetic": False}
                                                    for i in range(50)])], ignore_index=True)
    docs["pii"] = ["none" if s != "chats" else "client" for s in docs["source"]]
    weights = {"pii:none": 2.0, "pii:client": 0.5}
    mixture.check_weight_keys(weights, docs, ["lookbook", "chats"])
    mixed = mix(docs, weights, cap=0.9, seed=1)
    rows = mixed.groupby("source").size().to_dict()
    assert rows["lookbook"] == 100 and rows["synthetic"] == 50  # house prose doubled; generated documents have no class
    assert 15 <= rows["chats"] <= 35  # client-derived text: about half, a stable hash of each id


def test_published_mixture_has_table_plot_and_no_heldout_fact(pipeline):
    settings, meta = pipeline
    mixed = settings.storage.read_parquet(MIXTURE).to_pandas()
    assert _share(mixed) <= settings.params.graph.synthetic_cap
    assert meta["mixture"]["synthetic_share"] == pytest.approx(_share(mixed), abs=1e-4)
    table = settings.storage.read_json(MIXTURE_TABLE)
    assert sum(r["rows"] for r in table["by_source_kind"]) == len(mixed)
    assert settings.storage.read_bytes(f"{MIXTURE}/mixture.png").startswith(b"\x89PNG")
    gate = mixture.gate_tables(settings.storage, settings)["cleaned_mixture"]
    assert gate["heldout_fact_rows"].sum() == 0 and gate["heldout_document_rows"].sum() == 0 and gate["heldout_phrasing_rows"].sum() == 0


def test_guard_drops_a_corpus_document_stating_a_heldout_fact(tmp_path):
    settings = make_house(tmp_path / "data")
    from assets.cleaned.graph import graph

    run_stage(settings, graph, "build_graph", "graph")
    run_stage(settings, evalsets, "build_evalsets", "evalsets")
    sentence = evalsets.read_questions(settings.storage, "unseen")["answer_sentence"].iloc[0]
    write_corpus(settings, extra_texts=[f"Press cutting. {sentence.upper()}  And more.", "An innocent sentence."])
    run_stage(settings, synthetic, "build_synthetic", "synthetic")
    meta = run_stage(settings, mixture, "build_mixture", "mixture")
    ids = set(settings.storage.read_parquet(MIXTURE, columns=["doc_id"]).column("doc_id").to_pylist())
    assert "extra-0" not in ids and "extra-1" in ids
    heldout_docs = evalsets.heldout_doc_ids(settings.storage)
    assert not ids & heldout_docs
    assert meta["removed_heldout"] == 1 + len(heldout_docs & set(mixture.load_inputs(settings.storage)["doc_id"]))
