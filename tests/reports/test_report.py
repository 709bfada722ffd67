import re

import pytest

from assets.core.storage import Storage
from assets.reports import report


@pytest.fixture(scope="module")
def built(world, tmp_path_factory):
    root, settings = world
    out = Storage(str(tmp_path_factory.mktemp("out")))
    return settings, out, report.build_reports(settings, out)


def test_metrics_hold_both_recipes_the_ablation_qa_and_privacy(built):
    settings, out, metrics = built
    assert out.read_json(report.METRICS) == metrics
    for recipe in ("curated", "raw"):
        m = metrics[recipe]
        assert 0 < m["bits_per_byte"] < 10 and set(m["bits_per_byte_by_source"]) == {"catalog", "lookbook"}
        assert {"qa_acc", "qa_acc_norm", "canary_max_exposure", "extracted", "byte_perplexity"} <= set(m)
        assert metrics["privacy"]["extraction"][recipe]["prompts"] == 2
        assert metrics["privacy"]["canaries"][recipe]["canaries"] == 2
        assert set(metrics["privacy"]["contamination"][recipe]) == {"heldout", "qa"}
    assert metrics["ablation"]["bits_per_byte"] == pytest.approx(metrics["curated"]["bits_per_byte"] - metrics["raw"]["bits_per_byte"], abs=1e-5)
    # the raw model never saw the held-out text's style without spam: the curated one fits it better
    assert metrics["ablation"]["bits_per_byte"] < 0
    assert metrics["qa"]["chance"] == pytest.approx(1 / 3) and metrics["qa"]["questions"] == 4
    assert metrics["heldout"]["documents"] == 6


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
    assert len(re.findall(r"src='data:image/png;base64,[A-Za-z0-9+/=]{200,}'", page)) == 4
    assert "http" not in page and "<script" not in page
    card = out.read_text(report.CARD)
    assert "## Known limits" in card and "curated.bits_per_byte" in card and "ablation.bits_per_byte" in card
    metadata = report.report_metadata(out)
    assert metadata["loss_plot"].endswith("reports/plots/loss.png") and "| bits_per_byte |" in metadata["metrics"]


def test_the_gate_passes_a_good_model_and_stops_a_leaky_one(built):
    from orchestration.gx import validate

    settings, out, _ = built
    tables = report.gate_tables(out, settings)
    parameters = {**report.gate_parameters(settings), "min_qa_over_chance": -1.0}
    for suite, table in tables.items():
        assert validate(suite, table, parameters).success, suite
    leaky = tables["reports_metrics"].assign(extracted=1)
    assert not validate("reports_metrics", leaky, parameters).success
    assert not validate("reports_metrics", tables["reports_metrics"], {**parameters, "max_bpb": 0.5}).success
    assert not validate("reports_ablation", tables["reports_ablation"].assign(bits_per_byte_curated_minus_raw=0.1), parameters).success


def test_a_missing_raw_checkpoint_is_an_error_not_a_silent_skip(world, tmp_path):
    root, settings = world
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    shutil.rmtree(copy / "checkpoints" / "raw")
    with pytest.raises(Exception, match="checkpoints/raw"):
        moved = type(settings)(**{**settings.model_dump(include={"params_path", "sources_path"}), "params": settings.params,
                                  "sources_file": settings.sources_file, "storage_root": str(copy)})
        report.build_reports(moved, Storage(str(tmp_path / "out")))


def test_a_house_without_catalog_or_ground_truth_still_gets_its_report(world, tmp_path):
    """No `entities` mapping: an empty question set; no ground truth: nothing planted to attack for.
    The report is written and says both in words."""
    import shutil

    import pyarrow as pa

    root, settings = world
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    questions = Storage(str(copy)).read_parquet(f"{report.QA_DIR}/questions.parquet")
    Storage(str(copy)).write_parquet(f"{report.QA_DIR}/questions.parquet", pa.Table.from_pylist([], schema=questions.schema))
    sources = settings.sources_file.model_copy(update={"ground_truth": None})
    bare = type(settings)(**{**settings.model_dump(include={"params_path", "sources_path"}), "params": settings.params,
                             "sources_file": sources, "storage_root": str(copy)})
    out = Storage(str(tmp_path / "out"))
    metrics = report.build_reports(bare, out)
    assert metrics["qa"]["questions"] == 0 and metrics["privacy"]["extraction"]["curated"]["prompts"] == 0
    page = out.read_text(report.REPORT)
    assert report.NO_QUESTIONS_WORDS in page and "no known client value" in page
