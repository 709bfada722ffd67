from assets.cleaned.graph import evalsets, synthetic
from assets.cleaned.graph.paths import SYNTHETIC
from assets.cleaned.graph.verbalize import TEMPLATES, render


def test_synthetic_documents_never_state_a_heldout_fact(pipeline):
    settings, _ = pipeline
    docs = settings.storage.read_parquet(SYNTHETIC).to_pandas()
    questions = evalsets.read_questions(settings.storage, "unseen")
    heldout = set(questions["edge_id"])
    known = evalsets.read_questions(settings.storage, "known")
    assert len(known) and set(known["edge_id"]) <= {e for p in docs["provenance"] for e in p}  # known facts are stated
    assert not any(q.prompt in text for q in known.itertuples(index=False) for text in docs["text"])  # in other phrasings
    assert docs["synthetic"].all() and set(docs["kind"]) == {"verbalized", "dialogue", "qa"}
    assert (docs["provenance"].map(len) > 0).all()
    assert not any(heldout.intersection(p) for p in docs["provenance"])
    corpus = "\n".join(docs["text"])
    for q in questions.itertuples(index=False):
        assert q.answer_sentence not in corpus
    table = synthetic.gate_tables(settings.storage, settings)["cleaned_synthetic"]
    assert not table["states_heldout_fact"].any()


def test_every_phrasing_of_a_heldout_fact_is_absent(pipeline):
    settings, _ = pipeline
    text = "\n".join(settings.storage.read_parquet(SYNTHETIC, columns=["text"]).column("text").to_pylist())
    nodes, edges = synthetic.read_graph(settings.storage)
    facts = synthetic.fact_table(nodes, edges)
    heldout = facts.loc[facts["edge_id"].isin(evalsets.heldout_edge_ids(settings.storage))]
    kept = facts.loc[~facts["edge_id"].isin(heldout["edge_id"])]
    for f in heldout.itertuples(index=False):
        for i in range(len(TEMPLATES[f.relation])):
            assert render(f.relation, f.src_np, f.dst_np, i) not in text
    # the check can see a fact: every kept fact appears in some phrasing
    assert all(any(render(f.relation, f.src_np, f.dst_np, i) in text for i in range(len(TEMPLATES[f.relation]))) for f in kept.itertuples(index=False))


def test_phrasings_vary_and_generation_repeats(pipeline):
    settings, _ = pipeline
    nodes, edges = synthetic.read_graph(settings.storage)
    heldout = evalsets.heldout_edge_ids(settings.storage)
    a = synthetic.generate(nodes, edges, heldout, settings)
    assert a.equals(synthetic.generate(nodes, edges, heldout, settings))
    verbalized = a.loc[a["kind"] == "verbalized"]
    rounds = verbalized.groupby(verbalized["uri"].str.rsplit("/", n=1).str[0])["text"].nunique()
    assert (rounds == settings.params.graph.phrasings).all()
    dialogue = a.loc[a["kind"] == "dialogue", "text"].iloc[0]
    assert dialogue.startswith("Advisor: ") and "\nClient: " in dialogue and "@" not in dialogue
