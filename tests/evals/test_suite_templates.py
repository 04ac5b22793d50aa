"""Template checks: lm-eval's idioms pass; anything reaching beyond the data does not."""

from __future__ import annotations

import pytest
from jinja2.exceptions import SecurityError

from evals.suites import limits
from evals.suites.templates import RenderTooLarge, compile_template, render, template_problems

FIELDS = ("question", "choices", "answer", "label", "text", "context")
ROW = {
    "question": "  What is a tort?  ",
    "choices": {"text": ["a wrong", "a cake"], "label": ["A", "B"]},
    "answer": "Reasoning...\n#### 42",
    "label": 1,
    "text": "The QUICK fox",
    "context": ["x", "y", "z"],
}


@pytest.mark.parametrize(
    ("template", "rendered"),
    [
        ("{{question.strip()}}", "What is a tort?"),
        ("{{choices.text[0]}}", "a wrong"),
        ("{{choices['label'][label]}}", "B"),
        ("{{answer.split('####')[-1].strip()}}", "42"),
        ('{{ "A" if label else "B" }}', "A"),
        (
            "{% for c in context %}{{ 'ABC'[loop.index0] }}. {{ c }}\n{% endfor %}",
            "A. x\nB. y\nC. z\n",
        ),
        ("{{label}}", "1"),
        ("{{text|lower}}", "the quick fox"),
        ("{{ context[label - 1] }}", "x"),
        ("{{ context[label|int] }}", "y"),
        ("{{ context|join(', ') }}", "x, y, z"),
        ("{{ text|regex_replace('[A-Z]+', '_') }}", "_he _ fox"),
        ("{{ text.replace('QUICK', 'slow') ~ '!' }}", "The slow fox!"),
        ("{% if label is number and label > 0 %}yes{% else %}no{% endif %}", "yes"),
        ("{{ [choices.text[0], choices.text[1]] }}", "['a wrong', 'a cake']"),
        ("{{ context|length }} {{ context|first }} {{ text[:3] }}", "3 x The"),
        # winogrande's form, in Jinja: a computed index into the text, named with set.
        ("{% set i = text.index('QUICK') %}{{ text[:i] }}|{{ text[i:] }}", "The |QUICK fox"),
        ("{% set short %}{{ text|lower }}{% endset %}{{ short }}!", "the quick fox!"),
        ("{{ [choices]|map(attribute='label')|first|join('/') }}", "A/B"),
        ("{% for t in [choices]|map(attribute='text') %}{{ t|join }}{% endfor %}", "a wronga cake"),
    ],
)
def test_it_accepts_lm_eval_idioms_and_renders_them(template: str, rendered: str) -> None:
    assert template_problems(template, FIELDS) == []
    assert render(compile_template(template), ROW) == rendered


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ cycler.__init__.__globals__.os.popen('id').read() }}", "'cycler' is reserved"),
        ("{{ cycler.__init__.__globals__.os.popen('id').read() }}", "'__globals__' is not allowed"),
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "'__class__' is not allowed"),
        ("{{ text['__class__'] }}", "'__class__' is not allowed"),
        ("{{ self._TemplateReference__context }}", "'self' is reserved"),
        ("{{ lipsum.__globals__ }}", "'lipsum' is reserved"),
        ("{{ namespace() }}", "calling functions is not allowed"),
        ("{% for i in range(9999999) %}{% endfor %}", "'range' is reserved"),
        ("{{ config.items() }}", "'config' is not a field"),
        ("{{ text.format(text) }}", "calling 'format' is not allowed"),
        ("{{ text.gi_frame }}", "'gi_frame' is not allowed"),
        ("{{ context|map('upper')|list }}", "'map' takes only attribute="),
        ("{{ context|map(attribute='__class__')|list }}", "'__class__' is not allowed"),
        ("{{ context|map(attribute='a.__init__')|list }}", "'__init__' is not allowed"),
        ("{{ (context|map(attribute='x')).gi_frame }}", "'map' must be followed"),
        ("{{ context|map(attribute=text)|list }}", "'map' takes only attribute="),
        ("{{ context|attr('__class__') }}", "the filter 'attr' is not allowed"),
        ("{{ context|sum(attribute='__class__') }}", "no 'attribute'"),
        ("{{ context|join(', ', '__class__') }}", "no 'attribute'"),
        ("{{ context|selectattr('__class__')|list }}", "'selectattr' is not allowed"),
        ("{{ text is callable }}", "the test 'callable' is not allowed"),
        ("{% set x = text %}{% set y = x ~ x %}{{ y }}", "may not use names set before (x)"),
        ("{% set x %}{{ text }}{% endset %}{% set x %}{{ x }}{{ x }}{% endset %}", "set before"),
        ("{% set loop = text %}", "'loop' cannot be assigned"),
        ("{% set a, b = context %}", "may only assign one plain name"),
        ("{% set x | upper %}{{ text }}{% endset %}", "may not apply a filter"),
        ("{% set ns = namespace() %}", "'namespace' is reserved"),
        ("{% include '/etc/passwd' %}", "{% include %} is not allowed"),
        ("{% import 'x' as y %}", "{% import %} is not allowed"),
        ("{% extends 'x' %}", "{% extends %} is not allowed"),
        ("{% macro m() %}{% endmacro %}", "{% macro %} is not allowed"),
        ("{% filter upper %}x{% endfilter %}", "{% filter %} is not allowed"),
        ("{% with a = 1 %}{% endwith %}", "{% with %} is not allowed"),
        ("{% for x in context recursive %}{{ loop(x) }}{% endfor %}", "recursive loops"),
        ("{{ text * 1000000000 }}", "the operator '*'"),
        ("{{ 9 ** 9 ** 9 }}", "the operator '**'"),
        ("{{ '%0999999999d' % 1 }}", "the operator '%'"),
        ("{{ text.replace('', text) }}", "non-empty quoted text"),
        ("{{ text|replace(question, text) }}", "non-empty quoted text"),
        ("{{ text|regex_replace('(', '') }}", "not a valid regex"),
        ("{{ text.center(9999999999) }}", "calling 'center'"),
        ("{{ context[text[1:]] }}", "plain data on both sides"),
        ("{{ (context|list)[label] }}", "plain data on both sides"),
        ("{{ context[text ~ '_'] }}", "plain data on both sides"),
        ("{{ text.split(*context) }}", "*args and **kwargs"),
        ("{% for a in context %}" * 3 + "{% endfor %}" * 3, "nested at most 2"),
        ("{{ unclosed", "template syntax error"),
    ],
)
def test_it_refuses_templates_that_reach_beyond_the_data(template: str, message: str) -> None:
    found = template_problems(template, FIELDS)

    assert any(message in problem for problem in found), found


