"""DP-SGD (train.dp) for the arms that train on client-derived data, with Opacus's PrivacyEngine.

Which arms: those whose training tokens include a source declared `pii: client` (the house's
private records of its clients: advisor transcripts, event notes). Redaction removes the values it
recognises; DP bounds what a model can keep of whatever it missed. Sources of class `possible`
(reviews, notes) are text their authors published or wrote for the house: redaction only.

The privacy unit is one training block: the arm's training tokens cut into N non-overlapping
windows of block_size + 1 tokens; each step takes a Poisson sample of them at rate 1/ceil(N/batch)
(Opacus's sampler), so the RDP accountant's (epsilon, delta) holds per block. A document spanning
k blocks is protected at k x epsilon (group privacy). The noise multiplier is Opacus's for exactly
train.max_iters steps (get_noise_multiplier(steps=...), then PrivacyEngine.make_private):
make_private_with_epsilon takes epochs and turns them into int(epochs / q) steps, which would round
a run that is counted in steps.

Deterministic: the Poisson sampler draws from the run's data generator, and each step reseeds the
noise generator from it, so trainer.pt's generator state resumes both, on any device. That is a
seeded PRNG, not Opacus's secure_mode CSPRNG (which refuses a seed, and whose torchcsprng does not
build against torch 2.13): whoever knows the generator's seed can regenerate the Poisson samples and
the noise. train.seed is published (params.yaml, the card), so train.dp.noise_secret_env names an
environment variable whose secret is mixed into that generator's seed: the run stays reproducible
for whoever holds the secret, and the guarantee no longer rests on the published seed.
"""

from __future__ import annotations

import hashlib
import os
from typing import Iterator, Optional

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from assets.checkpoints.data import TokenWindows

CLIENT = "client"


def client_sources(settings, manifest: dict) -> list[str]:
    """The sources of class `pii: client` that put training tokens into this arm."""
    classes = {s.name: s.pii for s in settings.sources}
    return sorted(s for s, n in manifest["tokens_per_source"]["train"].items() if n and classes.get(s) == CLIENT)


