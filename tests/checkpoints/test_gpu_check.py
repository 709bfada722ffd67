"""benchmarks/gpu_check.py measures nothing on a machine without CUDA: it says so and fails."""

import os
import subprocess
import sys

import pytest
import torch

from tests.conftest import PROJECT


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is visible: the check would run for real")
def test_gpu_check_refuses_without_a_device():
    done = subprocess.run([sys.executable, "-m", "benchmarks.gpu_check", "--steps", "1"], capture_output=True, text=True, timeout=300,
                          cwd=PROJECT, env={**os.environ, "PYTHONPATH": str(PROJECT)})
    assert done.returncode != 0 and "no CUDA device visible" in done.stderr and "nothing measured" in done.stderr
    assert not done.stdout.strip()  # no figure printed
