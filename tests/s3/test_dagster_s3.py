"""dagster-aws's S3Resource built from the environment reaches the endpoint without holding keys."""

from __future__ import annotations

import os

import pytest

from assets.core.s3 import check_bucket, s3_resource_from_env
from assets.core.storage import Storage, StorageError


def test_resource_from_env_reaches_the_bucket_and_holds_no_keys(bucket):
    resource = s3_resource_from_env()
    assert resource.endpoint_url == os.environ["AWS_ENDPOINT_URL"]
    shown = repr(resource) + str(resource.model_dump())
    assert os.environ["AWS_SECRET_ACCESS_KEY"] not in shown and os.environ["AWS_ACCESS_KEY_ID"] not in shown
    Storage(f"s3://{bucket}/data").write_text("raw/x.txt", "hi")
    client = resource.get_client()
    assert client.get_object(Bucket=bucket, Key="data/raw/x.txt")["Body"].read() == b"hi"
    check_bucket(resource, bucket)


def test_check_bucket_names_a_missing_bucket(s3_server):
    with pytest.raises(StorageError, match=r"check bucket 'atelier-missing' at http://127\.0\.0\.1:\d+: does not exist"):
        check_bucket(s3_resource_from_env(), "atelier-missing")


def test_resource_from_explicit_env():
    resource = s3_resource_from_env({"AWS_ENDPOINT_URL": "http://minio:9000", "AWS_DEFAULT_REGION": "eu-west-3"})
    assert (resource.endpoint_url, resource.region_name, resource.max_attempts) == ("http://minio:9000", "eu-west-3", 3)
