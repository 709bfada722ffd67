"""A checkpoint as a Hugging Face transformers folder, checkpoints/<run>/hf/: config.json and
model.safetensors of a standard architecture, generation_config.json, the house tokenizer
(tokenizer.json, tokenizer_config.json, special tokens) and README.md, a model card in the Hub's
format. `AutoModelForCausalLM.from_pretrained` and `AutoTokenizer.from_pretrained` load it with no
Atelier code. The gate reloads the staged folder with plain transformers and compares it with our
forward pass: logits on real validation windows and greedy generation, token for token.

Each configuration maps onto the architecture that computes our forward pass (pre-norm blocks,
LayerNorm with bias and eps 1e-5, 1/sqrt(head_dim) causal attention, tied embeddings, sequential
residuals; biases ours lacks are zeros):
- learned positions + GELU: GPT2LMHeadModel (exact GELU; its Conv1D stores weights as (in, out));
- RoPE + GELU: GPTNeoXForCausalLM (full rotary, base 10000; q/k rows reordered from our
  interleaved pairs to rotate_half's halves; qkv rows head by head);
- RoPE + SwiGLU: StableLmForCausalLM (LayerNorm, not Llama's RMSNorm, which would not reproduce us);
- learned positions + SwiGLU has no standard counterpart and is refused, naming the settings.
The finetuned arm (assets/checkpoints/finetune.py) is a transformers model already: its export is
that model's own `save_pretrained` with the base's tokenizer, gated the same way.

transformers is imported inside the functions: the other stages never pay for it.
"""

from __future__ import annotations

import os
import tempfile
from typing import Optional, Sequence

import numpy as np
import pandas as pd
import torch

from assets.checkpoints import dp, finetune
from assets.checkpoints.model import GPT, MLP, GPTConfig
from assets.checkpoints.runs import Run, runs_of
from assets.checkpoints.train import load_checkpoint
from assets.core.settings import Settings
from assets.core.storage import Storage
from assets.tokenized.arms import ARMS
from assets.tokenized.shards import TOKENIZER, read_manifest, read_shard
from assets.tokenized.tokenizer import EOT

STAGE = "checkpoints_hf"  # the export's staging area and gate name
MAX_LOGIT_DIFF = 1e-4  # fp32: the gate's bound on |our logits - transformers' logits|
CHECK_WINDOWS = 4  # validation windows in the gate's batch
PROMPT_TOKENS = 4  # greedy generation starts from each window's first tokens


class ExportError(ValueError):
    """A checkpoint that no standard transformers architecture reproduces."""


def hf_dir(run: Run) -> str:
    return f"{run.folder}/hf"


def architecture(config: GPTConfig) -> str:
    """The transformers class that computes exactly our forward pass for this configuration."""
    if config.swiglu and not config.rope:
        raise ExportError(
            "cannot export a checkpoint trained with train.swiglu: true and train.rope: false as a transformers model: no standard "
            "architecture has learned positions with a SwiGLU MLP (GPT-2 has GELU; StableLM and Llama have RoPE); "
            "train with train.rope: true (StableLM) or train.swiglu: false (GPT-2) to export"
        )
    return "StableLmForCausalLM" if config.swiglu else "GPTNeoXForCausalLM" if config.rope else "GPT2LMHeadModel"


