"""The export is a transformers model: plain `transformers` loads it (no Atelier import, in its own
process), its logits equal ours within 1e-4 in fp32 and greedy generation matches token for token;
the gate fails naming the largest difference when a weight is corrupted; RoPE maps to GPT-NeoX,
RoPE + SwiGLU to StableLM, learned positions + SwiGLU are refused by name."""

import json
import subprocess
import sys
import textwrap

import pytest
import torch
from safetensors.torch import load_file, save_file

from assets.checkpoints import hf_export, train
from assets.checkpoints.model import GPT, GPTConfig
from assets.checkpoints.runs import Run
from assets.core.storage import Storage
from orchestration import gx
from tests.checkpoints.conftest import make_settings
from tests.conftest import PROJECT

RUN = Run("curated_graph", 0)  # the default arm: tokenized/manifest.json


@pytest.fixture(scope="module")
def exported(tokenized_root, tmp_path_factory):
    """A trained curated checkpoint, published, and its export staged in a separate area."""
    settings = make_settings(tokenized_root, max_iters=20, checkpoint_interval=20)
    published = Storage(str(tmp_path_factory.mktemp("published")))
    for name in ("tokenized/tokenizer.json", "tokenized/manifest.json"):
        published.write_bytes(name, settings.storage.read_bytes(name))
    for name in settings.storage.glob("tokenized/shards/*"):
        published.write_bytes(name, settings.storage.read_bytes(name))
    settings = make_settings(published.root, max_iters=20, checkpoint_interval=20)
    train.train(settings, published, RUN)
    area = Storage(str(tmp_path_factory.mktemp("area")))
    hf_export.export_runs(settings, area, [RUN.key])
    return settings, area


def test_folder_has_the_files_transformers_expects(exported):
    _, area = exported
    folder = area.path(hf_export.hf_dir(RUN))
    names = {p.rsplit("/", 1)[-1] for p in area.glob(f"{hf_export.hf_dir(RUN)}/*")}
    assert {"config.json", "model.safetensors", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "README.md"} <= names
    config = json.loads(area.read_text(f"{hf_export.hf_dir(RUN)}/config.json"))
    assert config["model_type"] == "gpt2" and config["architectures"] == ["GPT2LMHeadModel"] and config["activation_function"] == "gelu"
    weights = load_file(f"{folder}/model.safetensors")
    assert "transformer.h.0.attn.c_attn.weight" in weights and "lm_head.weight" not in weights  # tied, as GPT-2's own files
    card = area.read_text(f"{hf_export.hf_dir(RUN)}/README.md")
    assert card.startswith("---\n") and "library_name: transformers" in card and "model-index" in card and "validation loss" in card


def test_dvc_tracks_the_export_and_its_model_card(exported):
    """`dvc repro`'s checkpoints stage runs the whole group (the export and its gate included) and
    its outs hold every export folder, README.md inside it."""
    import yaml

    settings, area = exported
    stage = yaml.safe_load((PROJECT / "dvc.yaml").read_text())["stages"]["checkpoints"]
    assert stage["cmd"] == "python -m orchestration.stage checkpoints"
    outs = [o if isinstance(o, str) else next(iter(o)) for o in stage["outs"]]
    storage_root = "data"  # the default ATELIER_STORAGE, the root dvc.yaml's paths are under
    for folder in hf_export.outputs(settings, [RUN.key]):
        assert any(f"{storage_root}/{folder}/README.md".startswith(o.rstrip("/") + "/") for o in outs), (folder, outs)
        assert area.exists(f"{folder}/README.md")


