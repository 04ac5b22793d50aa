"""Validating a whole upload: files, YAML, names, data and templates, every problem located."""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evals.spec import SuiteTask
from evals.suites import limits
from evals.suites.builtin_names import builtin_task_names
from evals.suites.checks import Reader
from evals.suites.data import DataFile, read_data
from evals.suites.files import DATA_SUFFIXES, YAML_SUFFIXES, check_files, is_ignored, is_yaml
from evals.suites.metrics import first_number
from evals.suites.prompts import TEMPLATE_KEYS, ItemError, TaskPrompts, build_item
from evals.suites.report import Problem, SuiteReport, content_hash
from evals.suites.schema import GROUP, check_task
from evals.suites.templates import template_problems
from evals.suites.yaml_source import REFUSED, Path, YamlFile, load_yaml

Rows = tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class CheckedTask:
    """A task that passed every check: its cleaned configuration and the rows it reads."""

    config: Mapping[str, Any]
    fields: tuple[str, ...]
    rows: Mapping[str, Rows]  # split -> rows, in data_files order

    @property
    def name(self) -> str:
        return str(self.config["task"])

    @property
    def eval_rows(self) -> Rows:
        """The rows lm-eval evaluates: the test split, else the validation split."""
        return self.rows[self.config.get("test_split") or self.config["validation_split"]]

    def summary(self) -> SuiteTask:
        return SuiteTask(
            name=self.name,
            output_type=self.config["output_type"],
            n_docs=len(self.eval_rows),
            primary_metric=self.config["metric_list"][0]["metric"],
            primary_filter=primary_filter(self.config),
        )


@dataclass(frozen=True)
class CheckedSuite:
    """What validation learnt; `tasks` and `groups` are meaningful only when `report.ok`."""

    report: SuiteReport
    files: Mapping[str, bytes]
    tasks: tuple[CheckedTask, ...] = ()
    groups: tuple[Mapping[str, Any], ...] = ()


def validate_suite(files: Mapping[str, bytes]) -> SuiteReport:
    """Check an upload against the accepted subset of lm-eval YAML (docs/suites.md).

    Never raises for bad input: every problem comes back in the report, located by file,
    line and key. Nothing in the upload is executed, imported, or read from outside it.
    """
    return check_suite(files).report


def check_suite(files: Mapping[str, bytes]) -> CheckedSuite:
    """`validate_suite`, keeping the cleaned configurations for materialising and previewing."""
    files = {name: data for name, data in files.items() if not is_ignored(name)}
    digest = content_hash(files)
    file_problems = check_files(files)
    if any(not problem.file for problem in file_problems):
        return CheckedSuite(SuiteReport(tuple(file_problems), (), (), digest), files)
    # A file refused on its own (a utils.py, a bad name) is left out, and the rest is still
    # checked: one upload shows every problem.
    refused = {problem.file for problem in file_problems}
    run = _Run({name: data for name, data in files.items() if name not in refused})
    run.check()
    problems = tuple(dict.fromkeys([*file_problems, *run.problems]))
    notes = tuple(dict.fromkeys(run.notes))
    if problems:
        return CheckedSuite(SuiteReport(problems, (), (), digest, notes), files)
    tasks = tuple(sorted(run.tasks, key=lambda task: task.name))
    groups = tuple(sorted(run.groups, key=lambda group: str(group["group"])))
    report = SuiteReport(
        problems=(),
        tasks=tuple(task.summary() for task in tasks),
        groups=tuple(str(group["group"]) for group in groups),
        content_hash=digest,
        notes=notes,
    )
    return CheckedSuite(report, files, tasks, groups)


