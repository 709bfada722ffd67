"""Bits per byte as lm-evaluation-harness computes it (loglikelihood_rolling): each document is
tokenized on its own, preceded by end-of-text, and scored in non-overlapping windows of the
model's block size (the last one with a full block of context); bits per byte = summed negative
log-likelihood / ln 2 / UTF-8 bytes."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from tokenizers import Tokenizer

from assets.checkpoints.model import GPT

BATCH = 64


def windows(ids: list[int], eot_id: int, block: int) -> list[tuple[list[int], list[int]]]:
    """(inputs, targets) pairs covering every token of the document exactly once as a target.
    A short last window keeps a full block of context, as lm-eval's rolling windows do."""
    seq = [eot_id] + ids
    pairs = []
    for start in range(0, len(seq) - 1, block):
        end = min(start + block, len(seq) - 1)
        pairs.append((seq[max(0, end - block) : end], seq[start + 1 : end + 1]))
    return pairs


@torch.no_grad()
def sequence_nll(model: GPT, pairs: list[tuple[list[int], list[int]]]) -> np.ndarray:
    """Summed negative log-likelihood (nats) of each pair's targets, which are the last
    len(targets) positions' next tokens. Batched and right-padded: the model is causal, so
    padding after a sequence never changes its logits."""
    out = np.zeros(len(pairs), dtype=np.float64)
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]))
    for start in range(0, len(order), BATCH):
        chunk = order[start : start + BATCH]
        width = max(len(pairs[i][0]) for i in chunk)
        x = torch.zeros((len(chunk), width), dtype=torch.long)
        y = torch.full((len(chunk), width), -100, dtype=torch.long)
        for row, i in enumerate(chunk):
            inputs, targets = pairs[i]
            x[row, : len(inputs)] = torch.tensor(inputs)
            y[row, len(inputs) - len(targets) : len(inputs)] = torch.tensor(targets)
        logits, _ = model(x)
        losses = F.cross_entropy(logits.transpose(1, 2).float(), y, reduction="none", ignore_index=-100)
        for row, i in enumerate(chunk):
            out[i] = float(losses[row].sum())
    return out


def score_documents(model: GPT, tokenizer: Tokenizer, texts: list[str], eot_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per document: negative log-likelihood (nats), UTF-8 bytes, scored tokens."""
    block = model.config.block_size
    encodings = tokenizer.encode_batch(texts, add_special_tokens=False)
    pairs, owner = [], []
    for doc, encoding in enumerate(encodings):
        for pair in windows(encoding.ids, eot_id, block):
            pairs.append(pair)
            owner.append(doc)
    nll = np.bincount(np.asarray(owner, dtype=np.int64), weights=sequence_nll(model, pairs), minlength=len(texts)) if pairs else np.zeros(len(texts))
    n_bytes = np.asarray([len(t.encode("utf-8")) for t in texts], dtype=np.int64)
    n_tokens = np.asarray([len(e.ids) for e in encodings], dtype=np.int64)
    return nll, n_bytes, n_tokens


def summarize(nll: np.ndarray, n_bytes: np.ndarray, n_tokens: np.ndarray) -> dict:
    """Corpus-level: totals first, then the ratios (never a mean of per-document ratios)."""
    total_nll, total_bytes, total_tokens = float(nll.sum()), int(n_bytes.sum()), int(n_tokens.sum())
    if total_bytes == 0:
        raise ValueError("bits per byte: no bytes to score")
    return {
        "bits_per_byte": total_nll / math.log(2) / total_bytes,
        "byte_perplexity": math.exp(total_nll / total_bytes),
        "token_perplexity": math.exp(total_nll / max(total_tokens, 1)),
        "documents": int(len(nll)),
        "bytes": total_bytes,
        "tokens": total_tokens,
    }
