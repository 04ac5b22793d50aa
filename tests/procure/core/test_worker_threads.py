"""Torch threads are pinned per worker process from EVAL_TORCH_THREADS."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

# A fresh process, as a pool process starts: the worker_process_init handlers run, then we read
# what torch uses.
START_POOL_PROCESS = """
import django
django.setup()
from celery.signals import worker_process_init
import procure.celery
worker_process_init.send(sender=None)
import torch
print(torch.get_num_threads())
"""


def threads_in_a_new_pool_process(setting: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "procure.settings.test",
        "EVAL_TORCH_THREADS": setting,
    }
    return subprocess.run(
        [sys.executable, "-c", START_POOL_PROCESS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_a_pool_process_runs_torch_on_the_configured_number_of_threads() -> None:
    pinned = threads_in_a_new_pool_process("1")
    default = threads_in_a_new_pool_process("0")

    assert pinned.returncode == 0, pinned.stderr
    assert pinned.stdout.split()[-1] == "1"
    assert default.returncode == 0, default.stderr
    assert int(default.stdout.split()[-1]) == len(os.sched_getaffinity(0))


def test_a_negative_thread_count_is_refused_at_start() -> None:
    refused = threads_in_a_new_pool_process("-2")

    assert refused.returncode != 0
    assert "EVAL_TORCH_THREADS must be 0 (torch's default) or more" in refused.stderr
