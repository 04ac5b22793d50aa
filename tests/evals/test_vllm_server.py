"""The endpoint path against vLLM's OpenAI-compatible server, on GPU hosts only.

vLLM is the server most buyers run; it accepts token ids, batches, echo with logprobs and states
the context length, so a likelihood suite scores through it as through hf. Skipped, with the
reason, where there is no CUDA GPU or vLLM is not installed (`pip install vllm` on the GPU host).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path

import pytest
import requests

from evals.probe import merged_run_options, probe_endpoint
from evals.runner import run
from evals.spec import ModelSpec, RunSpec
from tests.evals.real_server import ASSETS, chat_checkpoint
from tests.evals.support import CLOZE_TASK, GEN_TASK, hf_model, suite_dir_fixture

__all__ = ["suite_dir_fixture"]  # fixtures by name

pytestmark = [pytest.mark.eval_gpu, pytest.mark.slow]


def _gpu_missing() -> str | None:
    import torch

    if not torch.cuda.is_available():
        return "no CUDA GPU on this host: the vLLM test runs on GPU hosts only"
    if find_spec("vllm") is None:
        return "vLLM is not installed on this GPU host (pip install vllm)"
    return None


@pytest.fixture(scope="module")
def vllm_server() -> Iterator[tuple[str, Path]]:
    missing = _gpu_missing()
    if missing:
        pytest.skip(missing)
    checkpoint = chat_checkpoint(ASSETS)
    port = 18_000 + os.getpid() % 1000
    command = [sys.executable, "-m", "vllm.entrypoints.openai.api_server"]
    command += ["--model", str(checkpoint), "--host", "127.0.0.1", "--port", str(port)]
    command += ["--max-model-len", "128", "--dtype", "float32"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    process = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/health", timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(1)
        else:
            pytest.fail("vLLM did not become ready in 300 s")
        yield f"{base}/v1", checkpoint
    finally:
        process.terminate()
        process.wait(timeout=60)


def test_vllm_answers_every_probe_and_scores_like_hf(
    vllm_server: tuple[str, Path], suite_dir: Path
) -> None:
    base_url, checkpoint = vllm_server
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(checkpoint, local_files_only=True)
    found = probe_endpoint(
        backend="local-completions",
        url=f"{base_url}/completions",
        model=str(checkpoint),
        encode=lambda text: list(tokenizer(text, add_special_tokens=False)["input_ids"]),
    )
    assert found.token_prompts and found.batched_prompts and found.prompt_logprobs
    assert found.context_length == 128

    options = {"base_url": f"{base_url}/completions", "tokenizer": str(checkpoint)}
    served = ModelSpec(
        "local-completions",
        str(checkpoint),
        options=merged_run_options(options, found, "local-completions"),
    )
    tasks = (CLOZE_TASK, GEN_TASK)
    through_vllm = run(RunSpec(served, str(suite_dir), tasks, batch_size=32), warm=False)
    through_hf = run(
        RunSpec(hf_model(checkpoint), str(suite_dir), tasks, batch_size=32), warm=False
    )

    def per_item(result):  # type: ignore[no-untyped-def]
        return {(s.task, s.metric, s.doc_id): s.value for s in result.samples}

    assert per_item(through_vllm) == per_item(through_hf)
