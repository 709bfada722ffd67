"""Schedules, sensors and the CLI's partition ranges agree with the definitions."""

import datetime as dt
import os
import time

import dagster as dg

from orchestration import stage
from orchestration.definitions import defs
from orchestration.schedules import nightly_refresh, source_file_sensor


def test_definitions_load_as_the_ui_and_cli_load_them():
    dg.Definitions.validate_loadable(defs)  # resolves every job: a job mixing partitions definitions fails here


def test_the_chain_roots_are_unpartitioned_so_materialize_all_backfills_every_partition():
    # The UI anchors *Materialize all* on partitioned roots when there are any, and then targets
    # only partitions reachable from them through partitioned assets: never the recipes.
    graph = defs.resolve_asset_graph()
    roots = [k for k in graph.get_all_asset_keys() if not graph.get(k).parent_keys]
    assert roots and all(graph.get(k).partitions_def is None for k in roots), roots


def test_each_run_of_stage_all_has_one_partitions_definition_and_all_run_in_order():
    graph = defs.resolve_asset_graph()
    assert [g for run in stage.RUNS_OF_ALL for g in run] == stage.GROUPS
    for run in stage.RUNS_OF_ALL:
        defs_in_run = {graph.get(k).partitions_def for k in graph.get_all_asset_keys() if graph.get(k).group_name in run} - {None}
        assert len(defs_in_run) <= 1, run
    assert stage.partition_keys("checkpoints") == ["raw-s0", "curated-s0", "curated_graph-s0"]  # params.yaml: three arms, one seed


def test_stage_cli_partition_ranges_match_the_definitions():
    graph = defs.resolve_asset_graph()
    for group in stage.GROUPS:
        keys = None
        for key in graph.get_all_asset_keys():
            node = graph.get(key)
            if node.group_name == group and node.partitions_def is not None:
                keys = list(node.partitions_def.get_partition_keys())
        assert stage.partition_keys(group) == keys, group


def test_every_asset_in_one_of_five_groups_and_every_asset_gated():
    graph = defs.resolve_asset_graph()
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert groups == {"raw", "cleaned", "tokenized", "checkpoints", "reports"}
    checked = {c.asset_key for c in graph.asset_check_keys}
    assert checked == set(graph.get_all_asset_keys())
    assert all(spec.blocking for chk in defs.asset_checks for spec in chk.check_specs)


def test_nightly_schedule_requests_every_source():
    context = dg.build_schedule_context(scheduled_execution_time=dt.datetime(2026, 11, 29, 2, tzinfo=dt.timezone.utc))
    requests = list(nightly_refresh(context))
    assert sorted(r.partition_key for r in requests) == sorted(stage.partition_keys("raw"))


def test_sensor_requests_only_the_source_whose_files_changed(project_env, sample_house, tmp_path):
    first = {r.partition_key: r.run_key for r in source_file_sensor(dg.build_sensor_context())}
    assert set(first) == set(stage.partition_keys("raw"))
    from assets.core.settings import load_settings

    settings = load_settings()
    source = settings.sources[0]
    import fsspec

    path = sorted(fsspec.filesystem("file").glob(source.uri))[0]
    stamp = os.path.getmtime(path) + 10
    os.utime(path, (stamp, stamp))
    second = {r.partition_key: r.run_key for r in source_file_sensor(dg.build_sensor_context())}
    changed = {k for k in first if first[k] != second[k]}
    assert changed == {source.name}
