from assets.cleaned.graph import evalsets, graph
from assets.cleaned.graph.evalsets import heldout_documents, questions
from assets.cleaned.graph.verbalize import noun_phrase
from tests.cleaned.graph.house import house_raw, raw_frame, sources_for


def _graph():
    nodes, edges, _ = graph.build_tables(raw_frame(house_raw()), sources_for(list(house_raw())))
    return nodes, edges


def test_questions_are_held_out_product_facts_with_same_type_distractors():
    nodes, edges = _graph()
    table, counts = questions(nodes, edges, 0.25, 3, seed=1337)
    assert len(table) == counts["heldout_facts"] == round(0.25 * counts["eligible_facts"]) > 60
    kind = dict(zip(nodes["id"], nodes["type"]))
    name = dict(zip(nodes["id"], nodes["name"]))
    true_objects = edges.groupby(["src", "type"])["dst"].agg(set)
    for q in table.itertuples(index=False):
        assert kind[q.src] == "product" and kind[q.dst] == q.node_type
        assert q.answer == " " + noun_phrase(q.node_type, name[q.dst]) and q.answer_sentence == q.prompt + q.answer + "."
        assert len(set(q.distractors)) == 3 and q.answer not in q.distractors
        wrong = {n for n in nodes.loc[nodes["type"] == q.node_type, "name"]} - {name[d] for d in true_objects[(q.src, q.relation)]}
        assert {d.strip() for d in q.distractors} <= {noun_phrase(q.node_type, w) for w in wrong}


def test_selection_is_deterministic_and_follows_the_seed():
    nodes, edges = _graph()
    a, _ = questions(nodes, edges, 0.25, 3, seed=1337)
    b, _ = questions(nodes, edges, 0.25, 3, seed=1337)
    c, _ = questions(nodes, edges, 0.25, 3, seed=1)
    assert a.equals(b)
    assert set(a["edge_id"]) != set(c["edge_id"])


def test_heldout_documents_skip_client_data_and_sources_without_rights():
    docs = heldout_documents(raw_frame(house_raw()), per_source=5, seed=1337)
    assert docs.groupby("source").size().to_dict() == {"catalog": 5, "lookbook": 5, "reference": 5}


def test_published_evalsets_and_eval_texts(pipeline):
    settings, meta = pipeline
    table = evalsets.read_questions(settings.storage)
    assert meta["evalsets"]["questions"] == len(table) >= 40
    texts = evalsets.eval_texts(settings.storage)
    assert set(table["answer_sentence"]) <= set(texts)
    assert len(texts) == len(table) + meta["evalsets"]["heldout_documents"]
    assert evalsets.heldout_edge_ids(settings.storage) == set(table["edge_id"])
    check = evalsets.gate_tables(settings.storage, settings)["cleaned_evalsets"]
    assert not check["answer_in_distractors"].any() and (check["distractor_count"] == 3).all()
