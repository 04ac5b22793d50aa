"""The test endpoint: OpenAI response shapes, real log-probabilities, keys and fault modes."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from evals.openai_server import serve_in_thread
from tests.evals.support import API_KEY, checkpoint_fixture, served_model, server_fixture

__all__ = ["checkpoint_fixture", "server_fixture"]  # fixtures used here by their names

AUTH = {"Authorization": f"Bearer {API_KEY}"}


def post(url: str, path: str, body: dict[str, object]) -> requests.Response:
    return requests.post(f"{url}{path}", json=body, headers=AUTH, timeout=30)


def test_it_lists_the_served_model(server: str, checkpoint: Path) -> None:
    answer = requests.get(f"{server}/models", headers=AUTH, timeout=10).json()

    assert answer["data"][0]["id"] == checkpoint.name


def test_echo_returns_the_models_own_token_logprobs(server: str, checkpoint: Path) -> None:
    import torch

    model = served_model(checkpoint)
    ids = model.encode("The licensee may copy the software")

    choice = post(
        server, "/completions", {"prompt": ids, "max_tokens": 1, "echo": True, "logprobs": 1}
    ).json()["choices"][0]

    with torch.no_grad():
        logp = torch.log_softmax(model.model(torch.tensor([ids])).logits[0], dim=-1)
    expected = [float(logp[i - 1, ids[i]]) for i in range(1, len(ids))]
    logprobs = choice["logprobs"]
    # One entry per prompt token plus the generated one; none for the first token.
    assert len(logprobs["token_logprobs"]) == len(ids) + 1
    assert logprobs["token_logprobs"][0] is None
    assert logprobs["token_logprobs"][1 : len(ids)] == pytest.approx(expected, abs=1e-5)
    assert max(logprobs["top_logprobs"][-1].values()) == logprobs["token_logprobs"][-1]
    assert choice["text"].startswith("The licensee may copy the software")


def test_it_accepts_a_batch_of_text_prompts(server: str) -> None:
    answer = post(server, "/completions", {"prompt": ["The user may", "The holder may"]}).json()

    assert [c["index"] for c in answer["choices"]] == [0, 1]
    assert all(isinstance(c["text"], str) for c in answer["choices"]) is True


def test_generation_stops_at_a_stop_string_or_max_tokens(server: str) -> None:
    prompt = "The licensee may copy the"
    free = post(server, "/completions", {"prompt": prompt, "max_tokens": 12}).json()
    text = free["choices"][0]["text"]
    stop = text.strip()[:2]

    stopped = post(server, "/completions", {"prompt": prompt, "max_tokens": 12, "stop": [stop]})
    short = post(server, "/completions", {"prompt": prompt, "max_tokens": 1}).json()

    assert stop not in stopped.json()["choices"][0]["text"]
    assert stopped.json()["choices"][0]["finish_reason"] == "stop"
    assert short["usage"]["completion_tokens"] == 1


def test_chat_completions_answer_with_a_message(server: str) -> None:
    body = {"messages": [{"role": "user", "content": "Who may copy?"}], "max_tokens": 5}

    choice = post(server, "/chat/completions", body).json()["choices"][0]

    assert choice["message"]["role"] == "assistant"
    assert isinstance(choice["message"]["content"], str)


def test_it_refuses_a_missing_or_wrong_key(server: str) -> None:
    missing = requests.get(f"{server}/models", timeout=10)
    wrong = requests.get(f"{server}/models", headers={"Authorization": "Bearer nope"}, timeout=10)

    assert (missing.status_code, wrong.status_code) == (401, 401)


def test_it_rejects_a_prompt_longer_than_the_model_reads(server: str) -> None:
    answer = post(server, "/completions", {"prompt": [5] * 500, "max_tokens": 1})

    assert answer.status_code == 400
    assert "reads at most 128" in answer.json()["error"]["message"]


@pytest.fixture
def faulty(checkpoint: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    url, stop = serve_in_thread(model=served_model(checkpoint), fault=request.param, fault_sleep=2)
    yield url
    stop()


@pytest.mark.parametrize(
    ("faulty", "status"), [("500", 500), ("429", 429), ("garbage", 200)], indirect=["faulty"]
)
def test_fault_modes_answer_as_told(faulty: str, status: int) -> None:
    answer = post(faulty, "/completions", {"prompt": "x"})

    assert answer.status_code == status


@pytest.mark.parametrize("faulty", ["429"], indirect=True)
def test_rate_limiting_says_when_to_retry(faulty: str) -> None:
    assert post(faulty, "/completions", {"prompt": "x"}).headers["Retry-After"] == "1"


@pytest.mark.parametrize("faulty", ["garbage"], indirect=True)
def test_garbage_mode_answers_something_that_is_not_json(faulty: str) -> None:
    with pytest.raises(requests.JSONDecodeError):
        post(faulty, "/completions", {"prompt": "x"}).json()


@pytest.mark.parametrize("faulty", ["slow"], indirect=True)
def test_slow_mode_outlasts_a_short_client_timeout(faulty: str) -> None:
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        requests.post(f"{faulty}/completions", json={"prompt": "x"}, timeout=0.5)

    assert time.monotonic() - started < 2


def test_it_never_logs_the_authorization_header(
    server: str, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)

    post(server, "/completions", {"prompt": "The user may", "max_tokens": 2})
    requests.get(f"{server}/models", headers={"Authorization": "Bearer nope"}, timeout=10)

    out, err = capfd.readouterr()
    assert "POST /v1/completions" in caplog.text
    assert API_KEY not in caplog.text + out + err
    assert "Authorization" not in caplog.text


@pytest.mark.slow
def test_it_runs_from_the_command_line(checkpoint: Path) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "evals.openai_server", "--checkpoint", str(checkpoint)]
    process = subprocess.Popen([*command, "--port", str(port)], cwd=Path(__file__).parents[2])
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/v1/models", timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "the server did not start within 60 s"
                time.sleep(0.2)
        assert answer.json()["data"][0]["id"] == checkpoint.name
    finally:
        process.terminate()
        process.wait(timeout=10)
