"""What makes two evaluation runs the same piece of evidence.

A run's fingerprint hashes the model identity (backend, identity, revision, storable options
and, for local checkpoints, a digest of the files), the suite's content hash, the lm-eval
version and the evaluation settings. Equal fingerprints mean equal evidence, so a succeeded
run is reused instead of evaluated again; any change to one part makes new evidence.
"""

import hashlib
import json
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

from evals.backends import checkpoint_digest
from evals.probe import EndpointCapabilities, merged_run_options
from evals.spec import ModelSpec
from procure.catalog.models import EvaluationAccess
from procure.suites.models import SuiteVersion

# Settings that change what is measured. batch_size is left out on purpose: it changes speed,
# not the answers.
RESULT_SETTINGS = ("num_fewshot", "limit", "seed")


@cache
def lm_eval_version() -> str:
    return version("lm_eval")


def run_options(
    access: EvaluationAccess, capabilities: EndpointCapabilities | None = None
) -> dict[str, str]:
    """The access's options, completed from what its endpoint can do (the access's own options
    win): string or token-id prompts, prompts per request, context length."""
    options = {str(k): str(v) for k, v in (access.options or {}).items()}
    return merged_run_options(options, capabilities, access.backend)


def model_spec(
    access: EvaluationAccess, capabilities: EndpointCapabilities | None = None
) -> ModelSpec:
    return ModelSpec(
        backend=access.backend,  # type: ignore[arg-type]  # guarded by a check constraint
        identity=access.identity,
        revision=access.revision,
        options=run_options(access, capabilities),
    )


def model_identity(
    access: EvaluationAccess, capabilities: EndpointCapabilities | None = None
) -> dict[str, Any]:
    identity: dict[str, Any] = {
        "backend": access.backend,
        "identity": access.identity,
        "revision": access.revision,
        # Without capabilities (a checkpoint) the stored options as they are, so that earlier
        # fingerprints still match.
        "options": dict(
            sorted((run_options(access, capabilities) if capabilities else access.options).items())
        ),
    }
    if access.backend in ("hf", "vllm") and Path(access.identity).is_dir():
        # A checkpoint rebuilt in place under the same name is a different model.
        identity["checkpoint_digest"] = checkpoint_digest(Path(access.identity))
    return identity


def model_fingerprint(identity: dict[str, Any]) -> str:
    return _digest(identity)


def run_fingerprint(
    *, model: dict[str, Any], suite_version: SuiteVersion, eval_settings: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """The fingerprint of one (model, suite version, settings) and the parts it hashes."""
    parts = {
        "model": model,
        "suite_hash": suite_version.content_hash,
        "lm_eval": lm_eval_version(),
        "settings": {key: eval_settings.get(key) for key in RESULT_SETTINGS},
    }
    return _digest(parts), parts


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()