class _Run:
    def __init__(self, files: Mapping[str, bytes]) -> None:
        self.files = files
        self.problems: list[Problem] = []
        self.notes: list[Problem] = []
        self.loaded: dict[str, YamlFile] = {}
        self.tasks: list[CheckedTask] = []
        self.groups: list[dict[str, Any]] = []
        self.data: dict[str, DataFile | None] = {}
        # Each task, group and tag name defined so far, with its kind.
        self.names: dict[str, str] = {}

    def check(self) -> None:
        for name in sorted(self.files):
            if is_yaml(name):
                source, problems = load_yaml(name, self.files[name].decode("utf-8"))
                self.problems += problems
                if source is not None:
                    self.loaded[name] = source
        sources = [name for name in sorted(self.files) if name.lower().endswith(YAML_SUFFIXES)]
        if not sources:
            self.problems.append(Problem("", None, "", "the upload holds no YAML task file"))
        included = {
            target
            for name in self.loaded
            for target in _include_names(name, self.loaded[name].data.get("include"))
        }
        groups: list[tuple[Reader, dict[str, Any]]] = []
        for name in sources:
            if name not in self.loaded:
                continue
            source = self.resolve_includes(name, (name,))
            reader = Reader(source)
            # lm-eval's own rule (lm_eval.tasks._index): a `group` key makes a group file.
            if "group" in source.data:
                group = GROUP(reader, source.data, ())
                self.claim(reader, ("group",), group.get("group"), "group")
                groups.append((reader, group))
                continue
            if "task" in source.data:
                self.task(reader)
            elif name not in included:  # a file only included by others is not a task
                reader.report((), "a suite YAML file needs a 'task' key (or 'group' for a group)")
            self.problems += reader.problems
            self.notes += reader.notes
        by_name = {str(group.get("group")): group for _, group in groups}
        for reader, group in groups:
            self.group(reader, group, by_name)
            self.problems += reader.problems
        if len(self.names) > limits.MAX_TASKS:
            message = f"a suite may define at most {limits.MAX_TASKS} tasks, groups and tags"
            self.problems.append(Problem("", None, "", message))
        if not self.problems:
            self.report_unused_data_files()

    def resolve_includes(self, name: str, chain: tuple[str, ...]) -> YamlFile:
        """`name` with its `include`s merged as lm-eval merges them
        (`lm_eval.tasks._yaml_loader.load_yaml`: includes in order, later ones winning, the
        file's own keys last). Only files of this upload can be included."""
        source = self.loaded[name]
        includes = source.data.get("include")
        if includes is None or includes is REFUSED:
            return source
        merged: dict[str, Any] = {}
        origins: dict[str, YamlFile] = {}
        entries = [includes] if isinstance(includes, str) else includes
        if not isinstance(entries, list):
            entries = [None]
        for index, entry in enumerate(entries):
            where: Path = ("include",) if isinstance(includes, str) else ("include", index)
            target = _include_target(name, entry)
            if target is None or target not in self.loaded:
                message = (
                    f"'{entry}' is not a YAML file of this upload; include only files you "
                    "upload with it, by a path relative to this file"
                )
                self.problems.append(source.problem(where, message))
                continue
            if target in chain:
                cycle = " -> ".join((*chain, target))
                self.problems.append(
                    source.problem(where, f"includes go round in a circle: {cycle}")
                )
                continue
            base = self.resolve_includes(target, (*chain, target))
            for key, value in base.data.items():
                merged[key] = value
                origins[key] = base.origins.get(key, base)
        for key, value in source.data.items():
            if key != "include":
                merged[key] = value
                origins.pop(key, None)
        return YamlFile(name, merged, source.lines, origins)

    def claim(self, reader: Reader, path: Path, name: Any, kind: str) -> None:
        """Register a task, group or tag name; report clashes with built-ins and each other."""
        if not isinstance(name, str):
            return
        if name.casefold() in builtin_task_names():
            message = f"'{name}' is a built-in lm-eval task, group or tag; choose another name"
            reader.report(path, message)
        elif name in self.names and not (kind == self.names[name] == "tag"):
            reader.report(path, f"the name '{name}' is defined twice in this upload")
        else:
            self.names[name] = kind

    def task(self, reader: Reader) -> None:
        config = check_task(reader, self.files)
        self.claim(reader, ("task",), config.get("task"), "task")
        tags = config.get("tag")
        if isinstance(tags, str):
            self.claim(reader, ("tag",), tags, "tag")
        for index, tag in enumerate(tags if isinstance(tags, list) else []):
            self.claim(reader, ("tag", index), tag, "tag")
        splits: Mapping[str, list[str]] = (config.get("dataset_kwargs") or {}).get(
            "data_files"
        ) or {}
        named = [name for names in splits.values() for name in names]
        if not named or not all(name in self.files for name in named):
            return  # reported by check_task
        parsed = {
            split: [self.data_file(name) for name in names] for split, names in splits.items()
        }
        data_files = [data for files in parsed.values() for data in files]
        if not all(data_files):
            return  # the data files' own problems are reported
        if len({frozenset(data.fields) for data in data_files if data}) != 1:
            message = "every data file of a task must have the same fields"
            return reader.report(("dataset_kwargs", "data_files"), message)
        fields = data_files[0].fields if data_files[0] else ()
        # Templates are checked even when other keys have problems: every problem at once.
        # Rows are only built from a configuration whole and clean (no value refused while
        # reading the YAML, such as a !function).
        whole = not reader.problems and not _holds_refused(reader.source.data)
        if self.templates_pass(reader, config, fields) and whole:
            self.render_every_row(reader, config, fields, splits)
        rows = {split: _rows(files) for split, files in parsed.items()}
        if not reader.problems and whole:
            self.check_fewshot_samples(reader, config)
            self.check_fewshot_templates(reader, config, fields, rows)
        if not reader.problems and whole:
            self.check_fewshot_rows(reader, config, rows)
        if not reader.problems and whole:
            self.tasks.append(CheckedTask(config, fields, rows))

    def check_fewshot_rows(
        self, reader: Reader, config: Mapping[str, Any], rows: Mapping[str, Rows]
    ) -> None:
        """Refuse a num_fewshot the few-shot rows cannot supply (lm-eval fails mid-run).

        lm-eval (`ConfigurableTask.fewshot_docs`, `ContextSampler.sample`) draws from the
        few-shot split, else the inline samples, else training_split, else validation_split,
        else test_split; when the few-shot split is the evaluated split it draws one more
        row, to leave the item out.
        """
        shots = config.get("num_fewshot") or 0
        if not shots:
            return
        fewshot_split = _fewshot_split(config)
        samples = (config.get("fewshot_config") or {}).get("samples")
        if samples and not fewshot_split:
            split, available = "fewshot_config.samples", len(samples)
        else:
            split = fewshot_split or next(
                config[key]
                for key in ("training_split", "validation_split", "test_split")
                if config.get(key)
            )
            available = len(rows.get(split, ()))
        needed = shots + (1 if fewshot_split == config.get("test_split") else 0)
        if available < needed:
            reader.report(
                ("num_fewshot",),
                f"{shots} examples cannot be drawn from the {available} rows of "
                f"'{split}' (needs {needed}); lower num_fewshot or add rows",
            )

    def check_fewshot_templates(
        self,
        reader: Reader,
        config: Mapping[str, Any],
        fields: tuple[str, ...],
        rows: Mapping[str, Rows],
    ) -> None:
        """Few-shot templates of fewshot_config over the rows of the few-shot split."""
        fewshot = config.get("fewshot_config") or {}
        overrides = {key: fewshot[key] for key in TEMPLATE_KEYS if key in fewshot}
        split = str(_fewshot_split(config) or config.get("training_split"))
        if not overrides or fewshot.get("samples") or split not in rows:
            return
        prompts = TaskPrompts({**config, **overrides}, fields)
        for index, row in enumerate(rows[split]):
            try:
                build_item(prompts, config["output_type"], row)
            except ItemError as error:
                where = ("fewshot_config", error.key)
                return reader.report(where, f"fails on row {index} of split '{split}': {error}")

    def check_fewshot_samples(self, reader: Reader, config: Mapping[str, Any]) -> None:
        """Inline samples and few-shot templates, checked and rendered like data rows."""
        fewshot = config.get("fewshot_config") or {}
        samples = fewshot.get("samples") or []
        overrides = {key: fewshot[key] for key in TEMPLATE_KEYS if key in fewshot}
        if not samples and not overrides:
            return
        fields = tuple(dict.fromkeys(key for sample in samples for key in sample))
        if not samples:
            return  # templates over split rows: checked with the task's fields below
        merged = {**config, **overrides}
        for key in TEMPLATE_KEYS:
            value = merged.get(key)
            if isinstance(value, str) and value not in fields:
                for message in template_problems(value, fields):
                    reader.report(("fewshot_config", "samples"), f"{key}: {message}")
        if reader.problems:
            return
        prompts = TaskPrompts(merged, fields)
        for index, sample in enumerate(samples):
            try:
                build_item(prompts, config["output_type"], sample)
            except ItemError as error:
                where = ("fewshot_config", "samples", index)
                return reader.report(where, f"{error.key} fails on this sample: {error}")

    def data_file(self, name: str) -> DataFile | None:
        if name not in self.data:
            self.data[name], problems = read_data(name, self.files[name])
            self.problems += problems
        return self.data[name]

    def templates_pass(
        self, reader: Reader, config: Mapping[str, Any], fields: tuple[str, ...]
    ) -> bool:
        fewshot = config.get("fewshot_config") or {}
        checked: list[tuple[Path, Any]] = [((key,), config.get(key)) for key in TEMPLATE_KEYS]
        if not fewshot.get("samples"):
            checked += [(("fewshot_config", key), fewshot.get(key)) for key in TEMPLATE_KEYS]
        for path, value in checked:
            if isinstance(value, str) and value not in fields:
                for message in template_problems(value, fields):
                    reader.report(path, message)
        return not reader.problems

    def render_every_row(
        self,
        reader: Reader,
        config: Mapping[str, Any],
        fields: tuple[str, ...],
        splits: Mapping[str, list[str]],
    ) -> None:
        """Build every item in the sandbox, as lm-eval will at run time (few-shot rows too).

        One problem per configuration key: the first failing row, and how many fail.
        """
        prompts = TaskPrompts(config, fields)
        first: dict[str, str] = {}
        counts: Counter[str] = Counter()
        # lm-eval decides from the first evaluated row whether each choice has its own
        # context (`multiple_input`); rows of the other form would be mis-scored.
        per_choice: bool | None = None
        metrics = {entry.get("metric") for entry in config.get("metric_list") or [] if entry}
        for name in sorted({name for names in splits.values() for name in names}):
            data = self.data[name]
            assert data is not None  # parsed by the caller
            for index, row in enumerate(data.rows):
                try:
                    item = build_item(prompts, config["output_type"], row)
                    check_metric_targets(metrics, item["target"])
                    if per_choice is None:
                        per_choice = "gold" in item
                    elif per_choice != ("gold" in item):
                        raise ItemError(
                            "doc_to_text",
                            "doc_to_text must give a context index on every row or on none",
                        )
                except ItemError as error:
                    line = f", line {data.lines[index]}" if data.lines[index] else ""
                    first.setdefault(error.key, f"row {index} of {name}{line}: {error}")
                    counts[error.key] += 1
        for key, message in first.items():
            more = f" ({counts[key] - 1} more rows fail the same way)" if counts[key] > 1 else ""
            reader.report((key,) if key in config else (), f"fails on {message}{more}")

    def group(
        self, reader: Reader, group: dict[str, Any], groups: Mapping[str, Mapping[str, Any]]
    ) -> None:
        members = [member for member in group.get("task") or [] if member is not None]
        for index, member in enumerate(members):
            if member not in self.names:
                message = f"'{member}' is not a task, group or tag of this upload"
                reader.report(("task", index), message)
        if _contains(groups, str(group.get("group")), str(group.get("group")), set()):
            reader.report(("task",), "the group contains itself (through its members)")
        computed = {
            task.name: {m["metric"] for m in task.config["metric_list"]} for task in self.tasks
        }
        for index, entry in enumerate(group.get("aggregate_metric_list") or []):
            metric = (entry or {}).get("metric")
            lacking = [m for m in members if metric and metric not in computed.get(m, {metric})]
            if lacking:
                message = f"the tasks {', '.join(lacking)} do not compute '{metric}'"
                reader.report(("aggregate_metric_list", index, "metric"), message)
        if not reader.problems:
            self.groups.append(group)

    def report_unused_data_files(self) -> None:
        used = {name for task in self.tasks for rows in _data_names(task) for name in rows}
        for name in sorted(self.files):
            if name.lower().endswith(DATA_SUFFIXES) and name not in used:
                message = "no task reads this file; remove it or list it in data_files"
                self.problems.append(Problem(name, None, "", message))


