"""The house tokenizer: byte-level BPE trained with HF `tokenizers`, or plain bytes (256 ids).

Special tokens: end of text, and one per PII placeholder so a redacted span costs one token.
"""

from __future__ import annotations

from typing import Iterable

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

EOT = "<|endoftext|>"
# every placeholder the redactor emits (assets/cleaned/privacy/redact.py PLACEHOLDERS; a test holds them equal), appended: earlier ids stay
PLACEHOLDERS = ["<EMAIL>", "<PHONE>", "<IBAN>", "<CARD>", "<IP>", "<ADDRESS>", "<PERSON>", "<ORDER_ID>", "<ACCOUNT>"]
SPECIAL_TOKENS = [EOT] + PLACEHOLDERS


def train_bpe(texts: Iterable[str], vocab_size: int) -> Tokenizer:
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return tokenizer


def byte_tokenizer() -> Tokenizer:
    """Ids 0-255 are the bytes themselves; specials follow. Built as a BPE with no merges so the
    same `tokenizers` API (and the same tokenizer.json) serves both kinds."""
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    byte_to_char = {b: c for b, c in zip(range(256), _bytes_to_unicode())}
    vocab = {byte_to_char[b]: b for b in range(256)}
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.add_special_tokens(SPECIAL_TOKENS)
    assert len(alphabet) == 256
    return tokenizer


def _bytes_to_unicode() -> list[str]:
    """GPT-2's reversible byte -> printable character map, in byte order."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars, extra = {}, 0
    for b in range(256):
        if b in printable:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + extra)
            extra += 1
    return [chars[b] for b in range(256)]