def hf_config(config: GPTConfig, eot_id: int):
    """The transformers configuration of `architecture(config)`: our sizes, LayerNorm eps 1e-5,
    1/sqrt(head_dim) attention, sequential residuals, tied embeddings, no biases where ours has none."""
    import transformers

    name = architecture(config)
    tokens = dict(bos_token_id=eot_id, eos_token_id=eot_id, pad_token_id=eot_id, tie_word_embeddings=True, architectures=[name])
    rope = {"rope_type": "default", "rope_theta": 10000.0, "partial_rotary_factor": 1.0}  # every dim rotates, base 10000, as rope_tables
    if name == "GPT2LMHeadModel":
        return transformers.GPT2Config(
            vocab_size=config.vocab_size, n_positions=config.block_size, n_embd=config.n_embd, n_layer=config.n_layer,
            n_head=config.n_head, n_inner=4 * config.n_embd, activation_function="gelu",  # exact GELU, as F.gelu
            layer_norm_epsilon=1e-5, scale_attn_weights=True, scale_attn_by_inverse_layer_idx=False, reorder_and_upcast_attn=False,
            # our dropout acts on the embeddings and the attention weights, never on the residual branches
            embd_pdrop=config.dropout, attn_pdrop=config.dropout, resid_pdrop=0.0, **tokens)
    common = dict(vocab_size=config.vocab_size, hidden_size=config.n_embd, num_hidden_layers=config.n_layer, num_attention_heads=config.n_head,
                  max_position_embeddings=config.block_size, layer_norm_eps=1e-5, use_parallel_residual=False, attention_dropout=config.dropout,
                  hidden_dropout=0.0, rope_parameters=rope, **tokens)
    if name == "GPTNeoXForCausalLM":
        return transformers.GPTNeoXConfig(intermediate_size=4 * config.n_embd, hidden_act="gelu", attention_bias=False, **common)
    return transformers.StableLmConfig(intermediate_size=MLP(config).up.out_features, hidden_act="silu", num_key_value_heads=config.n_head,
                                       use_qkv_bias=False, qk_layernorm=False, partial_rotary_factor=1.0, **common)


def halves(weight: torch.Tensor, n_head: int) -> torch.Tensor:
    """q or k rows reordered per head from our interleaved RoPE pairs (0,1), (2,3) ... to the
    halves (0, d/2), (1, d/2+1) ... that transformers' rotate_half pairs: same rotations, so the
    same attention scores."""
    head_dim = weight.shape[0] // n_head
    order = torch.cat([torch.arange(0, head_dim, 2), torch.arange(1, head_dim, 2)])
    return weight[(torch.arange(n_head)[:, None] * head_dim + order).reshape(-1)].contiguous()


def hf_state_dict(model: GPT) -> dict[str, torch.Tensor]:
    """Our weights under the architecture's own names; lm_head is the input embedding itself
    (save_pretrained writes it once). Biases ours lacks are zeros; GPT-2's Conv1D is (in, out)."""
    c = model.config
    ours = {k: v.detach().to(torch.float32).cpu() for k, v in model.state_dict().items()}
    zeros = lambda n: torch.zeros(n, dtype=torch.float32)  # noqa: E731
    name = architecture(c)
    out: dict[str, torch.Tensor] = {"lm_head.weight": ours["wte.weight"]}
    if name == "GPT2LMHeadModel":
        out.update({"transformer.wte.weight": ours["wte.weight"], "transformer.wpe.weight": ours["wpe.weight"],
                    "transformer.ln_f.weight": ours["ln_f.weight"], "transformer.ln_f.bias": ours["ln_f.bias"]})
        for i in range(c.n_layer):
            a, h = f"blocks.{i}.", f"transformer.h.{i}."
            for src, dst in (("ln1", "ln_1"), ("ln2", "ln_2")):
                out[f"{h}{dst}.weight"], out[f"{h}{dst}.bias"] = ours[f"{a}{src}.weight"], ours[f"{a}{src}.bias"]
            for src, dst in (("attn.qkv", "attn.c_attn"), ("attn.proj", "attn.c_proj"), ("mlp.up", "mlp.c_fc"), ("mlp.down", "mlp.c_proj")):
                weight = ours[f"{a}{src}.weight"]  # nn.Linear: (out, in); Conv1D: (in, out)
                out[f"{h}{dst}.weight"], out[f"{h}{dst}.bias"] = weight.t().contiguous(), zeros(weight.shape[0])
        return out
    base = "gpt_neox" if name == "GPTNeoXForCausalLM" else "model"
    final = "final_layer_norm" if name == "GPTNeoXForCausalLM" else "norm"
    out.update({f"{base}.{'embed_in' if base == 'gpt_neox' else 'embed_tokens'}.weight": ours["wte.weight"],
                f"{base}.{final}.weight": ours["ln_f.weight"], f"{base}.{final}.bias": ours["ln_f.bias"]})
    for i in range(c.n_layer):
        a, h = f"blocks.{i}.", f"{base}.layers.{i}."
        for src, dst in (("ln1", "input_layernorm"), ("ln2", "post_attention_layernorm")):
            out[f"{h}{dst}.weight"], out[f"{h}{dst}.bias"] = ours[f"{a}{src}.weight"], ours[f"{a}{src}.bias"]
        q, k, v = ours[f"{a}attn.qkv.weight"].split(c.n_embd, dim=0)
        q, k = halves(q, c.n_head), halves(k, c.n_head)
        if name == "GPTNeoXForCausalLM":
            # one matrix whose rows go head by head: [q_h, k_h, v_h] for each head h
            per_head = lambda t: t.view(c.n_head, -1, c.n_embd)  # noqa: E731
            out[f"{h}attention.query_key_value.weight"] = torch.cat([per_head(q), per_head(k), per_head(v)], dim=1).reshape(3 * c.n_embd, c.n_embd)
            out[f"{h}attention.dense.weight"] = ours[f"{a}attn.proj.weight"]
            for src, dst in (("mlp.up", "mlp.dense_h_to_4h"), ("mlp.down", "mlp.dense_4h_to_h")):
                weight = ours[f"{a}{src}.weight"]
                out[f"{h}{dst}.weight"], out[f"{h}{dst}.bias"] = weight, zeros(weight.shape[0])
        else:
            out.update({f"{h}self_attn.q_proj.weight": q, f"{h}self_attn.k_proj.weight": k, f"{h}self_attn.v_proj.weight": v.contiguous(),
                        f"{h}self_attn.o_proj.weight": ours[f"{a}attn.proj.weight"], f"{h}mlp.gate_proj.weight": ours[f"{a}mlp.gate.weight"],
                        f"{h}mlp.up_proj.weight": ours[f"{a}mlp.up.weight"], f"{h}mlp.down_proj.weight": ours[f"{a}mlp.down.weight"]})
    return out


