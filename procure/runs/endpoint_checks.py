"""Suites an endpoint cannot score, found before queueing: no prompt log-probabilities for a
likelihood suite, or prompts longer than its context (counted with the candidate's tokenizer)."""

import functools

from evals.backends import API_BACKENDS
from evals.context_fit import TooLong, items_over_context, local_tokenizer
from evals.probe import EndpointCapabilities, capability_problems
from evals.spec import ModelSpec
from procure.suites.models import SuiteVersion
from procure.suites.services import unpack_files


def endpoint_problems(
    spec: ModelSpec, capabilities: EndpointCapabilities | None, version: SuiteVersion
) -> list[str]:
    """Plain sentences saying why `spec` cannot score `version`; empty when it can."""
    if spec.backend not in API_BACKENDS:
        return []
    url = spec.options.get("base_url", "the endpoint")
    suite_name = version.suite.name
    problems = []
    if capabilities is not None:
        output_types = {task["output_type"] for task in version.tasks}
        problems += capability_problems(capabilities, output_types, suite_name=suite_name, url=url)
    tokenizer = local_tokenizer(spec.options.get("tokenizer", ""))
    if tokenizer is None:
        return problems  # a chat registration has no tokenizer to count with
    stated = spec.options.get("max_length")
    context = int(stated) if stated else tokenizer[1]
    if context:
        max_gen_toks = spec.options.get("max_gen_toks")
        too_long = _items_over_context(
            version.pk,
            version.content_hash,
            spec.options["tokenizer"],
            context,
            int(max_gen_toks) if max_gen_toks else None,
        )
        problems += [found.sentence(suite_name, context) for found in too_long]
    return problems


@functools.lru_cache(maxsize=64)
def _items_over_context(
    version_id: int, content_hash: str, tokenizer: str, context: int, max_gen_toks: int | None
) -> tuple[TooLong, ...]:
    # Keyed by content hash too: a suite version never changes, but ids are reused in tests.
    version = SuiteVersion.objects.only("bundle").get(pk=version_id)
    files = unpack_files(bytes(version.bundle))
    encode, _ = local_tokenizer(tokenizer) or (None, None)
    if encode is None:
        return ()
    return tuple(items_over_context(files, encode, context, max_gen_toks=max_gen_toks))
