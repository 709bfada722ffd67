from pathlib import Path

from assets.cleaned.graph import evalsets, graph
from assets.cleaned.graph.evalsets import heldout_documents, questions
from assets.cleaned.graph.phrasings import FAR
from assets.cleaned.graph.verbalize import TEMPLATES, held_out_phrasings, noun_phrase, sentence
from tests.cleaned.graph.house import house_raw, raw_frame, sources_for


def _graph():
    nodes, edges, _ = graph.build_tables(raw_frame(house_raw()), sources_for(list(house_raw())))
    return nodes, edges


def test_questions_are_product_facts_with_same_type_distractors():
    nodes, edges = _graph()
    table, counts = questions(nodes, edges, 0.25, 3, seed=1337, known=40)
    unseen, known = table.loc[table["set"] == "unseen"], table.loc[table["set"] == "known"]
    assert len(unseen) == counts["heldout_facts"] == round(0.25 * counts["eligible_facts"]) > 60
    assert len(known) == counts["known_facts"] == 40 and not set(known["edge_id"]) & set(unseen["edge_id"])
    # known facts are asked in a held-out phrasing, never the cloze form training uses; known_far asks the same facts in far words
    subject = lambda q: noun_phrase("product", nodes.set_index("id").at[q.src, "name"])  # noqa: E731
    # each question carries its frame (the report scores each apart): a held-out phrasing, the far wording, the cloze form
    assert all(q.phrasing + " {d}." in held_out_phrasings(q.relation) for q in known.itertuples(index=False))
    assert all(q.phrasing + " {d}." == TEMPLATES[q.relation][0] for q in unseen.itertuples(index=False))
    assert all(q.prompt == sentence(q.phrasing.format(s=subject(q))) for q in table.itertuples(index=False))
    assert not set(known["prompt"]) & set(unseen["prompt"])
    far = table.loc[table["set"] == "known_far"]
    assert sorted(far["edge_id"]) == sorted(known["edge_id"]) and all(q.phrasing == FAR[q.relation] for q in far.itertuples(index=False))
    assert not set(far["prompt"]) & (set(known["prompt"]) | set(unseen["prompt"]))
    # several held-out phrasings are drawn, not one per relation
    assert known.groupby("relation")["prompt"].apply(lambda p: p.str.split().str[-2:].str.join(" ").nunique()).max() > 1
    kind = dict(zip(nodes["id"], nodes["type"]))
    name = dict(zip(nodes["id"], nodes["name"]))
    true_objects = edges.groupby(["src", "type"])["dst"].agg(set)
    for q in table.itertuples(index=False):
        assert kind[q.src] == "product" and kind[q.dst] == q.node_type
        assert q.answer == " " + noun_phrase(q.node_type, name[q.dst]) and q.answer_sentence == q.prompt + q.answer + "."
        assert q.id.startswith(evalsets.ID_PREFIX[q.set] + "-")
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
    docs, _ = heldout_documents(raw_frame(house_raw()), fraction=0.5, cap=5, seed=1337)
    assert docs.groupby("source").size().to_dict() == {"catalog": 5, "lookbook": 5, "reference": 5}


def test_heldout_sampling_never_empties_a_source_and_says_why_none():
    raw = raw_frame(house_raw())
    sizes = raw.loc[(raw["rights"] == "train") & (raw["pii"] == "none")].groupby("source").size()
    docs, table = heldout_documents(raw, fraction=0.1, cap=3, seed=1337)
    rows = {r["source"]: r for r in table}
    for source, n in sizes.items():
        assert rows[source]["held_out"] == min(3, int(0.1 * n)) < n, source
        assert (rows[source]["note"] != "") == (int(0.1 * n) == 0), source
    small = min(sizes.index, key=sizes.get)
    tiny = raw.loc[(raw["source"] != small) | raw.index.isin(raw.loc[raw["source"] == small].index[:5])]
    _, table = heldout_documents(tiny, fraction=0.1, cap=3, seed=1337)
    assert {r["source"]: r for r in table}[small]["held_out"] == 0 and "too small" in {r["source"]: r for r in table}[small]["note"]
    _, table = heldout_documents(raw, fraction=0.1, cap=3, seed=1337, exclude=["lookbook"])
    assert {r["source"]: r for r in table}["lookbook"] == {"source": "lookbook", "eligible": int(sizes["lookbook"]), "held_out": 0, "note": "excluded by params graph.heldout_exclude"}
    # the same held-out documents whatever is trained afterwards: a function of the raw documents and the seed
    assert heldout_documents(raw, fraction=0.1, cap=3, seed=1337)[0].equals(docs)


