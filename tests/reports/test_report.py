import json
import re
import shutil

import pandas as pd
import pytest

from assets.cleaned.graph.paths import QA
from assets.core.storage import Storage
from assets.reports import report


@pytest.fixture(scope="module")
def built(world, tmp_path_factory):
    root, settings = world
    out = Storage(str(tmp_path_factory.mktemp("out")))
    return settings, out, report.build_reports(settings, out)


def moved(settings, root):
    return type(settings)(**{**settings.model_dump(include={"params_path", "sources_path"}), "params": settings.params,
                             "sources_file": settings.sources_file, "storage_root": str(root)})


def test_metrics_hold_every_arm_with_intervals_differences_qa_and_privacy(built):
    settings, out, metrics = built
    assert out.read_json(report.METRICS) == metrics
    for arm in ("curated_graph", "raw"):
        m = metrics[arm]
        assert 0 < m["bits_per_byte_lo"] <= m["bits_per_byte"] <= m["bits_per_byte_hi"] < 10 and set(m["bits_per_byte_by_source"]) == {"catalog", "lookbook"}
        for figure in ("known_acc", "known_acc_norm", "known_exact_match", "unseen_acc", "unseen_exact_match"):
            assert 0 <= m[f"{figure}_lo"] <= m[figure] <= m[f"{figure}_hi"] <= 1, figure
        assert m["seeds"] == 2 and {"canary_max_exposure", "extracted"} <= set(m)
        for seed in (0, 1):
            assert metrics["privacy"]["extraction"][f"{arm}-s{seed}"]["prompts"] == 2
            assert metrics["privacy"]["canaries"][f"{arm}-s{seed}"]["canaries"] == 2
        assert set(metrics["privacy"]["contamination"][arm]) == {"heldout", "qa_known", "qa_unseen"}
    diff = metrics["differences"]["curated_graph - raw"]["bits_per_byte"]
    assert diff["mean"] == pytest.approx(metrics["curated_graph"]["bits_per_byte"] - metrics["raw"]["bits_per_byte"], abs=1e-5)
    # the raw model never saw the held-out text's style without spam: the house model fits it better, beyond doubt
    assert diff["hi"] < 0
    assert metrics["qa"]["known"] == {"questions": 3, "chance": pytest.approx(1 / 3)}
    # each frame scored apart: the known and unseen questions here share one, asked 3 times in each set
    assert [(r["set"], r["phrasing"], r["questions"]) for r in metrics["qa_by_phrasing"]] == [("known", "{s} is made of", 3), ("unseen", "{s} is made of", 3)]
    assert metrics["heldout"]["documents"] == 6 and metrics["heldout"]["sources"][1]["held_out"] == 0
    assert [r["budget_matches"] for r in metrics["integrity"]] == [True] * 4
    assert [s["prompt"] for s in metrics["samples"]] == ["The collar is", "Silk"] and set(metrics["samples"][0]) == {"prompt", "raw", "curated+graph"}


def test_verdict_opens_the_report_with_figures_and_intervals(built):
    _, out, metrics = built
    sentence = metrics["verdict"]["sentence"]
    assert sentence.startswith("At equal compute (") and "2 seeds per arm" in sentence and "curated+graph model answers" in sentence
    assert re.search(r"held-out bits per byte \d\.\d{3} \[\d\.\d{3}–\d\.\d{3}\] vs raw", sentence)
    bpb = next(f for f in metrics["verdict"]["findings"] if f["finding"] == "bpb_below_raw")
    assert bpb["holds"] is True and bpb["gated"] and not bpb["blocks"]
    assert "every held-out document" in sentence and "all_heldout_bits_per_byte" in metrics["curated_graph"]
    everything = next(f for f in metrics["verdict"]["findings"] if f["finding"] == "all_heldout_bpb_below_raw")
    assert not everything["gated"] and not everything["blocks"]  # reported beside the headline, never gated
    page = out.read_text(report.REPORT)
    assert page.index("Verdict") < page.index("Arms at equal compute") < page.index("Sample generations") < page.index("Canary exposure")


