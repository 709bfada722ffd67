"""A real S3 endpoint for the tests: moto's server on 127.0.0.1, a free port, one per session.

The AWS settings point every client (s3fs, boto3, DVC, dagster-aws) at it, with throwaway
credentials; the server is stopped and the settings restored even when a test fails.
"""

from __future__ import annotations

import logging
import socket
import urllib.request
import uuid

import pytest

REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server():
    """The endpoint URL of a running moto S3 server; AWS_* environment set for the session."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ENDPOINT_URL", endpoint)
        env.setenv("AWS_ACCESS_KEY_ID", "atelier-test")
        env.setenv("AWS_SECRET_ACCESS_KEY", "atelier-test-secret")
        env.setenv("AWS_DEFAULT_REGION", REGION)
        env.delenv("AWS_PROFILE", raising=False)
        env.delenv("AWS_ENDPOINT_URL_S3", raising=False)
        env.setenv("ATELIER_S3_CONNECT_TIMEOUT", "2")
        server.start()
        try:
            yield endpoint
        finally:
            server.stop()


def make_bucket(endpoint: str, name: str | None = None) -> str:
    import boto3

    name = name or f"atelier-{uuid.uuid4().hex[:10]}"
    boto3.client("s3", endpoint_url=endpoint, region_name=REGION).create_bucket(Bucket=name)
    return name


@pytest.fixture
def bucket(s3_server) -> str:
    """A fresh, empty bucket on a freshly reset server."""
    request = urllib.request.Request(f"{s3_server}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()
    return make_bucket(s3_server)