def test_it_refuses_loop_outside_a_loop_and_names_of_other_loops() -> None:
    assert template_problems("{{ loop.index }}", FIELDS) == [
        "'loop' is reserved by Jinja; templates may only use data fields"
    ]
    assert (
        "'c' is not a field"
        in template_problems("{% for c in context %}{% endfor %}{{ c }}", FIELDS)[0]
    )


def test_it_says_on_which_template_line_a_problem_is() -> None:
    assert template_problems("first\nsecond {{ range }}", FIELDS) == [
        "'range' is reserved by Jinja; templates may only use data fields (template line 2)"
    ]


def test_it_refuses_overlong_templates() -> None:
    assert template_problems("x" * (limits.MAX_TEMPLATE_CHARS + 1), FIELDS) == [
        f"templates are limited to {limits.MAX_TEMPLATE_CHARS} characters"
    ]


def test_its_sandbox_refuses_a_subscript_that_falls_back_to_an_attribute() -> None:
    # Statically fine (both sides are data); only the values show `question` is no key.
    template = compile_template("{{ choices[question] }}")

    with pytest.raises(SecurityError, match="is not a key of the value"):
        render(template, {**ROW, "question": "items"})
    assert render(template, {**ROW, "question": "text"}) == "['a wrong', 'a cake']"


def test_its_sandbox_refuses_map_falling_back_to_an_attribute() -> None:
    # `upper` is no key of a text: lm-eval's Jinja would hand back bound methods.
    template = compile_template("{{ context|map(attribute='upper')|list }}")

    with pytest.raises(SecurityError, match="is not a key of the value"):
        render(template, ROW)


def test_a_set_name_is_not_plain_data_for_a_computed_subscript() -> None:
    # A name set by the template holds built text, whatever field it shadows.
    problems = template_problems("{% set label = text ~ '' %}{{ choices[label] }}", FIELDS)

    assert any("a computed subscript must use plain data" in p for p in problems)


def test_it_stops_rendering_past_the_size_limit() -> None:
    template = compile_template(
        "{% for a in context %}{% for b in context %}{{ text }}{% endfor %}{% endfor %}"
    )
    big = {**ROW, "context": list(range(50)), "text": "x" * 100_000}

    with pytest.raises(RenderTooLarge):
        render(template, big)
