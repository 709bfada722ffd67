import json

from benchmarks.ablation import write_result


def _metrics(sentence: str) -> dict:
    arm = {"known_acc": 0.7, "known_acc_lo": 0.6, "known_acc_hi": 0.8}
    return {"verdict": {"sentence": sentence}, "raw": {**arm, "known_acc": 0.3}, "curated_graph": arm, "differences": {}, "heldout": {"documents_by_set": {}}}


def test_a_blocked_report_is_summarised_from_staging_under_the_gate_failure(tmp_path):
    """The reports gate failed: nothing published, so the benchmark reads the audited report in
    staging and says, first, that it was not published and why; a published report is read as is."""
    (tmp_path / "chain.log").write_text("reports       FAILED     360.2\nfailed gate eval_report:reports_gate:\n"
                                        "  - reports_privacy: expect_column_values_to_be_between(regurgitation): 8 unexpected\n")
    staged = tmp_path / "data" / "_staging" / "run-1" / "reports" / "reports"
    staged.mkdir(parents=True)
    (staged / "metrics.json").write_text(json.dumps(_metrics("staged verdict")))
    (tmp_path / "data" / "checkpoints").mkdir()
    run = {"docs": 10, "house_seed": 59, "seeds": 3, "wall_s": 1.0, "chain_exit": 1, "overrides": {}}
    assert write_result(tmp_path, run) == 1
    md = (tmp_path / "ablation.md").read_text()
    assert md.index("Not published: the reports gate failed") < md.index("staged verdict") and "expect_column_values_to_be_between(regurgitation)" in md
    result = json.loads((tmp_path / "ablation.json").read_text())
    assert result["gate_failures"] and result["report"].endswith("_staging/run-1/reports/reports/report.html")
    assert result["stage_seconds"] == {"reports": 360.2}

    published = tmp_path / "data" / "reports"
    published.mkdir()
    (published / "metrics.json").write_text(json.dumps(_metrics("published verdict")))
    assert write_result(tmp_path, {**run, "chain_exit": 0}) == 0
    md = (tmp_path / "ablation.md").read_text()
    assert "published verdict" in md and "Not published" not in md
