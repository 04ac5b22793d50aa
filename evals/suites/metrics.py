"""Metrics procure implements, so a suite can name them in `metric_list` without Python.

lm-eval implements SQuAD-style token F1, normalised exact match and numeric tolerance in each
task's `process_results` Python, which uploads may not carry. Here they are product code:
`register_with_lm_eval()` adds them to lm-eval's metric registry in the worker before a
TaskManager builds any task, and an upload only names them. For a `generate_until` task
lm-eval calls a registered metric as `fn(references=[target], predictions=[generation],
**options)` (`ConfigurableTask.process_results`), the options being the other keys of the
`metric_list` entry (here `rel_tol` and `abs_tol` of `numeric_match`). `mc2` scores
multiple-choice log-likelihoods, which lm-eval never hands to a registered metric: the runner
calls `attach_product_metrics` on each task it loads.

With several targets per item (a target that renders a list), lm-eval scores each target and
keeps `1.0 if any(scores) else 0.0`: right for the 0/1 metrics `em_squad` and
`numeric_match`, wrong for a graded F1, so validation refuses `f1_squad` there.
"""

from __future__ import annotations

import collections
import math
import re
import string
from collections.abc import Sequence
from typing import Any

_PUNCTUATION = frozenset(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")
# A number as answers write it: sign, thousands separators, decimals, an exponent.
_NUMBER = re.compile(r"[-+]?(?:\d+(?:,\d{3})*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")


def normalize_answer(text: str) -> str:
    """SQuAD v1.1's normalisation: lower case, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def squad_f1(prediction: str, target: str) -> float:
    """Token F1 between the normalised texts (SQuAD v1.1 `f1_score`)."""
    predicted = normalize_answer(prediction).split()
    wanted = normalize_answer(target).split()
    common = collections.Counter(predicted) & collections.Counter(wanted)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision = same / len(predicted)
    recall = same / len(wanted)
    return 2 * precision * recall / (precision + recall)


def squad_exact_match(prediction: str, target: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(target))


def first_number(text: str) -> float | None:
    """The first number written in `text` ("1,234.5" is 1234.5), or None."""
    match = _NUMBER.search(text)
    if match is None:
        return None
    try:
        return float(match.group().replace(",", ""))
    except ValueError:  # pragma: no cover - the pattern only matches float syntax
        return None


def numbers_match(
    prediction: str, target: str, rel_tol: float = 0.0, abs_tol: float = 0.0
) -> float:
    """1.0 when the first number of `prediction` is within tolerance of the target's number:
    |predicted - target| <= max(rel_tol * |target|, abs_tol). No number in the prediction
    scores 0."""
    wanted = first_number(target)
    predicted = first_number(prediction)
    if wanted is None or predicted is None:
        return 0.0
    difference = abs(predicted - wanted)
    return float(math.isfinite(difference) and difference <= max(rel_tol * abs(wanted), abs_tol))


def _one(values: Sequence[Any]) -> str:
    (value,) = values
    return str(value)


def f1_squad(references: Sequence[Any], predictions: Sequence[Any], **_: Any) -> float:
    return squad_f1(_one(predictions), _one(references))


def em_squad(references: Sequence[Any], predictions: Sequence[Any], **_: Any) -> float:
    return squad_exact_match(_one(predictions), _one(references))


def numeric_match(
    references: Sequence[Any],
    predictions: Sequence[Any],
    rel_tol: float = 0.0,
    abs_tol: float = 0.0,
) -> float:
    return numbers_match(_one(predictions), _one(references), rel_tol, abs_tol)


def mc2_mass(loglikelihoods: Sequence[float], gold: Sequence[int]) -> float:
    """TruthfulQA's mc2: the probability mass on the true choices, normalised over all
    choices (softmax of the log-likelihoods, summed over the gold indexes)."""
    top = max(loglikelihoods)
    weights = [math.exp(ll - top) for ll in loglikelihoods]
    return sum(weights[index] for index in set(gold)) / sum(weights)


def mc2(*_: Any, **__: Any) -> float:
    """Registered so lm-eval finds the name; the score comes from `attach_product_metrics`."""
    raise RuntimeError("mc2 is computed by attach_product_metrics, not called by lm-eval")


def attach_product_metrics(task: Any) -> None:
    """Make a multiple-choice task that names `mc2` report it per item.

    lm-eval's `ConfigurableTask.process_results` only returns the multiple-choice metrics it
    knows, so the task's own `process_results` is wrapped (this task object only, once) to
    add `mc2` from the choices' log-likelihoods and the gold index or indexes, resolved as
    lm-eval resolves them. lm-eval then aggregates, logs and reports it like its own metrics.
    """
    if (
        getattr(task, "OUTPUT_TYPE", None) != "multiple_choice"
        or "mc2" not in getattr(task, "_metric_fn_list", {})
        or getattr(task, "_procure_mc2", False)
    ):
        return
    original = task.process_results

    def process_results(doc: Any, results: Any) -> dict[str, Any]:
        scores = dict(original(doc, results))
        choices = task.doc_to_choice(doc)
        loglikelihoods = [float(ll) for ll, _ in results][: len(choices)]
        gold = task.doc_to_text(doc) if task.multiple_input else task.doc_to_target(doc)
        golds = gold if isinstance(gold, list) else [gold]
        indexes = [choices.index(g) if isinstance(g, str) else int(g) for g in golds]
        scores["mc2"] = mc2_mass(loglikelihoods, indexes)
        return scores

    task.process_results = process_results
    task._procure_mc2 = True


def register_with_lm_eval() -> None:
    """Add the product metrics to lm-eval's registry (idempotent). Call before building tasks:
    lm-eval looks a metric up when it builds the task, and an unknown name would make it try
    Hugging Face `evaluate.load(name)`."""
    import lm_eval.api.metrics  # noqa: F401  (lm-eval's own first: it fills an empty registry lazily)
    from lm_eval.api import registry

    for name, function in (
        ("f1_squad", f1_squad),
        ("em_squad", em_squad),
        ("numeric_match", numeric_match),
        ("mc2", mc2),
    ):
        if name not in registry.metric_registry:
            registry.register_metric(metric=name, higher_is_better=True, aggregation="mean")(
                function
            )
