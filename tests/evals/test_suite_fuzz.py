"""Whatever an upload holds, validation answers with a report, never with an exception."""

from __future__ import annotations

import json
from typing import Any

import jinja2
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evals.suites import read_archive, validate_suite
from evals.suites.report import SuiteRefused
from evals.suites.templates import compile_template, regex_replace, render, template_problems
from tests.evals.conftest import TASK_YAML, make_tgz, make_zip, sample_suite, tar_entries

LEGAL_TERMS = sample_suite("legal_terms")
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.sampled_from(["json", "csv", "test", "multiple_choice", "acc", "{{ question }}", "choices"]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=10,
)
task_keys = st.sampled_from(
    [
        *("task", "dataset_path", "dataset_kwargs", "test_split", "output_type", "doc_to_text"),
        *("doc_to_target", "doc_to_choice", "metric_list", "filter_list", "generation_kwargs"),
        *("num_fewshot", "fewshot_config", "metadata", "tag", "include", "class", "group"),
    ]
)


def validates(files: dict[str, bytes]) -> None:
    report = validate_suite(files)
    assert report.ok == (not report.problems)
    assert all(problem.message for problem in report.problems)


@FUZZ
@given(st.binary(max_size=2_000))
def test_any_bytes_as_yaml_give_a_report(data: bytes) -> None:
    validates({**LEGAL_TERMS, TASK_YAML: data})


@FUZZ
@given(st.dictionaries(task_keys, values, max_size=10))
def test_any_yaml_mapping_gives_a_report(config: dict[str, Any]) -> None:
    validates({**LEGAL_TERMS, TASK_YAML: yaml.safe_dump(config).encode()})


@FUZZ
@given(st.binary(max_size=2_000))
def test_any_bytes_as_data_give_a_report(data: bytes) -> None:
    validates({**LEGAL_TERMS, "legal_terms.jsonl": data})


rows = st.lists(
    st.fixed_dictionaries(
        {"question": values, "choices": values, "answer": values},
        optional={"extra": values},
    ),
    min_size=1,
    max_size=5,
)


@FUZZ
@given(rows)
def test_any_rows_of_json_give_a_report(rows: list[dict[str, Any]]) -> None:
    data = "".join(json.dumps(row) + "\n" for row in rows).encode()
    validates({**LEGAL_TERMS, "legal_terms.jsonl": data})


jinja_pieces = st.sampled_from(
    [
        "{{",
        "}}",
        "{%",
        "%}",
        "for",
        "in",
        "if",
        "endfor",
        "endif",
        "set",
        ".",
        "[",
        "]",
        "(",
        ")",
        "|",
        "_",
        "__class__",
        "'",
        '"',
        "question",
        "choices",
        "answer",
        "loop",
        "range",
        "lower",
        "~",
        "+",
        "*",
        "0",
        "-1",
        " ",
        "x",
    ]
)


@FUZZ
@given(st.lists(jinja_pieces, max_size=25).map("".join))
def test_any_template_text_gives_messages(source: str) -> None:
    assert isinstance(template_problems(source, ("question", "choices", "answer")), list)


ARCHIVES = {"s.zip": make_zip(LEGAL_TERMS), "s.tgz": make_tgz(tar_entries(LEGAL_TERMS))}


class RecordingEnvironment(jinja2.Environment):
    """lm-eval's Jinja settings (lm_eval.utils.env), unsandboxed, noting every Python
    attribute a template reads, directly or when a subscript falls back to one."""

    def __init__(self) -> None:
        super().__init__(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
        self.filters["regex_replace"] = regex_replace
        self.attributes: list[str] = []

    def getattr(self, obj: Any, attribute: str) -> Any:
        if hasattr(obj, attribute):
            self.attributes.append(attribute)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        try:
            return obj[argument]
        except (AttributeError, TypeError, LookupError):
            if isinstance(argument, str) and hasattr(obj, argument):
                self.attributes.append(argument)
        return super().getitem(obj, argument)


names = st.sampled_from(["question", "choices", "answer", "loop", "cycler", "self"])
attributes = st.sampled_from(["text", "label", "upper", "__class__", "_x", "mro", "gi_frame"])
keys = st.sampled_from(["0", "-1", "answer", "question", "'text'", "'__class__'", "loop.index0"])
suffixes = st.sampled_from(
    [
        "|lower",
        "|first",
        "|list",
        "|string",
        "|int",
        "|attr('__class__')",
        "|map('upper')",
        ".strip()",
        ".format(question)",
        ".__subclasses__()",
        ".get('text')",
        ".split(' ')",
    ]
)
expressions = st.recursive(
    names,
    lambda inner: st.one_of(
        st.tuples(inner, attributes).map(lambda p: f"{p[0]}.{p[1]}"),
        st.tuples(inner, keys).map(lambda p: f"{p[0]}[{p[1]}]"),
        st.tuples(inner, suffixes).map("".join),
    ),
    max_leaves=5,
)
hostile_rows = st.fixed_dictionaries(
    {
        "question": st.sampled_from(["q", "__class__", "text", "_x", "items"]),
        "choices": st.one_of(
            st.lists(st.sampled_from(["a", "__init__", "text"]), min_size=1, max_size=3),
            st.fixed_dictionaries({"text": st.lists(st.text(max_size=3), max_size=2)}),
        ),
        "answer": st.one_of(st.integers(-2, 3), st.sampled_from(["text", "__class__", "upper"])),
    }
)


@settings(FUZZ, max_examples=200)
@given(expressions, hostile_rows, st.booleans())
def test_what_passes_reads_no_private_attribute_in_lm_evals_jinja(
    expression: str, row: dict[str, Any], in_loop: bool
) -> None:
    source = f"{{{{ {expression} }}}}"
    if in_loop:
        source = f"{{% for c in choices %}}{source}{{% endfor %}}"
    if template_problems(source, tuple(row)):
        return
    try:
        render(compile_template(source), row)
    except Exception:  # refused at upload: lm-eval never renders it
        return
    lm_eval_like = RecordingEnvironment()
    lm_eval_like.from_string(source).render(**row)
    assert not [name for name in lm_eval_like.attributes if name.startswith("_")]


@pytest.mark.parametrize("filename", list(ARCHIVES))
@FUZZ
@given(data=st.data())
def test_damaged_archives_are_read_or_refused(filename: str, data: st.DataObject) -> None:
    damaged = bytearray(ARCHIVES[filename])
    for _ in range(data.draw(st.integers(1, 8))):
        damaged[data.draw(st.integers(0, len(damaged) - 1))] = data.draw(st.integers(0, 255))
    try:
        read_archive(bytes(damaged), filename)
    except SuiteRefused as refused:
        assert refused.problems
