import pandas as pd

from assets.cleaned.steps import only_kinds


def drop_short(docs):
    return docs.assign(words=docs["text"].str.split().str.len()), pd.Series(
        ["short" if len(t.split()) < 3 else None for t in docs["text"]], index=docs.index, dtype=object)


def test_a_scoped_step_only_judges_its_kinds():
    docs = pd.DataFrame({"doc_id": ["a", "b", "c"], "source": ["s"] * 3, "kind": ["press", "catalog", "press"],
                         "text": ["too short", "Vellora tote", "a long enough page of text"]})
    out, reasons = only_kinds(drop_short, frozenset({"press"}))(docs)
    assert list(reasons) == ["short", None, None]  # the short catalog entry is not a web page
    assert out.loc[0, "words"] == 2 and pd.isna(out.loc[1, "words"])