def to_transformers(model: GPT, eot_id: int):
    """The same network as a standard transformers model (fp32, eval mode)."""
    import transformers
    from transformers import GenerationConfig

    hf = getattr(transformers, architecture(model.config))(hf_config(model.config, eot_id))
    hf.load_state_dict(hf_state_dict(model), strict=True)
    if hf.get_output_embeddings().weight.data_ptr() != hf.get_input_embeddings().weight.data_ptr():
        raise ExportError("transformers did not tie the output layer to the embeddings: the export would not be our tied layout")
    hf.generation_config = GenerationConfig(bos_token_id=eot_id, eos_token_id=eot_id, pad_token_id=eot_id, max_length=model.config.block_size)
    return hf.eval()


def fast_tokenizer(tokenizer_json: str, block_size: int):
    """The house tokenizer as a transformers fast tokenizer: end-of-text is BOS, EOS, UNK and PAD,
    as in GPT-2; nothing is added to an encoding (the same ids as `tokenizers` gives)."""
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(tokenizer_object=Tokenizer.from_str(tokenizer_json), bos_token=EOT, eos_token=EOT, unk_token=EOT,
                                   pad_token=EOT, model_max_length=block_size, clean_up_tokenization_spaces=False)


def model_card(run: Run, described: dict, records: list[dict], parameters: int, name: str) -> str:
    """README.md: YAML metadata (library, pipeline, model-index with the training metrics) and text.
    A finetuned checkpoint's card names the base it continued."""
    from huggingface_hub import EvalResult, ModelCard, ModelCardData

    final = records[-1] if records else {}
    m, t = described.get("model", {}), described.get("train", {})
    base = m.get("init_from") if finetune.is_finetuned(m) else None
    data = ModelCardData(
        model_name=f"atelier-{run.key}", library_name="transformers", pipeline_tag="text-generation", license="other",
        tags=["atelier", m["hf"]["model_type"] if base else {"GPT2LMHeadModel": "gpt2", "GPTNeoXForCausalLM": "gpt_neox", "StableLmForCausalLM": "stablelm"}[name],
              "causal-lm", "continued-pretraining" if base else "from-scratch"],
        eval_results=[EvalResult(task_type="text-generation", dataset_type="atelier-validation", dataset_name=f"{run.key} validation split",
                                 metric_type="loss", metric_name="validation loss (nats per token)", metric_value=round(float(final["val_loss"]), 6))]
        if "val_loss" in final else None,
    )
    what = (f"The base model `{base}` (sha256 {m['base_sha256'][:12]}), continued by the Atelier pipeline on the house's curated mixture "
            f"tokenized with its own tokenizer (the `{run.arm}` arm, seed replicate {run.replicate}), saved as the `{name}` it is"
            if base else
            f"A GPT pre-trained from scratch by the Atelier pipeline on the `{run.arm}` arm (seed replicate {run.replicate}) of the house's archive, "
            f"exported as a standard `{name}`")
    size = (f"- {parameters:,} parameters; context used in training {m.get('block_size')} tokens, vocabulary {m.get('vocab_size')}." if base else
            f"- {parameters:,} parameters (embeddings tied, positions excluded); {m.get('n_layer')} layers, {m.get('n_head')} heads, "
            f"{m.get('n_embd')} wide, context {m.get('block_size')} tokens, vocabulary {m.get('vocab_size')}.")
    body = "\n".join([
        f"# atelier-{run.key}",
        "",
        f"{what}: load it with `AutoModelForCausalLM.from_pretrained` and `AutoTokenizer.from_pretrained`, no custom code.",
        "",
        "## Model",
        size,
        f"- Trained {final.get('iter', 0)} iterations, batch {t.get('batch_size')} x {t.get('grad_accum')} accumulation, "
        f"learning rate {t.get('learning_rate')} to {t.get('min_lr')}, seed {described.get('seed')}.",
        "- Documents are separated by the end-of-text token in training: start a prompt with it for the model's document-start context.",
        "",
        "## Training metrics",
        "| iter | val_loss | train_loss |",
        "|---|---|---|",
        *(f"| {r['iter']} | {r['val_loss']:.4f} | {r['train_loss']:.4f} |" if r.get("train_loss") is not None else f"| {r['iter']} | {r['val_loss']:.4f} | |" for r in records),
        "",
        "Held-out bits per byte, knowledge questions and privacy audits are in the pipeline's reports "
        "(`reports/metrics.json`, `reports/model_card.md`); `python -m assets.reports.harness --model <this folder>` scores it "
        "with lm-evaluation-harness on the house's tasks.",
        "",
        "## Privacy",
        dp.sentence(described.get("dp")),
        "",
        "## Limits",
        "- A small model of the house's style and vocabulary, not a source of truth about products.",
        "",
    ])
    return str(ModelCard(f"---\n{data.to_yaml()}\n---\n\n{body}"))


