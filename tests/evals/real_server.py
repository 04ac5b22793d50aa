"""A real OpenAI-compatible server for the endpoint tests: Hugging Face's `transformers serve`.

It is installed from PyPI with the project (`transformers[serving]`, the transformers version we
pin), serves a tiny checkpoint built offline by `tests.evals.support`, listens on 127.0.0.1 on
a free port and is stopped after the session. Our mock server (`evals.openai_server`) stays for
fault injection; this one shows how a server we did not write really behaves.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.evals.support import tiny_checkpoint

# Kept across sessions, like the other built test models (git-ignored).
ASSETS = Path(__file__).resolve().parents[2] / "var" / "test-assets"

# Renders the user's message as is, so a chat request sends the model exactly the prompt that
# the hf backend and /v1/completions see.
PASS_THROUGH_CHAT_TEMPLATE = "{% for message in messages %}{{ message['content'] }}{% endfor %}"
# Enough training for the model to continue "The licensee may copy the" with " software.":
# real stop sequences in its raw outputs (about 30 s on two cores, once per session).
TRAINING_STEPS = 150
READY_SECONDS = 120


@dataclass(frozen=True)
class RealServer:
    base_url: str  # http://127.0.0.1:PORT/v1
    model: str  # the name the server answers to (the checkpoint directory)
    checkpoint: Path
    log: Path


def chat_checkpoint(root: Path) -> Path:
    """The trained tiny checkpoint with a pass-through chat template, built once and kept in
    `root` across sessions (training is the slow part of these tests on a busy machine)."""
    target = root / f"tiny-chat-{TRAINING_STEPS}"
    if not (target / "config.json").is_file():
        source = tiny_checkpoint(root / "building", max_steps=TRAINING_STEPS)
        partial = root / f"{target.name}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(source, partial)
        config_path = partial / "tokenizer_config.json"
        config = json.loads(config_path.read_text())
        config["chat_template"] = PASS_THROUGH_CHAT_TEMPLATE
        config_path.write_text(json.dumps(config, indent=2))
        shutil.rmtree(target, ignore_errors=True)
        partial.rename(target)
        shutil.rmtree(root / "building", ignore_errors=True)
    return target


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _transformers_cli() -> str:
    cli = Path(sys.executable).with_name("transformers")
    if not cli.exists():
        pytest.fail("`transformers serve` is missing: run `make install` (transformers[serving]).")
    return str(cli)


@pytest.fixture(scope="session")
def real_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    """`transformers serve` on the chat checkpoint, ready to answer; stopped afterwards."""
    root = tmp_path_factory.getbasetemp()
    checkpoint = chat_checkpoint(ASSETS)
    port = _free_port()
    log = root / "transformers-serve.log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    command = [_transformers_cli(), "serve", str(checkpoint), "--host", "127.0.0.1"]
    command += ["--port", str(port), "--device", "cpu", "--dtype", "float32"]
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(process, base_url, log)
        yield RealServer(f"{base_url}/v1", str(checkpoint), checkpoint, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"transformers serve exited early:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(f"{base_url}/health", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    tail = log.read_text()[-3000:]
    pytest.fail(f"transformers serve was not ready in {READY_SECONDS} s:\n{tail}")
