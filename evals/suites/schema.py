"""The accepted subset of lm-eval task and group YAML (see docs/suites.md).

Every key is allow-listed; keys that make lm-eval run code or read files get a message saying
so. Metric, aggregation and filter names must be built into lm-eval: an unknown metric name
would make lm-eval try `evaluate.load(name)`, which runs a script from a path or the network.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evals.suites import limits
from evals.suites.checks import (
    Check,
    Invalid,
    Reader,
    boolean,
    either,
    integer,
    kind_of,
    list_of,
    mapping,
    name,
    number,
    one_of,
    regex,
    text,
)
from evals.suites.yaml_source import Path

OUTPUT_TYPES = ("multiple_choice", "generate_until", "loglikelihood", "loglikelihood_rolling")
SPLIT_KEYS = ("test_split", "validation_split", "training_split", "fewshot_split")
DATA_SUFFIXES = {"json": (".jsonl", ".json"), "csv": (".csv",)}


@dataclass(frozen=True)
class Metric:
    output_types: frozenset[str]
    aggregation: str
    higher_is_better: bool


_MC = frozenset({"multiple_choice"})
_GEN = frozenset({"generate_until"})
_ROLLING = frozenset({"loglikelihood_rolling"})
# lm-eval's registered metrics that need no extra package, with the output types whose
# results actually carry them (lm_eval.api.task.ConfigurableTask.process_results).
METRICS: Mapping[str, Metric] = {
    "acc": Metric(_MC | {"loglikelihood"}, "mean", True),
    "acc_norm": Metric(_MC, "mean", True),
    "acc_bytes": Metric(_MC, "mean", True),
    "acc_mutual_info": Metric(_MC, "mean", True),
    "brier_score": Metric(_MC, "brier_score", False),
    "f1": Metric(_MC, "f1", True),
    "mcc": Metric(_MC, "matthews_corrcoef", True),
    "exact_match": Metric(_MC | _GEN, "mean", True),
    "bleu": Metric(_GEN, "bleu", True),
    "chrf": Metric(_GEN, "chrf", True),
    "ter": Metric(_GEN, "ter", False),
    "perplexity": Metric(frozenset({"loglikelihood"}), "perplexity", False),
    "word_perplexity": Metric(_ROLLING, "weighted_perplexity", False),
    "byte_perplexity": Metric(_ROLLING, "weighted_perplexity", False),
    "bits_per_byte": Metric(_ROLLING, "bits_per_byte", False),
    # Ours (evals/suites/metrics.py), registered in the worker before lm-eval builds tasks.
    "f1_squad": Metric(_GEN, "mean", True),
    "em_squad": Metric(_GEN, "mean", True),
    "numeric_match": Metric(_GEN, "mean", True),
    "mc2": Metric(_MC, "mean", True),
}
# lm_eval.api.registry.DEFAULT_METRIC_REGISTRY: what lm-eval scores when metric_list is absent.
DEFAULT_METRICS: Mapping[str, tuple[str, ...]] = {
    "multiple_choice": ("acc", "acc_norm"),
    "generate_until": ("exact_match",),
    "loglikelihood": ("perplexity", "acc"),
    "loglikelihood_rolling": ("word_perplexity", "byte_perplexity", "bits_per_byte"),
}
_EXACT_MATCH_OPTIONS: Mapping[str, Check] = {
    "ignore_case": boolean,
    "ignore_punctuation": boolean,
    "ignore_numbers": boolean,
    "regexes_to_ignore": list_of(regex, 20),
}
# numeric_match: |predicted - target| <= max(rel_tol * |target|, abs_tol).
_NUMERIC_OPTIONS: Mapping[str, Check] = {
    "rel_tol": number(0, 1),
    "abs_tol": number(0, 1e12),
}
_REGEX_OPTIONS: Mapping[str, Check] = {
    "regex_pattern": regex,
    "group_select": integer(-100, 100),
    "fallback": text(200),
}
# Built-in filters (lm_eval/filters) that take no code, paths or callables, with their options.
FILTERS: Mapping[str, Mapping[str, Check]] = {
    "regex": _REGEX_OPTIONS,
    "multi_choice_regex": {
        **_REGEX_OPTIONS,
        **{key: _EXACT_MATCH_OPTIONS[key] for key in ("ignore_case", "ignore_punctuation")},
        "regexes_to_ignore": _EXACT_MATCH_OPTIONS["regexes_to_ignore"],
    },
    "take_first": {},
    "take_first_k": {"k": integer(1, limits.MAX_REPEATS)},
    "majority_vote": {},
    "lowercase": {},
    "uppercase": {},
    "remove_whitespace": {},
}

_RUNS_CODE = "it makes lm-eval run Python code"
REFUSED_KEYS: Mapping[str, str] = {
    "include": "'include' is not allowed: it makes lm-eval read another YAML file from disk; "
    "write every key in this file",
    "class": f"'class' is not allowed: {_RUNS_CODE} (a Python task class)",
    "custom_dataset": f"'custom_dataset' is not allowed: {_RUNS_CODE}",
    "process_docs": f"'process_docs' is not allowed: {_RUNS_CODE}",
    "process_results": f"'process_results' is not allowed: {_RUNS_CODE}",
    "use_prompt": "promptsource prompts are not supported; write doc_to_text instead",
    "unsafe_code": "'unsafe_code' is not allowed: uploaded tasks never run code",
    "dataset_name": "'dataset_name' has no meaning for json/csv data; remove it",
    "doc_to_image": "images are not supported",
    "doc_to_audio": "audio is not supported",
    "gen_prefix": "'gen_prefix' is not supported",
    "task_list": "'task_list' is not supported; write one YAML file per task",
    "hf_evaluate": "metrics from Hugging Face evaluate are not allowed: they run downloaded code",
}


# Keys that do nothing in lm-eval 0.4.13: accepted, dropped, and noted in the report.
_DECONTAMINATION = "dropped: lm-eval 0.4.13's evaluator never decontaminates"
INERT_KEYS: Mapping[str, str] = {
    "should_decontaminate": _DECONTAMINATION,
    "doc_to_decontamination_query": _DECONTAMINATION,
}
_NULL_IS_ABSENT = ("dataset_name", *SPLIT_KEYS)


def drop_inert_keys(reader: Reader, data: Mapping[str, Any]) -> dict[str, Any]:
    """`data` without the keys that change nothing, each dropped with a note."""
    kept: dict[str, Any] = {}
    for key, value in data.items():
        if key in INERT_KEYS:
            reader.note((key,), INERT_KEYS[key])
        elif key in _NULL_IS_ABSENT and value is None:
            reader.note((key,), "dropped: null means the same as leaving the key out")
        else:
            kept[key] = value
    return kept


def _data_path(reader: Reader, value: Any, path: Path) -> str:
    relative = text(limits.MAX_PATH_CHARS)(reader, value, path)
    if "://" in relative or "::" in relative:
        raise Invalid("data files must be files of the upload, not URLs")
    if any(char in relative for char in "*?[]{}"):
        raise Invalid("data file paths must name one file; patterns are not allowed")
    if relative.startswith("/") or relative.startswith("~"):
        raise Invalid("data file paths must be relative to this YAML file, inside the upload")
    return relative


def _data_files(reader: Reader, value: Any, path: Path) -> dict[str, list[str]]:
    """Normalised like `datasets`: a bare path or list is the "train" split."""
    paths = either(_data_path, list_of(_data_path, limits.MAX_FILES))
    if isinstance(value, dict):
        splits = mapping(dict.fromkeys(value, paths))(reader, value, path)
        for split in splits:
            reader.check(name, split, (*path, split))
    else:
        splits = {"train": paths(reader, value, path)}
    return {split: [p] if isinstance(p, str) else p for split, p in splits.items() if p}


def _options_for(table: Mapping[str, Mapping[str, Check]], selector: str) -> Check:
    """A mapping whose allowed options depend on the name under `selector`."""

    def check(reader: Reader, value: Any, path: Path) -> dict[str, Any]:
        chosen = value.get(selector) if isinstance(value, dict) else None
        if not isinstance(chosen, str) or chosen not in table:
            allowed = ", ".join(table)
            reader.report((*path, selector), f"must be one of: {allowed}")
            return {}
        schema = {selector: one_of(*table), **table[chosen]}
        return mapping(schema, refused=REFUSED_KEYS)(reader, value, path)

    return check


def _aggregation(metric: str, rule: Metric) -> Check:
    # Per-item scores averaged by default may take the median; other aggregations are the
    # metric's own (corpus BLEU, perplexity...), which no other function can replace.
    allowed = (rule.aggregation, "median") if rule.aggregation == "mean" else (rule.aggregation,)

    def check(reader: Reader, value: Any, path: Path) -> str:
        if value not in allowed:
            raise Invalid(
                f"'{metric}' is aggregated by '{rule.aggregation}' (lm-eval's own for it); "
                f"write aggregation: {' or '.join(allowed)}, or leave 'aggregation' out"
            )
        return str(value)

    return check


_METRIC_OPTIONS: Mapping[str, Mapping[str, Check]] = {
    metric: {
        "aggregation": _aggregation(metric, rule),
        "higher_is_better": boolean,
        **(_EXACT_MATCH_OPTIONS if metric == "exact_match" else {}),
        **(_NUMERIC_OPTIONS if metric == "numeric_match" else {}),
    }
    for metric, rule in METRICS.items()
}
_METADATA_SCHEMA: Mapping[str, Check] = {
    # lm-eval writes versions as numbers or as text ("0.3.0"); both are only shown.
    "version": either(number(0, 1e6), text(limits.MAX_NAME_CHARS)),
    # Ours: which filter of filter_list judges the task (else the first listed).
    "primary_filter": name,
}
_METADATA_VALUE = either(text(limits.MAX_TEMPLATE_CHARS), number(-1e12, 1e12), boolean)


def _metadata(reader: Reader, value: Any, path: Path) -> dict[str, Any]:
    """Known keys checked; any other key kept when its value is plain text, a number or a
    boolean (lm-eval only copies metadata into its results, e.g. task_pretty_name)."""
    if not isinstance(value, dict):
        raise Invalid(f"must be a mapping of keys, not {kind_of(value)}", wrong_type=True)
    schema = {key: _METADATA_SCHEMA.get(key, _METADATA_VALUE) for key in value}
    return mapping(schema)(reader, value, path)


_METADATA = _metadata
_DELIMITER = text(limits.MAX_DELIMITER_CHARS)
_TEMPLATE = text(limits.MAX_TEMPLATE_CHARS)
_TEXTS = either(_DELIMITER, list_of(_DELIMITER, 20))


def _no_stop(reader: Reader, value: Any, path: Path) -> list[str]:
    """`until: []`: no stop sequence (generation stops at max_gen_toks), as lm-eval allows."""
    if value != []:
        raise Invalid("must be a list", wrong_type=True)
    return []


def _sample(reader: Reader, value: Any, path: Path) -> dict[str, Any]:
    if not isinstance(value, dict) or not value:
        raise Invalid("a few-shot sample is a mapping of field names to values, like a data row")
    return value


TASK = mapping(
    {
        "task": name,
        "task_alias": text(limits.MAX_NAME_CHARS),
        "tag": either(name, list_of(name, 20)),
        "dataset_path": one_of(*DATA_SUFFIXES),
        "dataset_kwargs": mapping({"data_files": _data_files}, required=("data_files",)),
        **dict.fromkeys(SPLIT_KEYS, name),
        "output_type": one_of(*OUTPUT_TYPES),
        "doc_to_text": _TEMPLATE,
        "doc_to_target": either(_TEMPLATE, integer(0, 10_000)),
        "doc_to_choice": either(_TEMPLATE, list_of(text(limits.MAX_TEMPLATE_CHARS), 100)),
        "description": _TEMPLATE,
        "target_delimiter": _DELIMITER,
        "fewshot_delimiter": _DELIMITER,
        "num_fewshot": integer(0, limits.MAX_NUM_FEWSHOT),
        "fewshot_config": mapping(
            {
                "sampler": one_of("default", "first_n"),
                "split": name,
                # Few-shot rows written inline (lm-eval's `samples` as a list, never a function).
                "samples": list_of(_sample, limits.MAX_INLINE_SAMPLES),
                "doc_to_text": _TEMPLATE,
                "doc_to_target": either(_TEMPLATE, integer(0, 10_000)),
                "doc_to_choice": either(_TEMPLATE, list_of(text(limits.MAX_TEMPLATE_CHARS), 100)),
                "fewshot_delimiter": _DELIMITER,
                "target_delimiter": _DELIMITER,
            },
            refused=REFUSED_KEYS,
        ),
        "generation_kwargs": mapping(
            {
                "until": either(_no_stop, _TEXTS),
                "max_gen_toks": integer(1, limits.MAX_GEN_TOKS),
                "do_sample": boolean,
                "temperature": number(0, 2),
            }
        ),
        "filter_list": list_of(
            mapping(
                {"name": name, "filter": list_of(_options_for(FILTERS, "function"), 10)},
                required=("name", "filter"),
            ),
            10,
        ),
        "metric_list": list_of(_options_for(_METRIC_OPTIONS, "metric"), len(METRICS)),
        "metadata": _METADATA,
        "repeats": integer(1, limits.MAX_REPEATS),
    },
    required=("task", "dataset_path", "dataset_kwargs", "doc_to_text", "doc_to_target"),
    refused=REFUSED_KEYS,
)


def _member(reader: Reader, value: Any, path: Path) -> str:
    if isinstance(value, dict):
        raise Invalid("define tasks in their own files; a group lists task or group names")
    return name(reader, value, path)


GROUP = mapping(
    {
        "group": name,
        "group_alias": text(limits.MAX_NAME_CHARS),
        "task": list_of(_member, limits.MAX_TASKS),
        "aggregate_metric_list": list_of(
            mapping(
                {
                    "metric": one_of(*METRICS),
                    "aggregation": one_of("mean"),
                    "weight_by_size": boolean,
                    "filter_list": either(name, list_of(name, 10)),
                },
                required=("metric",),
            ),
            len(METRICS),
        ),
        "metadata": _METADATA,
    },
    required=("group", "task"),
    refused=REFUSED_KEYS,
)


def check_task(reader: Reader, upload: Mapping[str, bytes]) -> dict[str, Any]:
    """The cleaned task configuration; problems go to `reader`.

    Data paths come back as names of upload files (resolved against the YAML file's folder).
    """
    data = drop_inert_keys(reader, reader.source.data)
    config: dict[str, Any] = TASK(reader, data, ())
    config.setdefault("output_type", "generate_until")
    output_type = config["output_type"]
    if output_type is None:
        return config  # refused above; the checks below all depend on it
    splits = _resolve_data_files(reader, config, upload)
    for key in SPLIT_KEYS:
        if key in config and splits is not None and config[key] not in splits:
            reader.report((key,), f"the split '{config[key]}' is not a key of data_files")
    fewshot_split = (config.get("fewshot_config") or {}).get("split")
    if fewshot_split and splits is not None and fewshot_split not in splits:
        message = f"the split '{fewshot_split}' is not a key of data_files"
        reader.report(("fewshot_config", "split"), message)
    if "test_split" not in data and "validation_split" not in data:
        reader.report(
            (), "a task needs test_split or validation_split: the data_files split to evaluate"
        )
    if output_type == "multiple_choice" and "doc_to_choice" not in data:
        reader.report(("output_type",), "multiple_choice tasks need doc_to_choice")
    primary = (config.get("metadata") or {}).get("primary_filter")
    filters = [entry.get("name") for entry in config.get("filter_list") or [] if entry]
    if primary is not None and primary not in filters:
        message = f"'{primary}' is not the name of an entry of filter_list"
        reader.report(("metadata", "primary_filter"), message)
    if "generation_kwargs" in data and output_type != "generate_until":
        reader.report(("generation_kwargs",), "generation_kwargs only apply to generate_until")
    config["metric_list"] = _metrics(reader, config.get("metric_list"), output_type)
    return config


def _resolve_data_files(
    reader: Reader, config: dict[str, Any], upload: Mapping[str, bytes]
) -> dict[str, list[str]] | None:
    data_files = (config.get("dataset_kwargs") or {}).get("data_files")
    if not data_files:
        return None
    folder = posixpath.dirname(reader.source.name)
    suffixes = DATA_SUFFIXES.get(config.get("dataset_path") or "", ())
    resolved: dict[str, list[str]] = {}
    for split, paths in data_files.items():
        resolved[split] = []
        for index, relative in enumerate(paths):
            where: Path = ("dataset_kwargs", "data_files", split, index)
            target = posixpath.normpath(posixpath.join(folder, relative))
            if target == ".." or target.startswith("../"):
                reader.report(where, f"'{relative}' points outside the upload")
            elif target not in upload:
                reader.report(where, f"'{relative}' is not a file of the upload")
            elif suffixes and not target.lower().endswith(suffixes):
                wanted = " or ".join(suffixes)
                reader.report(
                    where, f"dataset_path '{config['dataset_path']}' reads {wanted} files"
                )
            else:
                resolved[split].append(target)
    config["dataset_kwargs"]["data_files"] = resolved
    return resolved


def _metrics(reader: Reader, entries: list[Any] | None, output_type: str) -> list[dict[str, Any]]:
    """Explicit metric entries (defaults filled in), so lm-eval never guesses or warns."""
    chosen = entries or [{"metric": metric} for metric in DEFAULT_METRICS[output_type]]
    cleaned: list[dict[str, Any]] = []
    for index, entry in enumerate(chosen):
        if not entry or entry.get("metric") not in METRICS:
            continue
        rule = METRICS[entry["metric"]]
        if output_type not in rule.output_types:
            fits = [m for m, r in METRICS.items() if output_type in r.output_types]
            message = (
                f"the metric '{entry['metric']}' does not apply to {output_type} tasks "
                f"(these do: {', '.join(fits)})"
            )
            if entry["metric"] == "f1" and output_type == "generate_until":
                message += "; for token F1 of generated text as SQuAD scores it, write f1_squad"
            reader.report(("metric_list", index, "metric"), message)
        cleaned.append(
            {"aggregation": rule.aggregation, "higher_is_better": rule.higher_is_better, **entry}
        )
    return cleaned
