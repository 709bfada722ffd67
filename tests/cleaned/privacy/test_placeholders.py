"""Every placeholder the redactor can emit is one token of the house tokenizer (BPE and bytes), so a
redacted span costs one token and the model never sees a placeholder split into pieces it could
learn to complete."""

import pytest

from assets.cleaned.privacy import Gazetteer, Redactor
from assets.cleaned.privacy.redact import ENTITIES, PLACEHOLDERS
from assets.tokenized.tokenizer import SPECIAL_TOKENS, byte_tokenizer, train_bpe

TEXTS = ["Order ORD-88213-X for Camille Moreau, account AC-4471-2209, paid from DE89 3704 0044 0532 0130 00 by card 4111 1111 1111 1111.",
         "Ring +44 20 7946 0958 or mail camille.moreau@example.com; deliver to 12 rue du Faubourg Saint-Honoré, 75008 Paris; from 192.168.1.20."] * 50


@pytest.fixture(scope="module", params=["bpe", "bytes"])
def tokenizer(request):
    return train_bpe(TEXTS, 400) if request.param == "bpe" else byte_tokenizer()


def test_the_redactor_emits_one_placeholder_per_entity_and_the_tokenizer_knows_them_all():
    assert PLACEHOLDERS == tuple(f"<{e}>" for e in ENTITIES) and {"<ORDER_ID>", "<ACCOUNT>"} <= set(PLACEHOLDERS)
    assert set(PLACEHOLDERS) <= set(SPECIAL_TOKENS)


@pytest.mark.parametrize("placeholder", PLACEHOLDERS)
def test_each_placeholder_encodes_to_exactly_one_token(tokenizer, placeholder):
    alone = tokenizer.encode(placeholder).ids
    assert len(alone) == 1 and tokenizer.id_to_token(alone[0]) == placeholder
    glued = tokenizer.encode(f"ref{placeholder}, then").ids  # inside text, glued to a word and punctuation
    assert glued.count(alone[0]) == 1 and tokenizer.decode(glued, skip_special_tokens=False) == f"ref{placeholder}, then"


def test_redacted_text_holds_each_placeholder_as_one_token(tokenizer):
    redacted, _ = Redactor(Gazetteer(names={"Camille Moreau"}, catalog_terms=set())).redact(TEXTS[0] + " " + TEXTS[1])
    ids = tokenizer.encode(redacted).ids
    found = [tokenizer.id_to_token(i) for i in ids if tokenizer.id_to_token(i) in PLACEHOLDERS]
    assert found == [p for p in redacted.split("<") for p in ["<" + p.split(">")[0] + ">"] if p in PLACEHOLDERS]
    assert {"<ORDER_ID>", "<ACCOUNT>", "<PERSON>", "<IBAN>", "<CARD>", "<PHONE>", "<EMAIL>", "<ADDRESS>", "<IP>"} <= set(found), redacted