def test_published_evalsets_and_eval_texts(pipeline):
    settings, meta = pipeline
    table = evalsets.read_questions(settings.storage)
    unseen = evalsets.read_questions(settings.storage, "unseen")
    assert meta["evalsets"]["questions"] == len(table) >= 40 and meta["evalsets"]["unseen_questions"] == len(unseen)
    texts = evalsets.eval_texts(settings.storage)
    assert set(unseen["answer_sentence"]) <= set(texts)
    assert len(texts) == len(unseen) + meta["evalsets"]["heldout_documents"]
    assert evalsets.heldout_edge_ids(settings.storage) == set(unseen["edge_id"])
    assert sum(r["held_out"] for r in evalsets.read_heldout_sources(settings.storage)) == meta["evalsets"]["heldout_documents"]
    check = evalsets.gate_tables(settings.storage, settings)["cleaned_evalsets"]
    assert not check["answer_in_distractors"].any() and (check["distractor_count"] == 3).all()


def test_held_out_documents_the_house_labelled_low_quality_are_listed_apart():
    import pandas as pd

    from assets.cleaned.graph.evalsets import judged_low_quality
    from assets.core.settings import Params, Settings, SourcesFile
    from tests.cleaned.graph.house import _doc

    notes = [_doc("annotations", "annotation", f"Workshop note {i}: the edge is painted by hand in three coats.", i + 1,
                  {"label": "good" if i % 2 else "spam"}) for i in range(40)]
    raw = pd.concat([raw_frame(house_raw()), pd.DataFrame(notes)], ignore_index=True)
    settings = Settings(params=Params(), sources_file=SourcesFile(sources=[{"name": "annotations", "uri": "x/*.json", "format": "labelstudio", "rights": "train", "pii": "none", "kind": "annotation"}]),
                        storage_root="unused", params_path="params.yaml", sources_path="sources.yaml")
    low = judged_low_quality(raw, settings)
    assert low == set(raw.loc[raw["meta"].str.contains("spam"), "doc_id"]) and len(low) == 20
    docs, _ = heldout_documents(raw, fraction=0.5, cap=40, seed=1337)
    picked = set(docs.loc[docs["source"] == "annotations", "doc_id"])
    assert len(picked) == 20 and 0 < len(picked & low) < 20  # held out as before; the report scores the low ones apart


def test_held_out_documents_the_house_filters_reject_are_judged_low_quality():
    """A held-out spam page and an error page are what curation's own filters (the project's
    params) reject, named by rule; most real web articles (the extraction benchmark's gold text, 154
    of over 200 words, several languages) are not; the filters keep to their kinds."""
    import json

    import pandas as pd

    from assets.cleaned.graph.evalsets import filtered_low_quality
    from assets.core.settings import load_params, Settings, SourcesFile
    from tests.cleaned.graph.house import _doc

    project = Path(__file__).resolve().parents[3]
    articles = json.loads((project.parent / "shared" / "data" / "html_article_extraction_benchmark" / "ground-truth.json").read_text())
    real = [articles[k]["articleBody"] for k in sorted(articles) if len(articles[k]["articleBody"].split()) > 200]
    spam = ("Exclusive offer\nBuy cheap designer handbags online free shipping discount code LUXE2024 LUXE2024 BEST replica bags "
            "CHEAP!!! Click here >>> www.luxe-deals-outlet.biz <<< 90% OFF today only WIN a free tote!!!")
    docs = pd.DataFrame([_doc("press", "press", t, i + 1, {}) for i, t in enumerate(real)]
                        + [_doc("press", "press", spam, 900, {}), _doc("press", "press", "Page not found\nThe page you are looking for no longer exists.", 901, {}),
                           _doc("reference", "reference", "Ottavia Lenzi, born in Bologna, is known for architectural drape.", 902, {})])
    settings = Settings(params=load_params(project / "params.yaml"), sources_file=SourcesFile(sources=[]), storage_root="unused",
                        params_path="params.yaml", sources_path="sources.yaml")
    low = filtered_low_quality(docs, settings)
    by_line = {int(docs.set_index("doc_id").at[d, "line"]): why for d, why in low.items()}
    assert by_line[900].startswith("gopher_quality.") and by_line[901].startswith("gopher_repetition.")
    assert 902 not in by_line  # a short reference entry: not a kind the web filters apply to
    assert len(real) == 154 and len([line for line in by_line if line < 900]) < 0.2 * len(real)
    assert all("." in why for why in low.values())
