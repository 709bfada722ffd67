"""Dagster's S3 resource (dagster-aws), configured from the usual AWS settings.

Only where to connect goes into the resource: endpoint, region, profile, retries. Credentials
stay with boto3's own chain (environment, profile, instance or task role), so they never enter
Dagster's run config, the UI or the event log.
"""

from __future__ import annotations

import os

from dagster_aws.s3 import S3Resource

from assets.core.storage import StorageError


def s3_resource_from_env(env: dict[str, str] | None = None) -> S3Resource:
    """An S3Resource for the endpoint and region in `env` (default: os.environ)."""
    env = os.environ if env is None else env
    options = {
        "endpoint_url": env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL"),
        "region_name": env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION"),
        "profile_name": env.get("AWS_PROFILE"),
        "max_attempts": int(env.get("ATELIER_S3_RETRIES", "3")),
    }
    return S3Resource(**{key: value for key, value in options.items() if value is not None})


def check_bucket(resource: S3Resource, bucket: str) -> None:
    """Fail with the bucket's name if it is missing, unreachable or denied (before a run writes)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        resource.get_client().head_bucket(Bucket=bucket)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        reason = {"404": "does not exist", "NoSuchBucket": "does not exist", "403": "access denied"}.get(code, code)
        raise StorageError(f"check bucket {bucket!r} at {resource.endpoint_url or 'AWS default'}: {reason}") from exc
    except BotoCoreError as exc:
        raise StorageError(f"check bucket {bucket!r} at {resource.endpoint_url or 'AWS default'}: {exc}") from exc