def test_plain_transformers_reproduces_our_logits_and_greedy_generation(exported):
    settings, area = exported
    folder = area.path(hf_export.hf_dir(RUN))
    model = train.load_checkpoint(settings.storage, RUN)
    batch = hf_export.check_tokens(settings.storage, RUN, model.config.block_size)
    torch.save({"batch": batch, "logits": model(batch)[0], "greedy": model.generate(batch[:, :4], 28, greedy=True)}, f"{folder}/../ours.pt")
    # a process that imports no Atelier code: only torch, transformers and the folder
    script = textwrap.dedent(f"""
        import sys, torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        ours = torch.load({folder + '/../ours.pt'!r})
        model = AutoModelForCausalLM.from_pretrained({folder!r}, dtype=torch.float32).eval()
        tok = AutoTokenizer.from_pretrained({folder!r})
        with torch.no_grad():
            diff = (model(input_ids=ours["batch"]).logits - ours["logits"]).abs().max().item()
            out = model.generate(ours["batch"][:, :4], do_sample=False, max_new_tokens=28, eos_token_id=None)
        assert not any(m.startswith("assets") for m in sys.modules), "imported Atelier code"
        print(diff, bool((out == ours["greedy"]).all()), tok.eos_token, tok.bos_token, type(model).__name__)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd="/")
    assert done.returncode == 0, done.stderr[-3000:]
    diff, greedy, eos, bos, arch = done.stdout.split()
    assert float(diff) <= 1e-4 and greedy == "True" and eos == bos == "<|endoftext|>" and arch == "GPT2LMHeadModel"


def test_tokenizer_gives_our_ids(exported):
    from transformers import AutoTokenizer

    from assets.tokenized.shards import load_tokenizer

    settings, area = exported
    theirs, ours = AutoTokenizer.from_pretrained(area.path(hf_export.hf_dir(RUN))), load_tokenizer(settings.storage)
    for text in ["Silk seam, pleat; collar.", "Write to <EMAIL> or call <PHONE>.", "<|endoftext|>Wool é drape  \n"]:
        assert theirs(text)["input_ids"] == ours.encode(text, add_special_tokens=False).ids
        assert theirs.decode(theirs(text)["input_ids"]) == text


def test_gate_passes_and_a_corrupted_weight_fails_with_the_largest_difference(exported, tmp_path):
    settings, area = exported
    tables = hf_export.gate_tables(area, settings, [RUN.key])
    row = tables["checkpoints_hf"].iloc[0]
    assert row["max_abs_logit_diff"] <= 1e-4 and row["greedy_mismatches"] == 0 and row["tokenizer_match"]
    parameters = {"max_logit_diff": hf_export.MAX_LOGIT_DIFF}
    assert gx.validate("checkpoints_hf", tables["checkpoints_hf"], parameters).success

    bad = Storage(str(tmp_path / "bad"))
    for name in area.glob(f"{hf_export.hf_dir(RUN)}/*"):
        bad.write_bytes(name, area.read_bytes(name))
    path = bad.path(f"{hf_export.hf_dir(RUN)}/model.safetensors")
    weights = load_file(path)
    weights["transformer.h.0.mlp.c_fc.weight"][0, :] += 0.5
    save_file(weights, path, metadata={"format": "pt"})
    table = hf_export.gate_tables(bad, settings, [RUN.key])["checkpoints_hf"]
    outcome = gx.validate("checkpoints_hf", table, parameters)
    assert not outcome.success
    largest = float(table["max_abs_logit_diff"].max())
    assert largest > 1e-2
    message = " ".join(f.describe() for f in outcome.failed)
    assert "max_abs_logit_diff" in message and f"{largest:.6g}"[:5] in message


def test_a_rope_swiglu_checkpoint_exports_as_stablelm_and_passes_its_gate(exported, tmp_path):
    settings, _ = exported
    published = Storage(str(tmp_path / "published"))
    for name in settings.storage.glob("tokenized/**"):
        if not name.endswith("/") and "." in name.rsplit("/", 1)[-1]:
            published.write_bytes(name, settings.storage.read_bytes(name))
    rope = make_settings(published.root, max_iters=10, checkpoint_interval=10, rope=True, swiglu=True)
    train.train(rope, published, RUN)
    area = Storage(str(tmp_path / "area"))
    assert hf_export.export_runs(rope, area, [RUN.key])[0]["architecture"] == "StableLmForCausalLM"
    table = hf_export.gate_tables(area, rope, [RUN.key])["checkpoints_hf"]
    assert gx.validate("checkpoints_hf", table, {"max_logit_diff": hf_export.MAX_LOGIT_DIFF}).success, table.to_dict("records")


def test_export_is_byte_identical(exported, tmp_path):
    settings, area = exported
    again = Storage(str(tmp_path / "again"))
    hf_export.export_runs(settings, again, [RUN.key])
    for name in area.glob(f"{hf_export.hf_dir(RUN)}/*"):
        assert again.read_bytes(name) == area.read_bytes(name), name


def test_learned_positions_with_swiglu_are_refused_by_name():
    with pytest.raises(hf_export.ExportError, match="train.swiglu: true and train.rope: false"):
        hf_export.architecture(GPTConfig(vocab_size=50, rope=False, swiglu=True))


@pytest.mark.parametrize("rope,swiglu,name", [(False, False, "GPT2LMHeadModel"), (True, False, "GPTNeoXForCausalLM"), (True, True, "StableLmForCausalLM")])
def test_every_exportable_configuration_reproduces_our_logits(rope, swiglu, name, tmp_path):
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=64, block_size=16, n_layer=2, n_head=4, n_embd=32, rope=rope, swiglu=swiglu)).eval()
    for p in model.parameters():  # LayerNorm gains and biases away from 1 and 0
        p.data += 0.05 * torch.randn_like(p)
    hf_export.to_transformers(model, eot_id=0).save_pretrained(tmp_path)
    loaded = AutoModelForCausalLM.from_pretrained(tmp_path, dtype=torch.float32).eval()
    assert type(loaded).__name__ == name
    x = torch.randint(64, (3, 16))
    with torch.no_grad():
        assert (model(x)[0] - loaded(input_ids=x).logits).abs().max() < 1e-4
        greedy = loaded.generate(x[:, :4], do_sample=False, max_new_tokens=12, eos_token_id=None)
    assert torch.equal(greedy, model.generate(x[:, :4], 12, greedy=True))


def test_other_stages_do_not_import_transformers_or_lm_eval():
    script = "import sys, orchestration.definitions; print(sorted(m for m in ('transformers', 'lm_eval', 'datasets') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=PROJECT, env={"PYTHONPATH": str(PROJECT), "PATH": ""})
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "[]"


def test_dagster_exports_after_the_checkpoint_and_its_gate_blocks_a_bad_export(tokenized_root, tmp_path, monkeypatch):
    """In Dagster: hf_checkpoint follows the checkpoint's partitions, its blocking gate publishes
    checkpoints/<arm>/hf/; a corrupted weight fails the gate with the largest difference and
    nothing is published."""
    import shutil

    import dagster as dg

    from assets.core.dagster_resource import AtelierSettings
    from orchestration.definitions import defs
    from tests.checkpoints.conftest import TRAIN
    from tests.conftest import write_params

    data = tmp_path / "data"
    shutil.copytree(tokenized_root / "tokenized", data / "tokenized")
    (tmp_path / "sources.yaml").write_text("sources: []\n")
    resources = {"atelier": AtelierSettings(params_path=str(write_params(tmp_path / "params.yaml", {"train": {**TRAIN, "max_iters": 20}})),
                                            sources_path=str(tmp_path / "sources.yaml"), storage_root=str(data)),
                 "pipes_subprocess_client": dg.PipesSubprocessClient()}
    everything = [*defs.assets, *defs.asset_checks]
    graph = defs.resolve_asset_graph()
    assert graph.get(dg.AssetKey("hf_checkpoint")).partitions_def == graph.get(dg.AssetKey("checkpoint")).partitions_def

    def checks_of(result):
        return {e.asset_check_evaluation_data.check_name: e.asset_check_evaluation_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"}

    result = dg.materialize(everything, selection=dg.AssetSelection.groups("checkpoints"), partition_key=RUN.key, resources=resources, raise_on_error=False)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    assert checks_of(result)["checkpoints_hf_gate"].passed
    published = data / RUN.folder / "hf"
    assert (published / "model.safetensors").exists() and (data / RUN.folder / "model.safetensors").exists()
    good = (published / "model.safetensors").read_bytes()

    real = hf_export.hf_state_dict

    def corrupted(model):
        tensors = real(model)
        weight = tensors["transformer.h.0.attn.c_proj.weight"]
        # not a constant shift: LayerNorm would remove that one, and the logits would rightly agree
        tensors["transformer.h.0.attn.c_proj.weight"] = weight + 0.3 * torch.randn(weight.shape, generator=torch.Generator().manual_seed(0))
        return tensors

    monkeypatch.setattr(hf_export, "hf_state_dict", corrupted)
    result = dg.materialize(everything, selection=dg.AssetSelection.assets("hf_checkpoint"), partition_key=RUN.key, resources=resources, raise_on_error=False)
    gate = checks_of(result)["checkpoints_hf_gate"]
    assert not result.success and not gate.passed, gate.description
    assert "max_abs_logit_diff" in gate.description and "observed" in gate.description, gate.description
    assert (published / "model.safetensors").read_bytes() == good, "the failed export was not published"