def test_reports_are_byte_identical_on_a_rerun(built, tmp_path):
    settings, out, _ = built
    again = Storage(str(tmp_path / "again"))
    report.build_reports(settings, again)
    files = out.glob("reports/**/*.*")
    assert len(files) > 15 and files == again.glob("reports/**/*.*")
    for name in files:
        assert out.read_bytes(name) == again.read_bytes(name), name


def test_html_is_self_contained_with_its_plots(built):
    _, out, _ = built
    page = out.read_text(report.REPORT)
    assert len(re.findall(r"src='data:image/png;base64,[A-Za-z0-9+/=]{200,}'", page)) == 6
    assert "http" not in page and "<script" not in page
    assert "Knowledge questions per phrasing" in page and "{s} is made of" in page
    card = out.read_text(report.CARD)
    assert "## Known limits" in card and "## Verdict" in card and "curated_graph.known_acc_lo" in card
    metadata = report.report_metadata(out)
    assert metadata["arms_plot"].endswith("reports/plots/arms.png") and "known_acc" in metadata["metrics"] and metadata["verdict"].startswith("At equal")


def test_the_gate_passes_a_good_model_and_stops_a_leaky_one(built, tmp_path):
    from orchestration.gx import validate

    settings, out, _ = built
    tables = report.gate_tables(out, settings)
    parameters = report.gate_parameters(settings)
    for suite, table in tables.items():
        assert validate(suite, table, parameters).success, suite
    assert not validate("reports_privacy", tables["reports_privacy"].assign(extracted=[0, 0, 1, 0]), parameters).success
    # membership and regurgitation block on what the data show: the AUC's 95% lower bound, the verbatim share
    # membership is reported, gated only once params set a threshold
    assert tables["reports_privacy"]["membership_auc_lo"].isna().all()
    gating = settings.model_copy(update={"params": settings.params.model_copy(update={"evaluate": settings.params.evaluate.model_copy(update={"max_membership_auc": 0.6})})})
    leaky_metrics = out.read_json(report.METRICS)
    leaky_metrics["privacy"]["membership"] = {run: {"best_auc": 0.8, "best_auc_lo": 0.75 if i == 2 else 0.5} for i, run in enumerate(leaky_metrics["privacy"]["canaries"])}
    leaky_area = Storage(str(tmp_path / "membership"))
    leaky_area.write_json(report.METRICS, leaky_metrics)
    gated_table = report.gate_tables(leaky_area, gating)["reports_privacy"]
    assert gated_table["membership_auc_lo"].tolist() == [0.5, 0.5, 0.75, 0.5]
    assert not validate("reports_privacy", gated_table, report.gate_parameters(gating)).success
    assert validate("reports_privacy", gated_table.assign(membership_auc_lo=0.5), report.gate_parameters(gating)).success
    assert not validate("reports_privacy", tables["reports_privacy"].assign(regurgitation_lo=[0.0, 0.0, 0.2, 0.0]), parameters).success
    assert validate("reports_privacy", tables["reports_privacy"].assign(regurgitation_lo=[0.0, 0.0, 0.0003, 0.0]), parameters).success  # 1 of 75 windows
    leaky_redaction = pd.DataFrame([{"type": "ACCOUNT", "planted": 21, "leaked": 4, "recall": 0.80952, "target": 0.995, "shortfall": 0.18548},
                                    {"type": "EMAIL", "planted": 35, "leaked": 0, "recall": 1.0, "target": 0.995, "shortfall": -0.005}])
    assert not validate("reports_redaction", leaky_redaction, parameters).success
    assert validate("reports_redaction", leaky_redaction.iloc[1:], parameters).success
    # canary exposure is gated only for runs trained with train.dp (a promised bound), on canaries inserted once
    assert tables["reports_privacy"]["canary_max_exposure"].isna().all()
    metrics = out.read_json(report.METRICS)
    once = {run: c["by_repetitions"]["1"]["max_exposure"] for run, c in metrics["privacy"]["canaries"].items()}
    metrics["privacy"]["dp"] = {run: {"epsilon": 8.0} for run in once}
    dp_area = Storage(str(tmp_path))
    dp_area.write_json(report.METRICS, metrics)
    dp = report.gate_tables(dp_area, settings)["reports_privacy"]
    assert dp.set_index("run")["canary_max_exposure"].to_dict() == once
    assert not validate("reports_privacy", dp, {**parameters, "max_canary_exposure": min(once.values()) - 0.01}).success
    assert not validate("reports_metrics", tables["reports_metrics"], {**parameters, "max_bpb": 0.5}).success
    # a finding that does not hold blocks only when params say so
    assert validate("reports_verdict", tables["reports_verdict"].assign(holds=False), parameters).success
    assert not validate("reports_verdict", tables["reports_verdict"].assign(blocks=True), parameters).success