def check_metric_targets(metrics: set[Any], target: Any) -> None:
    """Targets the product metrics (evals/suites/metrics.py) can score correctly."""
    if "f1_squad" in metrics and isinstance(target, list):
        raise ItemError(
            "metric_list",
            "f1_squad needs one target text per item: with a list of targets lm-eval keeps "
            "only whether any F1 is above 0; give one target, or use em_squad",
        )
    if "numeric_match" in metrics:
        for text in target if isinstance(target, list) else [target]:
            if first_number(str(text)) is None:
                raise ItemError(
                    "metric_list",
                    f"numeric_match needs a number in every target; {str(text)[:40]!r} has none",
                )


def _fewshot_split(config: Mapping[str, Any]) -> str | None:
    split = config.get("fewshot_split") or (config.get("fewshot_config") or {}).get("split")
    return str(split) if split else None


def _holds_refused(value: Any) -> bool:
    if value is REFUSED:
        return True
    if isinstance(value, dict):
        return any(_holds_refused(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_refused(v) for v in value)
    return False


def primary_filter(config: Mapping[str, Any]) -> str:
    """The filter judging a task: named in metadata, else the first listed, else "none"."""
    named = (config.get("metadata") or {}).get("primary_filter")
    filters = config.get("filter_list") or []
    return str(named or (filters[0]["name"] if filters else "none"))


def _include_target(name: str, entry: Any) -> str | None:
    if not isinstance(entry, str) or not entry or entry.startswith(("/", "~")) or "://" in entry:
        return None
    return posixpath.normpath(posixpath.join(posixpath.dirname(name), entry))


def _include_names(name: str, includes: Any) -> list[str]:
    entries = [includes] if isinstance(includes, str) else includes
    if not isinstance(entries, list):
        return []
    return [target for entry in entries if (target := _include_target(name, entry))]


def _rows(files: list[DataFile | None]) -> Rows:
    return tuple(row for data in files if data for row in data.rows)


def _data_names(task: CheckedTask) -> list[list[str]]:
    return list(task.config["dataset_kwargs"]["data_files"].values())


def _contains(
    groups: Mapping[str, Mapping[str, Any]], group: str, target: str, seen: set[str]
) -> bool:
    """Whether `group` lists `target`, directly or through member groups."""
    for member in groups.get(group, {}).get("task") or []:
        if member == target:
            return True
        if member in groups and member not in seen:
            seen.add(member)
            if _contains(groups, member, target, seen):
                return True
    return False
