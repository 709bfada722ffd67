"""The cluster instance configurations (deploy/ecs, deploy/k8s) load and validate without a cloud:
Dagster's instance schema, then every configurable class (run launcher, run coordinator,
compute log manager, storage) checked against its own config schema, and instantiated where that
needs no live service (ECS and S3 against moto's server, Kubernetes with an offline kubeconfig)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from dagster._config import process_config
from dagster._core.instance.config import dagster_instance_config
from dagster._serdes.config_class import ConfigurableClassData, class_from_code_pointer

PROJECT = Path(__file__).resolve().parents[2]
VARIANTS = ["ecs", "k8s"]
CLASSES = ["run_launcher", "run_coordinator", "compute_logs"]

KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: not-a-real-token}}]
contexts: [{name: x, context: {cluster: c, user: u, namespace: atelier}}]
current-context: x
"""


@pytest.fixture
def cluster_env(bucket, monkeypatch, tmp_path):
    import boto3

    ecs = boto3.client("ecs")
    arn = ecs.register_task_definition(
        family="atelier-run",
        containerDefinitions=[{"name": "run", "image": "atelier:latest", "memory": 512}],
    )["taskDefinition"]["taskDefinitionArn"]
    env = {
        "ATELIER_ECS_TASK_DEFINITION": arn,
        "ATELIER_LOG_BUCKET": bucket,
        "ATELIER_IMAGE": "registry.example/atelier:1",
        "DAGSTER_PG_HOST": "db",
        "DAGSTER_PG_USER": "dagster",
        "DAGSTER_PG_PASSWORD": "unused",
        "DAGSTER_PG_DB": "dagster",
        "AWS_REGION": "us-east-1",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG)
    return kubeconfig


def load(variant: str, tmp_path: Path) -> dict:
    home = tmp_path / variant
    home.mkdir()
    shutil.copy(PROJECT / "deploy" / variant / "dagster.yaml", home / "dagster.yaml")
    config, _ = dagster_instance_config(str(home))
    return config


def check_class(entry: dict) -> tuple[type, dict]:
    """Resolve `module`/`class` and validate `config` against the class's own schema."""
    cls = class_from_code_pointer(entry["module"], entry["class"])
    result = process_config(cls.config_type(), entry.get("config") or {})
    assert result.success, [error.message for error in result.errors]
    return cls, result.value


@pytest.mark.parametrize("variant", VARIANTS)
def test_instance_config_validates_and_launcher_loads(variant, cluster_env, tmp_path):
    config = load(variant, tmp_path)
    for key in CLASSES:
        check_class(config[key])
    from dagster_postgres import PostgresRunStorage

    result = process_config(PostgresRunStorage.config_type(), config["storage"]["postgres"])
    assert result.success, [error.message for error in result.errors]

    launcher = dict(config["run_launcher"])
    if variant == "k8s":  # outside a cluster: the same launcher from an offline kubeconfig
        launcher["config"] = {**launcher["config"], "load_incluster_config": False, "kubeconfig_file": str(cluster_env)}
    for entry in (launcher, config["run_coordinator"], config["compute_logs"]):
        instance = ConfigurableClassData(entry["module"], entry["class"], yaml.safe_dump(entry.get("config") or {})).rehydrate(object)
        assert type(instance).__name__ == entry["class"]
    coordinator = config["run_coordinator"]["config"]
    assert {"key": "dagster/partition", "value": {"applyLimitPerUniqueValue": True}, "limit": 1} in coordinator["tag_concurrency_limits"]
    assert "ATELIER_STORAGE" in yaml.safe_dump(config["run_launcher"])


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_typo_in_the_launcher_config_is_rejected(variant, cluster_env, tmp_path):
    config = load(variant, tmp_path)
    entry = dict(config["run_launcher"])
    entry["config"] = {**entry["config"], "contaner_name_typo": "run"}
    with pytest.raises(AssertionError, match="contaner_name_typo"):
        check_class(entry)


@pytest.mark.e2e
def test_definitions_validate_with_the_root_on_s3(bucket, project_env):
    env = dict(project_env, ATELIER_STORAGE=f"s3://{bucket}/atelier")
    dagster = str(Path(sys.executable).parent / "dagster")
    result = subprocess.run([dagster, "definitions", "validate", "-m", "orchestration.definitions"],
                            cwd=PROJECT, env={**os.environ, **env}, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def test_k8s_training_workers_run_the_assets_torchrun_command(tmp_path):
    """The worker nodes' command is the one the checkpoint asset runs on node 0 (same flags)."""
    import re

    from kubernetes import client

    from assets.checkpoints.worker import torchrun_command
    from assets.core.settings import load_settings

    documents = list(yaml.safe_load_all((PROJECT / "deploy" / "k8s" / "train-workers.yaml").read_text()))
    service, job = documents
    assert service["kind"] == "Service" and service["spec"]["clusterIP"] == "None"
    api = client.ApiClient()
    parsed = api._ApiClient__deserialize(job, "V1Job")  # the official model: unknown fields fail
    assert parsed.spec.completion_mode == "Indexed" and parsed.spec.completions == parsed.spec.parallelism
    container = parsed.spec.template.spec.containers[0]
    env = {item.name: item.value for item in container.env}
    command = [re.sub(r"\$\((\w+)\)", lambda m: env[m.group(1)], part) for part in container.command]

    settings = load_settings(PROJECT / "params.yaml", PROJECT / "sources.yaml", env["ATELIER_STORAGE"])
    expected = torchrun_command(settings, env["ATELIER_CHECKPOINT_RUN"], nproc=int(env["ATELIER_TRAIN_NPROC"]),
                                nnodes=int(env["ATELIER_TRAIN_NNODES"]), rdzv_endpoint=env["ATELIER_RDZV_ENDPOINT"])
    expected[0] = "python"  # the image's interpreter
    paths = {settings.params_path: env["ATELIER_PARAMS"], settings.sources_path: env["ATELIER_SOURCES"]}
    assert command == [paths.get(part, part) for part in expected]
    assert int(env["ATELIER_TRAIN_NNODES"]) - 1 == parsed.spec.completions