def test_a_missing_arm_or_an_unequal_budget_fails_the_gate_naming_the_arm(world, tmp_path):
    from orchestration.gx import validate

    root, settings = world
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    shutil.rmtree(copy / "tokenized" / "ablation" / "raw")  # the raw arm's shards are gone
    config = copy / "checkpoints" / "curated_graph" / "s1" / "config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "tokens": 123}))  # trained on another budget
    out = Storage(str(tmp_path / "out"))
    metrics = report.build_reports(moved(settings, copy), out)  # the report is still written
    assert "raw" not in metrics and "curated_graph" in metrics
    table = report.gate_tables(out, settings)["reports_integrity"]
    outcome = validate("reports_integrity", table)
    assert not outcome.success
    bad = table.loc[~table["shards_present"] | ~table["budget_matches"]]
    assert set(bad["run"]) == {"raw-s0", "raw-s1", "curated_graph-s1"}
    row = bad.set_index("run").loc["curated_graph-s1"]
    assert row["tokens_trained"] == 123 and row["token_budget"] == 200 * 16 * 64



def test_a_house_without_catalog_or_ground_truth_still_gets_its_report(world, tmp_path):
    """No `entities` mapping: an empty question set; no ground truth: nothing planted to attack for.
    The report is written and says both in words."""
    import pyarrow as pa

    root, settings = world
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    storage = Storage(str(copy))
    questions = storage.read_parquet(f"{QA}/questions.parquet")
    storage.write_parquet(f"{QA}/questions.parquet", pa.Table.from_pylist([], schema=questions.schema))
    bare = type(settings)(**{**settings.model_dump(include={"params_path", "sources_path"}), "params": settings.params,
                             "sources_file": settings.sources_file.model_copy(update={"ground_truth": None}), "storage_root": str(copy)})
    out = Storage(str(tmp_path / "out"))
    metrics = report.build_reports(bare, out)
    assert metrics["qa"] == {} and all(e["prompts"] == 0 for e in metrics["privacy"]["extraction"].values())
    page = out.read_text(report.REPORT)
    assert report.NO_QUESTIONS_WORDS in page and "no known client value" in page


def test_a_house_with_no_headline_held_out_document_still_gets_its_report(world, tmp_path):
    """Every held-out document judged low quality: no headline bits per byte. The report is still
    written; the verdict says why in words, the bits-per-byte finding is not shown, and the sanity
    bound reads every held-out document instead."""
    import html

    from assets.cleaned.graph.paths import HELDOUT_DOCS, HELDOUT_LOW
    from assets.reports.verdict import NO_HEADLINE_WORDS

    root, settings = world
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    storage = Storage(str(copy))
    ids = storage.read_parquet(HELDOUT_DOCS, columns=["doc_id"]).column("doc_id").to_pylist()
    storage.write_json(HELDOUT_LOW, {d: "gopher_quality.gopher_short_doc" for d in ids})
    out = Storage(str(tmp_path / "out"))
    metrics = report.build_reports(moved(settings, copy), out)
    assert "bits_per_byte" not in metrics["curated_graph"] and "all_heldout_bits_per_byte" in metrics["curated_graph"]
    assert NO_HEADLINE_WORDS in metrics["verdict"]["sentence"]
    bpb = next(f for f in metrics["verdict"]["findings"] if f["finding"] == "bpb_below_raw")
    assert bpb["holds"] is False and bpb["evidence"] == NO_HEADLINE_WORDS
    assert html.escape(NO_HEADLINE_WORDS) in out.read_text(report.REPORT)
    sanity = report.gate_tables(out, settings)["reports_metrics"]
    assert sanity["bits_per_byte"].tolist() == [metrics["curated_graph"]["all_heldout_bits_per_byte"]]