def export(storage: Storage, out: Storage, run: Run) -> dict:
    """Write checkpoints/<run>/hf/ into `out` from the checkpoint and tokenizer in `storage`."""
    import json

    described = storage.read_json(f"{run.folder}/config.json")
    finetuned = finetune.is_finetuned(described["model"])
    name = None if finetuned else architecture(GPTConfig(**described["model"]))  # refuses before loading anything large
    model = load_checkpoint(storage, run)
    manifest = read_manifest(storage, run.arm)
    records = [json.loads(line) for line in storage.read_text(f"{run.folder}/metrics.jsonl").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        if finetuned:  # a transformers model already: itself, with the base's tokenizer
            name = type(model.hf).__name__
            model.hf.save_pretrained(tmp)
            base_tokenizer(described["model"]["init_from"], manifest["tokenizer_sha256"]).save_pretrained(tmp)
        else:
            to_transformers(model, manifest["eot_id"]).save_pretrained(tmp)
            fast_tokenizer(storage.read_text(TOKENIZER), model.config.block_size).save_pretrained(tmp)
        with open(os.path.join(tmp, "README.md"), "w", encoding="utf-8") as f:
            f.write(model_card(run, described, records, model.num_params(), name))
        names = sorted(os.listdir(tmp))
        for file in names:
            with open(os.path.join(tmp, file), "rb") as f:
                out.write_bytes(f"{hf_dir(run)}/{file}", f.read())
    return {"run": run.key, "architecture": name, "files": names}


def base_tokenizer(folder: str, sha256: str):
    """The base's transformers tokenizer (its special tokens and settings), refused unless it is the
    one the finetuned arm's shards were tokenized with."""
    import hashlib

    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    if hashlib.sha256(tokenizer.backend_tokenizer.to_str().encode()).hexdigest() != sha256:
        raise ExportError(f"train.init_from: the tokenizer in {folder} changed since the finetuned arm was tokenized (sha256 differs from its manifest's): re-run the tokenized stage")
    return tokenizer


def export_runs(settings: Settings, out: Storage, partition_keys: Optional[Sequence[str]] = None) -> list[dict]:
    return [export(settings.storage, out, run) for run in runs_of(settings, partition_keys)]


def check_tokens(storage: Storage, run: Run, block: int) -> torch.Tensor:
    """CHECK_WINDOWS windows of real validation tokens, evenly spaced in the first val shard."""
    manifest = read_manifest(storage, run.arm)
    shard = next((s["name"] for s in manifest["shards"] if s["split"] == "val"), None)
    if shard is None:
        raise ValueError(f"{run.arm} arm's manifest: no validation shard to compare the export on")
    tokens = read_shard(storage, manifest, shard, run.arm).astype(np.int64)
    width = min(block, len(tokens))
    starts = np.linspace(0, len(tokens) - width, CHECK_WINDOWS).astype(np.int64)
    return torch.from_numpy(np.stack([tokens[s : s + width] for s in starts]))


def local_copy(area: Storage, folder: str, tmp: str) -> str:
    """A local path of the staged folder (from_pretrained reads a directory)."""
    if area.is_local:
        return area.path(folder)
    for name in area.glob(f"{folder}/*"):
        with open(os.path.join(tmp, os.path.basename(name)), "wb") as f:
            f.write(area.read_bytes(name))
    return tmp


@torch.no_grad()
def compare(path: str, model: GPT, tokenizer_json: str, batch: torch.Tensor, special_tokens: bool = True) -> dict:
    """Load `path` with plain transformers and compare it with `model` on `batch` (fp32).
    special_tokens: the exported tokenizer adds its special tokens as it would for any user (a base
    model's BOS, say, is not in our shards: pass False for the finetuned arm)."""
    from tokenizers import Tokenizer
    from transformers import AutoModelForCausalLM, AutoTokenizer

    hf = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
    ours, _ = model(batch)
    theirs = hf(input_ids=batch).logits
    diff = float((ours.float() - theirs.float()).abs().max())
    prompt = batch[:, :PROMPT_TOKENS]
    steps = model.config.block_size - PROMPT_TOKENS
    greedy_ours = model.generate(prompt, steps, greedy=True)
    # eos_token_id=None: generate every step, as ours does, instead of stopping at end-of-text
    greedy_theirs = hf.generate(prompt, attention_mask=torch.ones_like(prompt), do_sample=False, max_new_tokens=steps, eos_token_id=None)
    same_tokens = int((greedy_ours == greedy_theirs).all(dim=1).sum()) if greedy_ours.shape == greedy_theirs.shape else 0
    sample = Tokenizer.from_str(tokenizer_json).decode(batch[0].tolist(), skip_special_tokens=False)
    theirs_tok, ours_tok = AutoTokenizer.from_pretrained(path), Tokenizer.from_str(tokenizer_json)
    tokenizer_match = theirs_tok(sample, add_special_tokens=special_tokens)["input_ids"] == ours_tok.encode(sample, add_special_tokens=False).ids
    return {"architecture": type(hf).__name__, "max_abs_logit_diff": diff, "greedy_sequences": int(prompt.shape[0]),
            "greedy_mismatches": int(prompt.shape[0]) - same_tokens, "greedy_tokens": int(steps), "tokenizer_match": bool(tokenizer_match)}


def gate_tables(area: Storage, settings: Settings, partition_keys=None) -> dict[str, pd.DataFrame]:
    storage, rows = settings.storage, []
    for run in runs_of(settings, partition_keys):
        model = load_checkpoint(storage, run)
        batch = check_tokens(storage, run, model.config.block_size)
        finetuned = ARMS[run.arm].init_from
        with tempfile.TemporaryDirectory() as tmp:
            rows.append({"run": run.key, **compare(local_copy(area, hf_dir(run), tmp), model, storage.read_text(ARMS[run.arm].tokenizer), batch, not finetuned)})
    return {"checkpoints_hf": pd.DataFrame(rows)}


def outputs(settings: Settings, partition_keys=None) -> list[str]:
    return [hf_dir(run) for run in runs_of(settings, partition_keys)]