class Blocks(Dataset):
    """Non-overlapping windows of block + 1 tokens, each in one shard: the records DP protects."""

    def __init__(self, windows: TokenWindows):
        self.shards, self.span = windows.shards, windows.block + 1
        self.ends = np.cumsum([len(s) // self.span for s in self.shards])

    def __len__(self) -> int:
        return int(self.ends[-1]) if len(self.ends) else 0

    def __getitem__(self, i: int):
        return self.take([i])

    def take(self, indices: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        picks = np.asarray(indices, dtype=np.int64)
        shard = np.searchsorted(self.ends, picks, side="right")
        window = np.empty((len(picks), self.span), dtype=np.int64)
        for s in np.unique(shard):
            rows = shard == s
            starts = (picks[rows] - (self.ends[s - 1] if s else 0)) * self.span
            window[rows] = self.shards[s][starts[:, None] + np.arange(self.span)]
        window = torch.from_numpy(window)
        return window[:, :-1].contiguous(), window[:, 1:].contiguous()


def unsupported_setting(p, world: int, model: torch.nn.Module) -> Optional[str]:
    """Why train.dp cannot be honoured for this run, or None."""
    from opacus.validators import ModuleValidator

    if world > 1:
        return f"train.dp with {world} torchrun ranks: the trainer's DistributedDataParallel is not Opacus's DPDDP; train with one process per run (train.parallel_runs)"
    if p.grad_accum != 1:
        return f"train.dp with train.grad_accum={p.grad_accum}: Poisson sampling draws a whole batch per step; set train.grad_accum: 1"
    errors = ModuleValidator.validate(model, strict=False)
    if errors:
        return f"train.dp: Opacus cannot compute per-sample gradients of this model: {'; '.join(sorted({str(e) for e in errors}))}"
    return None


def per_sample_mismatches(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> list[str]:
    """The parameters whose Opacus per-sample gradients differ from each sample's own backward pass,
    on a copy of `model` with dropout off. A layer that broadcasts over the batch (a position table
    looked up without the batch dimension, as transformers' GPT-2 does) passes Opacus's validator
    but gets a wrong per-sample gradient, so the clipping bound, hence epsilon, would not hold."""
    import copy

    from opacus import GradSampleModule

    probe = copy.deepcopy(model).train()
    for module in probe.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0
        elif isinstance(getattr(module, "dropout", None), float):
            module.dropout = 0.0
    singles = []
    for i in range(len(x)):
        probe.zero_grad(set_to_none=True)
        probe(x[i : i + 1], y[i : i + 1])[1].backward()
        singles.append({n: p.grad.detach().clone() for n, p in probe.named_parameters() if p.requires_grad and p.grad is not None})
    probe.zero_grad(set_to_none=True)
    wrapped = GradSampleModule(probe)
    wrapped(x, y)[1].backward()
    wrong = []
    for name, p in probe.named_parameters():
        sample = getattr(p, "grad_sample", None)
        if not p.requires_grad:
            continue
        if sample is None or sample.shape[0] != len(x):
            wrong.append(name)
        elif any(not torch.allclose(sample[i], singles[i].get(name, torch.zeros_like(p)), rtol=1e-3, atol=1e-6 + 1e-4 * float(singles[i].get(name, p).abs().max()))
                 for i in range(len(x))):
            wrong.append(name)
    return wrong


class Private:
    """The DP-SGD pieces one run trains with: the per-sample-gradient module, the noising
    optimizer, Poisson batches, and the (epsilon, delta) the run spends."""

    def __init__(self, module, optimizer, sampler, blocks: Blocks, gen: torch.Generator, noise: torch.Generator, described: dict):
        self.module, self.optimizer, self.blocks, self.gen, self.noise = module, optimizer, blocks, gen, noise
        self.sampler, self.described = sampler, described
        self._indices = self._forever()

    def _forever(self) -> Iterator[list[int]]:
        while True:  # an epoch's end draws nothing: a resumed run continues the same sequence
            yield from self.sampler

    def batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        # an empty Poisson batch has probability (1 - q)^N, about e^-batch_size: e^-32 here
        return self.blocks.take(next(self._indices))

    def step(self) -> None:
        self.noise.manual_seed(int(torch.randint(0, 2**62, (1,), generator=self.gen)))
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)


def secret_seed(seed: int, variable: str) -> int:
    """The generator seed a DP run draws its samples and noise from: the published seed mixed with the
    secret in environment variable `variable` (SHA-256), so neither can be regenerated without it."""
    secret = os.environ.get(variable)
    if not secret:
        raise ValueError(f"train.dp.noise_secret_env={variable}: the environment variable {variable} is unset or empty; "
                         "set it to the house's secret (or drop the key to seed the noise from train.seed)")
    return int.from_bytes(hashlib.sha256(f"{seed}:{secret}".encode()).digest()[:8], "big") & (2**63 - 1)


def spent_epsilon(noise_multiplier: float, sample_rate: float, steps: int, delta: float) -> float:
    from opacus.accountants import RDPAccountant

    accountant = RDPAccountant()
    accountant.history = [(noise_multiplier, sample_rate, steps)]
    return float(accountant.get_epsilon(delta))


def make_private(settings, manifest: dict, model: torch.nn.Module, optimizer, windows: TokenWindows, gen: torch.Generator,
                 world: int, device: str) -> Optional[Private]:
    """Private training for this run, or None when train.dp is off or the arm holds no client data.
    A setting the trainer cannot honour raises ValueError naming it, before any step."""
    p = settings.params.train
    sources = client_sources(settings, manifest) if p.dp else []
    if not sources:
        return None
    from opacus import PrivacyEngine
    from opacus.accountants.utils import get_noise_multiplier

    reason = unsupported_setting(p, world, model)
    if reason:
        raise ValueError(reason)
    if p.dp.noise_secret_env:  # before any draw: the Poisson samples and every step's noise seed come from gen
        gen.manual_seed(secret_seed(gen.initial_seed(), p.dp.noise_secret_env))
    blocks = Blocks(windows)
    if p.dp.delta >= 1 / max(1, len(blocks)):
        raise ValueError(f"train.dp.delta={p.dp.delta} must be below 1/N = {1 / max(1, len(blocks)):.3g}: the arm has N = {len(blocks)} "
                         f"training blocks of {blocks.span} tokens (a delta that large lets a mechanism publish a whole record)")
    model.batched_positions = True
    wrong = per_sample_mismatches(model, *blocks.take([0, 1])) if len(blocks) > 1 else []
    if wrong:
        raise ValueError(f"train.dp: Opacus's per-sample gradients of this model are wrong for {', '.join(wrong)} (a layer that broadcasts "
                         "over the batch?): the clipping bound, hence epsilon, would not hold; train this arm without train.dp")
    loader = DataLoader(blocks, batch_size=p.batch_size, generator=gen)
    sample_rate = 1 / len(loader)
    sigma = get_noise_multiplier(target_epsilon=p.dp.epsilon, target_delta=p.dp.delta, sample_rate=sample_rate, steps=p.max_iters, accountant="rdp")
    noise = torch.Generator(device=device)
    module, dp_optimizer, dp_loader = PrivacyEngine(accountant="rdp").make_private(
        module=model, optimizer=optimizer, data_loader=loader, noise_multiplier=sigma, max_grad_norm=p.dp.max_grad_norm,
        poisson_sampling=True, noise_generator=noise)
    described = {"epsilon": spent_epsilon(sigma, sample_rate, p.max_iters, p.dp.delta), "delta": p.dp.delta, "target_epsilon": p.dp.epsilon,
                 "max_grad_norm": p.dp.max_grad_norm, "noise_multiplier": sigma, "sample_rate": sample_rate, "steps": p.max_iters,
                 "records": len(blocks), "record": f"a block of {blocks.span} tokens", "client_sources": sources, "accountant": "rdp",
                 "noise_seeded_by": f"a secret (${p.dp.noise_secret_env})" if p.dp.noise_secret_env else "train.seed (published)"}
    return Private(module, dp_optimizer, dp_loader.batch_sampler, blocks, gen, noise, described)


def sentence(spent: Optional[dict]) -> str:
    """What a model card says of a run's differential privacy (config.json's `dp`)."""
    if not spent:
        return "Trained without differential privacy (train.dp off, or no client-derived source in its data): its privacy rests on redaction."
    return (f"Trained with DP-SGD (Opacus, {spent['accountant'].upper()} accountant): (epsilon = {spent['epsilon']:.3f}, delta = {spent['delta']:g}) spent "
            f"over {spent['steps']} steps, the record being {spent['record']} ({spent['records']:,} records, Poisson sampling rate "
            f"{spent['sample_rate']:.4g}), noise multiplier {spent['noise_multiplier']:.3f}, per-sample gradients clipped at {spent['max_grad_norm']}; "
            f"client-derived sources: {', '.join(spent['client_sources'])}. A document spanning k blocks is protected at k x epsilon. "
            f"Poisson samples and noise seeded by {spent.get('noise_seeded_by', 'train.seed (published)')}.")


def membership_auc_bound(epsilon: float, delta: float) -> float:
    """The highest AUC any membership attack can reach on one record of an (epsilon, delta)-DP
    model: its ROC curve lies under TPR <= min(e^eps FPR + delta, 1 - e^-eps (1 - delta - FPR))
    (Kairouz et al. 2015); the area under that envelope. Near 1 for epsilon >= 5: a bound there is
    on the record, not on the attack's average."""
    import math

    grid = np.linspace(0.0, 1.0, 20001)
    envelope = np.minimum(np.minimum(math.exp(epsilon) * grid + delta, 1 - math.exp(-epsilon) * (1 - delta - grid)), 1.0)
    return float(np.trapezoid(np.maximum(envelope, grid), grid))
