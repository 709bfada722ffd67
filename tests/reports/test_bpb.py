import math

import numpy as np
import torch
import torch.nn.functional as F

from assets.checkpoints.model import GPT, GPTConfig
from assets.reports.bpb import score_documents, sequence_nll, summarize, windows


def test_windows_score_every_token_once_after_end_of_text():
    pairs = windows(list(range(10, 20)), eot_id=0, block=4)
    assert [t for _, t in pairs] == [[10, 11, 12, 13], [14, 15, 16, 17], [18, 19]]
    # the short last window keeps a full block of context (lm-eval's loglikelihood_rolling)
    assert [x for x, _ in pairs] == [[0, 10, 11, 12], [13, 14, 15, 16], [15, 16, 17, 18]]


def test_batched_scores_equal_one_sequence_at_a_time():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=50, block_size=8, n_layer=1, n_head=2, n_embd=16)).eval()
    pairs = [([1, 2, 3], [2, 3, 4]), ([5, 6, 7, 8, 9, 10], [6, 7, 8, 9, 10, 11]), ([3], [9]), ([4, 4, 4], [4, 4])]
    batched = sequence_nll(model, pairs)
    for (x, y), got in zip(pairs, batched):
        with torch.no_grad():
            logits, _ = model(torch.tensor([x]))
        logprobs = F.log_softmax(logits[0], -1)[-len(y):]
        expected = -float(logprobs[torch.arange(len(y)), torch.tensor(y)].sum())
        assert math.isclose(got, expected, rel_tol=1e-5)


def test_bits_per_byte_is_total_nll_over_total_bytes(tokenizer):
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=tokenizer.get_vocab_size(), block_size=8, n_layer=1, n_head=2, n_embd=16)).eval()
    texts = ["Silk seam pleat collar cuff hem lining tweed velvet.", "Wool é drape."]
    nll, n_bytes, n_tokens = score_documents(model, tokenizer, texts, eot_id=0)
    assert list(n_bytes) == [len(t.encode("utf-8")) for t in texts]
    # a long document spans several windows; a full window never sees the previous window's
    # tokens, a short last one keeps a full block of context
    ids = [0] + tokenizer.encode(texts[0], add_special_tokens=False).ids
    assert len(ids) > 9 and (len(ids) - 1) % 8
    manual = 0.0
    for start in range(0, len(ids) - 1, 8):
        end = min(start + 8, len(ids) - 1)
        x, y = torch.tensor([ids[max(0, end - 8) : end]]), torch.tensor(ids[start + 1 : end + 1])
        with torch.no_grad():
            manual += float(F.cross_entropy(model(x)[0][0][-len(y) :], y, reduction="sum"))
    assert math.isclose(nll[0], manual, rel_tol=1e-5)
    scores = summarize(nll, n_bytes, n_tokens)
    assert math.isclose(scores["bits_per_byte"], nll.sum() / math.log(2) / n_bytes.sum())
    assert math.isclose(scores["byte_perplexity"], 2 ** scores["bits_per_byte"])


def test_summarize_refuses_nothing_to_score():
    import pytest

    with pytest.raises(ValueError, match="no bytes"):
        summarize(np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))


def test_held_out_documents_the_house_labelled_low_quality_are_a_set_apart(tmp_path):
    import pandas as pd
    import pyarrow as pa

    from assets.cleaned.graph.paths import HELDOUT_DOCS, HELDOUT_LOW
    from assets.cleaned.schema import CORPUS_SCHEMA
    from assets.core.storage import Storage
    from assets.reports.heldout import independent_texts

    storage = Storage(str(tmp_path))
    docs = pd.DataFrame({"doc_id": ["a", "b", "c"], "source": ["notes", "annotations", "annotations"],
                         "text": ["The edge is painted by hand.", "CHEAP replica bags!!! casino bonus", "Stitch length is seven per centimetre."]})
    storage.write_parquet(f"{HELDOUT_DOCS}/part-00000.parquet", pa.Table.from_pandas(docs.reindex(columns=CORPUS_SCHEMA.names), schema=CORPUS_SCHEMA, preserve_index=False))
    assert set(independent_texts(storage, 10)["set"]) == {"heldout"}  # an evalsets from before the list: all headline
    storage.write_json(HELDOUT_LOW, ["b"])
    texts = independent_texts(storage, 10)
    assert texts.set_index("doc_id")["set"].to_dict() == {"a": "heldout", "b": "low_quality", "c": "heldout"}


def test_held_out_documents_an_arm_trained_a_copy_of_are_scored_apart():
    import pandas as pd

    from assets.reports.heldout import contaminated, overlap

    spam = "exclusive offer casino bonus casino bonus free spins luxury replica bags click here now for the best deals today"
    texts = pd.DataFrame({"set": ["heldout", "heldout", "eval_only"], "doc_id": ["a", "b", "c"], "source": ["press"] * 3,
                          "text": [spam, "The tote is cut from Lune silk twill in the workshop at Scandicci by one artisan over two days.", spam]})
    train = {"raw": ["header " + spam.replace("today", "tonight") + " footer"], "curated": ["Nothing like either page is in here at all."]}
    assert overlap([spam], train["raw"], 13)[0] > 0.8 and overlap([spam], train["curated"], 13)[0] == 0.0
    out = contaminated(texts, train, 13, 0.8)
    assert out["set"].tolist() == ["contaminated", "heldout", "eval_only"]  # the worst arm decides; other sets untouched
    assert contaminated(texts, {"curated": train["curated"]}, 13, 0.8)["set"].tolist() == texts["set"].tolist()


def test_held_out_documents_in_a_language_the_house_does_not_write_are_scored_apart(tmp_path):
    import pandas as pd

    from assets.reports.heldout import out_of_scope
    from tests.reports.fixtures import settings_for

    settings = settings_for(tmp_path)
    settings.params.clean.language.keep = ["en", "fr", "it"]
    spanish = ("Al término de esta segunda parte, usted deberá inhibirse de los comentarios. Me apetece darme un empacho de cine bueno "
               "estas navidades, y por su parte, desde la universidad de Las Palmas, nos han dicho que la votación popular fue masiva. ") * 2
    english = ("Inside the workshop: twenty-two hours for one saddle bag. Every edge is painted by hand and every seam is saddle-stitched "
               "with waxed linen thread, six strands, matched to the leather of the season before it is burnished. ") * 2
    texts = pd.DataFrame({"set": ["heldout", "heldout"], "doc_id": ["es", "en"], "source": ["press", "press"], "text": [spanish, english]})
    assert out_of_scope(texts, settings)["set"].tolist() == ["out_of_scope", "heldout"]
    off = settings.model_copy(deep=True)
    off.params.clean.language.enabled = False
    assert out_of_scope(texts, off)["set"].tolist() == ["heldout", "heldout"]
