"""Capabilities → run options, refusals and per-candidate overrides (no server needed)."""

from __future__ import annotations

import pytest

from evals.backends import build_model_args, parse_options
from evals.generation import cut_at_stop
from evals.probe import EndpointCapabilities, capability_problems, merged_run_options
from evals.spec import InvalidModelOptions, ModelSpec

STRINGS_ONLY = EndpointCapabilities(
    reachable=True,
    string_prompts=True,
    token_prompts=False,
    batched_prompts=False,
    prompt_logprobs=False,
    context_length=4096,
)
URL = "http://127.0.0.1:8000/v1/completions"


def test_a_strings_only_server_gets_one_string_prompt_per_request() -> None:
    options = merged_run_options({"base_url": URL}, STRINGS_ONLY, "local-completions")
    assert options == {
        "base_url": URL,
        "tokenized_requests": "false",
        "batch_size": "1",
        "max_length": "4096",
    }


def test_the_candidates_own_options_override_the_probe() -> None:
    mine = {"base_url": URL, "batch_size": "4", "max_length": "2048"}
    options = merged_run_options(mine, STRINGS_ONLY, "local-completions")
    args = build_model_args(
        ModelSpec("local-completions", "m", options={**options, "tokenizer": "/t"}),
        batch_size=32,
    )
    assert args["batch_size"] == 4 and args["max_length"] == 2048
    assert args["tokenized_requests"] is False


@pytest.mark.parametrize(
    ("backend", "option", "message"),
    [
        ("local-completions", "batch_size=0", "Option 'batch_size' must be between 1 and 1024."),
        ("local-completions", "num_concurrent=many", "must be a whole number"),
        ("local-completions", "max_gen_toks=0", "Option 'max_gen_toks' must be between"),
        ("local-chat-completions", "batch_size=8", "Unknown option(s)"),
        ("local-chat-completions", "timeout=0", "Option 'timeout' must be between 1 and 3600."),
    ],
)
def test_overrides_are_validated_with_a_sentence(backend: str, option: str, message: str) -> None:
    suffix = "/chat/completions" if backend == "local-chat-completions" else "/completions"
    name, value = option.split("=")
    options = {"base_url": f"http://h/v1{suffix}", "tokenizer": "/t", name: value}
    if backend == "local-chat-completions":
        options.pop("tokenizer")
    with pytest.raises(InvalidModelOptions) as refused:
        parse_options(ModelSpec(backend, "m", options=options))  # type: ignore[arg-type]
    assert message in str(refused.value)


def test_likelihood_suites_are_refused_without_prompt_logprobs_and_generation_is_not() -> None:
    refused = capability_problems(
        STRINGS_ONLY, {"multiple_choice"}, suite_name="Legal terms", url=URL
    )
    allowed = capability_problems(
        STRINGS_ONLY, {"generate_until"}, suite_name="Legal terms", url=URL
    )
    assert len(refused) == 1 and "'Legal terms'" in refused[0] and URL in refused[0]
    assert allowed == []


def test_an_endpoint_that_answered_nothing_is_unknown_not_incapable() -> None:
    unknown = EndpointCapabilities(reachable=False, notes=("ConnectionError: refused",))
    assert capability_problems(unknown, {"multiple_choice"}, suite_name="S", url=URL) == []
    assert merged_run_options({"base_url": URL}, None, "local-completions") == {"base_url": URL}


def test_capabilities_survive_a_round_trip_through_json() -> None:
    assert EndpointCapabilities.from_dict(STRINGS_ONLY.as_dict()) == STRINGS_ONLY


@pytest.mark.parametrize(
    ("text", "until", "cut"),
    [
        (" software.", [".", "\n"], " software"),
        (" software\nThe user.", [".", "\n"], " software"),
        (" software", [".", "\n"], " software"),
        (" a, b.", ",", " a"),
        (" kept", [""], " kept"),
    ],
)
def test_generated_text_is_cut_at_the_first_stop_sequence(
    text: str, until: list[str] | str, cut: str
) -> None:
    assert cut_at_stop(text, until) == cut


def test_a_chat_endpoint_without_a_template_is_refused_quoting_the_server() -> None:
    no_template = EndpointCapabilities(
        reachable=True,
        model_listed=True,
        chat=False,
        notes=("chat request: HTTP 500: Cannot use chat template functions",),
    )
    (problem,) = capability_problems(no_template, {"generate_until"}, suite_name="S", url=URL)
    assert "Cannot use chat template functions" in problem
