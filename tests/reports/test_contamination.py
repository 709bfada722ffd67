from assets.reports.contamination import contamination


def test_eval_texts_seen_in_training_shards_are_contaminated(world, tokenizer):
    root, settings = world
    storage = settings.storage
    train_text = storage.read_parquet("cleaned/mixture").to_pandas()["text"].iloc[3]
    heldout = storage.read_parquet("cleaned/evalsets/heldout").to_pandas()["text"].tolist()
    evalsets = {"heldout": heldout, "leaked": [train_text, "Tweed " + train_text[: len(train_text) // 2]], "short": [" ".join(train_text.split()[:4])]}
    found = contamination(storage, "curated_graph", tokenizer, evalsets, n=8)
    assert found["heldout"] == {"texts": len(heldout), "contaminated": 0, "fraction": 0.0}
    assert found["leaked"]["contaminated"] == 2
    assert found["short"]["contaminated"] == 1  # shorter than n: the whole text is the n-gram
    raw = contamination(storage, "raw", tokenizer, {"subscribe": ["Click here to SUBSCRIBE now"]}, n=8)
    assert raw["subscribe"]["contaminated"] == 1
    assert contamination(storage, "curated_graph", tokenizer, {"subscribe": ["Click here to SUBSCRIBE now"]}, n=8)["subscribe"]["contaminated"] == 0
