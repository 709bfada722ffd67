"""Near-duplicate dedup: LSH proposes, exact shingle Jaccard decides (clean.dedup.verify_threshold)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assets.cleaned.dedup import MinHasher, candidate_pairs, cluster_heads, jaccard, near_duplicates, shingle_set, spilled_texts
from assets.core.params.clean import DedupParams

HASHER = MinHasher(5, 14, 8, 1)
BASE = [f"word{i}" for i in range(200)]  # 196 distinct 5-shingles


def variant(changes: int, tag: str = "x") -> str:
    """BASE with `changes` words far apart replaced: each kills 5 shingles and adds 5."""
    words = list(BASE)
    for k in range(changes):
        words[10 + k * 18] = f"{tag}{k}"
    return " ".join(words)


def other(seed: int) -> str:
    return " ".join(f"other{seed}w{i}" for i in range(200))


def texts_of(texts):
    return lambda rows: [texts[r] for r in rows]


def test_shingle_jaccard_of_the_fixtures():
    base = shingle_set(" ".join(BASE), 5)
    assert len(base) == 196
    assert jaccard(base, shingle_set(variant(2), 5)) == 186 / 206  # 0.903
    assert jaccard(base, shingle_set(variant(10), 5)) == 146 / 246  # 0.593
    assert jaccard(shingle_set("Hello, World!", 5), shingle_set("hello world", 5)) == 1.0  # case and punctuation
    assert jaccard(frozenset(), base) == 0.0


def test_pair_at_0_9_is_merged_and_pair_at_0_6_is_not():
    texts = [" ".join(BASE), variant(2), variant(10, "y"), other(1)]
    signature = HASHER.signatures(texts)
    dup = near_duplicates(signature, HASHER, 0.8, texts_of(texts))
    assert dup.tolist() == [False, True, False, False]
    assert cluster_heads(signature, HASHER, 0.8, texts_of(texts)).tolist() == [0, 0, 2, 3]  # the earlier row is kept


def test_candidate_sharing_a_band_with_low_jaccard_is_rejected_by_verification():
    texts = [" ".join(BASE), variant(10)]  # exact Jaccard 0.593
    signature = HASHER.signatures(texts)
    signature[1, :8] = signature[0, :8]  # force a collision in band 0: an LSH candidate pair
    assert candidate_pairs(signature, HASHER).tolist() == [[0, 1]]
    assert near_duplicates(signature, HASHER, 0.8, texts_of(texts)).tolist() == [False, False]  # exact Jaccard says no
    assert near_duplicates(signature, HASHER, 0.0, texts_of(texts)).tolist() == [False, True]  # FineWeb: every collision merges
    assert near_duplicates(signature, HASHER, 0.8).tolist() == [False, False]  # signature estimate (no texts) says no too


def test_no_chain_through_a_removed_document():
    # b ~ a and c ~ b, but c is far from a: c must survive (its only similar document was removed)
    a = " ".join(BASE)
    b = variant(3, "b")
    words = b.split()
    for k in range(3):
        words[19 + k * 18] = f"c{k}"
    c = " ".join(words)
    texts = [a, b, c]
    sa, sb, sc = (shingle_set(t, 5) for t in texts)
    assert jaccard(sa, sb) >= 0.8 and jaccard(sb, sc) >= 0.8 and jaccard(sa, sc) < 0.8
    signature = HASHER.signatures(texts)
    signature[1:, :8] = signature[0, :8]  # all three in one bucket
    assert cluster_heads(signature, HASHER, 0.8, texts_of(texts)).tolist() == [0, 0, 2]


def test_empty_texts_never_match():
    texts = ["", "", " ".join(BASE)]
    signature = HASHER.signatures(texts)
    assert near_duplicates(signature, HASHER, 0.8, texts_of(texts)).tolist() == [False, False, False]


def test_spilled_texts_reads_the_asked_rows_across_files(tmp_path):
    files = []
    for f, rows in enumerate((["a", "b"], ["c"], ["d", "e", "f"])):
        path = str(tmp_path / f"part-{f}.parquet")
        pq.write_table(pa.table({"doc_id": rows, "text": [r.upper() for r in rows]}), path)
        files.append(path)
    texts = spilled_texts(files, [2, 1, 3])
    assert texts(np.array([5, 0, 2, 3])) == ["F", "A", "C", "D"]


def test_verify_threshold_defaults_to_0_8():
    assert DedupParams().verify_threshold == 0.8


def test_band_keys_and_candidates_are_the_same_in_row_blocks(monkeypatch):
    import assets.cleaned.dedup as dedup

    texts = [" ".join(BASE), variant(2), "", variant(10, "y"), other(1), variant(1, "z"), other(2)]
    signature = HASHER.signatures(texts)
    whole_keys, whole_pairs = HASHER.band_keys(signature), candidate_pairs(signature, HASHER)
    assert len(whole_pairs)  # the variants of BASE share buckets
    monkeypatch.setattr(dedup, "_ROWS", 3)  # blocks of 3 rows: the last one partial
    assert np.array_equal(HASHER.band_keys(signature), whole_keys)
    assert np.array_equal(candidate_pairs(signature, HASHER), whole_pairs)


def test_signatures_spilled_to_a_file_give_the_same_duplicates_in_any_rank_order(tmp_path, monkeypatch):
    import assets.cleaned.dedup as dedup

    texts = [" ".join(BASE), variant(2), "", variant(10, "y"), other(1), variant(1, "z"), other(2), variant(2)]
    signature = HASHER.signatures(texts)
    stored = dedup.SignatureFile(str(tmp_path / "signatures.u32"), signature.shape[1])
    monkeypatch.setattr(dedup, "_ROWS", 3)  # several reads of a partial last block
    for lo in range(0, len(signature), 3):  # appended batch by batch, as the stage's workers return them
        stored.append(signature[lo : lo + 3])
    assert len(stored) == len(signature) and np.array_equal(stored[2:7], signature[2:7]) and np.array_equal(stored[5], signature[5])
    order = np.array([7, 5, 0, 1, 3, 4, 2])  # a rank order that leaves row 6 out (an exact duplicate, say)
    ranked = signature[order]
    assert np.array_equal(candidate_pairs(stored, HASHER, order), candidate_pairs(ranked, HASHER))
    by_text = lambda rows: [texts[order[r]] for r in rows]  # noqa: E731
    for threshold, verify in ((0.8, by_text), (0.8, None), (0.0, None)):
        assert near_duplicates(stored, HASHER, threshold, verify, order=order).tolist() == near_duplicates(ranked, HASHER, threshold, verify).tolist()
    assert near_duplicates(stored, HASHER, 0.8, by_text, order=order).any()  # the variants of BASE are found
    with pytest.raises(ValueError, match="uint32"):
        stored.append(signature.astype(np.uint64))


def test_shingle_arrays_give_the_exact_jaccard_of_the_shingle_sets():
    import random

    from assets.cleaned.dedup import ShingleArrays, array_jaccard

    rng = random.Random(7)
    vocab = [f"w{i}" for i in range(12)]  # few words: many shared and repeated shingles
    texts = ["", "one", "two words", "Two, words!", " ".join(BASE), variant(3), *(" ".join(rng.choice(vocab) for _ in range(rng.randint(0, 40))) for _ in range(40))]
    arrays = list(ShingleArrays(5).of(texts))
    sets = [shingle_set(t, 5) for t in texts]
    assert [len(a) for a in arrays] == [len(s) for s in sets]
    for i in range(len(texts)):
        for j in range(len(texts)):
            assert array_jaccard(arrays[i], arrays[j]) == jaccard(sets[i], sets[j]), (texts[i], texts[j])
