import pandas as pd
import pytest
import torch

from assets.checkpoints.model import GPT, GPTConfig
from assets.cleaned.canaries import canaries, plant_canaries
from assets.reports.exposure import canary_exposure
from assets.tokenized.tokenizer import EOT
from tests.reports.fixtures import CONFIG, memorize, settings_for


def test_canaries_are_seeded_distinct_and_follow_the_params(tmp_path):
    settings = settings_for(tmp_path, canary_repetitions=[1, 4, 16], canaries_per_repetition=3, canary_digits=6)
    first, again = canaries(settings), canaries(settings)
    assert first.equals(again) and len(first) == 9 and first["secret"].is_unique
    assert sorted(first["repetitions"].unique()) == [1, 4, 16]
    assert all(t == "my secret code is " + " ".join(s) for t, s in zip(first["text"], first["secret"]))
    other = canaries(settings.model_copy(update={"params": settings.params.model_copy(update={"seed": 8})}))
    assert set(other["secret"]) != set(first["secret"])


def test_planting_one_row_per_copy_or_copies_column(tmp_path):
    settings = settings_for(tmp_path, canary_repetitions=[1, 4], canaries_per_repetition=2)
    per_copy = pd.DataFrame([{"doc_id": "d1", "source": "catalog", "kind": "text", "text": "Silk.", "synthetic": False, "copies": 1, "copy": 0}])
    planted = plant_canaries(per_copy, settings)
    canary = planted.loc[planted["source"] == "canary"]
    assert len(canary) == 2 * 1 + 2 * 4 and canary["synthetic"].all() and (canary["kind"] == "canary").all()
    assert canary.groupby("doc_id")["copy"].apply(list).to_dict()["canary-r4-0"] == [0, 1, 2, 3]
    one_row = plant_canaries(per_copy.drop(columns="copy"), settings)
    assert sorted(one_row.loc[one_row["source"] == "canary", "copies"]) == [1, 1, 4, 4]
    assert planted.iloc[0].to_dict() == per_copy.iloc[0].to_dict()
    with pytest.raises(ValueError, match="canary-r1-0"):
        plant_canaries(pd.concat([per_copy, per_copy.assign(doc_id="canary-r1-0")]), settings)


def test_a_memorized_canary_is_exposed_and_extracted_an_unseen_one_is_not(tmp_path, tokenizer):
    settings = settings_for(tmp_path, canary_repetitions=[1, 8], canaries_per_repetition=1, canary_digits=4, exposure_candidates=200)
    planted = canaries(settings)
    eot = tokenizer.token_to_id(EOT)
    torch.manual_seed(0)
    fresh = GPT(GPTConfig(vocab_size=tokenizer.get_vocab_size(), **CONFIG)).eval()
    summary, table = canary_exposure(fresh, tokenizer, settings, eot)
    assert summary["max_exposure_bits"] == pytest.approx(13.2877, abs=1e-3)
    assert summary["max_exposure"] < 6 and summary["greedy_extracted"] == 0
    memorized = planted.loc[planted["repetitions"] == 8, "text"].tolist()
    model = memorize(GPT(GPTConfig(vocab_size=tokenizer.get_vocab_size(), **CONFIG)), tokenizer, memorized * 2, 120)
    summary, table = canary_exposure(model, tokenizer, settings, eot)
    row = table.set_index("repetitions").loc[8]
    assert row["greedy_extracted"] and row["exposure"] > 10 and row["rank_in_sample"] == 1
    assert table.set_index("repetitions").loc[1, "exposure"] < row["exposure"]


def test_planted_mixture_still_fits_the_mixture_schema(tmp_path):
    import pyarrow as pa

    from assets.cleaned.graph.mixture import MIXTURE_SCHEMA

    row = {"doc_id": "d1", "source": "catalog", "kind": "text", "text": "Silk.", "lang": "en", "rights": "train", "pii": "none",
           "client_id": None, "uri": "file:///a.jsonl", "line": 3, "synthetic": False, "weight": 1.0, "copies": 1, "copy": 0}
    mixture = pa.Table.from_pylist([row], schema=MIXTURE_SCHEMA).to_pandas()
    planted = plant_canaries(mixture, settings_for(tmp_path))
    table = pa.Table.from_pandas(planted[MIXTURE_SCHEMA.names], schema=MIXTURE_SCHEMA, preserve_index=False)
    assert table.num_rows == 1 + 1 + 8 and table.column("line").to_pylist()[:2] == [3, None]
