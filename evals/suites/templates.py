"""Jinja templates of uploaded tasks: a static allow-list check, then a strict sandbox.

Why a template that passes here is harmless when lm-eval renders it with its own, unsandboxed
Jinja environment (`lm_eval.utils.env`) at run time:

1. The check reads the template's syntax tree and allows only output, `{% if %}` and
   `{% for %}`; names that are fields of the data, loop variables and `loop`; attribute names
   that do not start with `_` (nor Python's frame and generator internals); calls of a fixed
   list of side-effect-free `str`/`dict` methods, by name; and a fixed list of filters and
   tests, none of which takes an attribute path or returns a generator.
2. So every value a template can reach is data (text, numbers, booleans, None, lists and
   dicts from JSON or CSV), a result of an allowed method or filter, a `loop` object, or a
   bound method of one of those; their attributes not starting with `_` are methods and
   numbers only. No module, class, frame, function globals or builtins is reachable, and
   nothing but the allowed methods can be called.
3. The one lookup whose name is not written in the template is a subscript with a computed
   key (`choices[label]`): Jinja falls back to `getattr` when the item is missing. The check
   allows a computed key only when both the key and the subscripted value are plain
   references to data (fields, loop variables over data, numbers), and the validation sandbox
   refuses any subscript that falls back to an attribute. lm-eval renders the same templates
   over the same stored rows, so it makes the same lookups: none reaches an attribute.
4. The sandbox also bounds the output, and the check refuses `*`, `%`, `**`, `range` and
   width-taking filters, so a template cannot make us (or lm-eval) build gigabyte strings.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jinja2 import StrictUndefined, Template, nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from evals.suites import limits

# Methods a template may call, by name: pure functions of text and mappings.
SAFE_METHODS = frozenset(
    {
        *("strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "partition"),
        *("rpartition", "lower", "upper", "title", "capitalize", "casefold", "swapcase"),
        *("replace", "startswith", "endswith", "join", "find", "rfind", "count"),
        *("index", "rindex"),
        *("removeprefix", "removesuffix", "isdigit", "isalpha", "isalnum", "isspace"),
        *("isnumeric", "isdecimal", "isupper", "islower", "istitle"),
        *("keys", "values", "items", "get"),
    }
)
# Filters a template may use, with how many positional arguments each may take (more would
# reach an `attribute` parameter, which walks attribute paths).
SAFE_FILTERS: Mapping[str, int] = {
    **dict.fromkeys(("abs", "capitalize", "count", "length", "first", "last", "list"), 0),
    **dict.fromkeys(("lower", "upper", "title", "reverse", "string", "striptags"), 0),
    **dict.fromkeys(("wordcount", "sum"), 0),
    **dict.fromkeys(("join", "trim", "min", "max", "float", "tojson"), 1),
    **dict.fromkeys(("default", "d", "int", "round", "sort"), 2),
    **dict.fromkeys(("replace", "regex_replace", "dictsort"), 3),
    "truncate": 4,
}
SAFE_TESTS = frozenset(
    {
        *("defined", "undefined", "none", "boolean", "false", "true", "integer", "float"),
        *("number", "string", "mapping", "sequence", "iterable", "odd", "even"),
        *("divisibleby", "lower", "upper", "sameas", "in"),
        *("eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<="),
        *("gt", "greaterthan", ">", "ge", ">="),
    }
)
# Filters that may consume `map(attribute=...)`: they turn its generator into data at once.
_MAP_CONSUMERS = frozenset({"list", "join", "first", "last", "sum", "min", "max", "sort"})
# Filters whose result is a number whatever their input: safe as a computed subscript key.
_NUMBER_FILTERS = frozenset({"int", "length", "count"})
_LOOP_NUMBERS = frozenset({"index", "index0", "revindex", "revindex0", "length", "depth"})
_INTERNAL_ATTRIBUTES = frozenset(
    {
        *("mro", "format", "format_map", "func_globals", "func_code", "func_closure"),
        *("gi_frame", "gi_code", "gi_yieldfrom", "ag_frame", "ag_code", "ag_await"),
        *("cr_frame", "cr_code", "cr_await", "cr_origin", "tb_frame", "tb_next"),
        *("f_globals", "f_locals", "f_builtins", "f_back", "f_code", "im_func", "im_self"),
    }
)
_STATEMENT_NAMES: Mapping[type[nodes.Node], str] = {
    nodes.Macro: "{% macro %}",
    nodes.CallBlock: "{% call %}",
    nodes.FilterBlock: "{% filter %}",
    nodes.With: "{% with %}",
    nodes.Include: "{% include %}",
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from ... import %}",
    nodes.Extends: "{% extends %}",
    nodes.Block: "{% block %}",
}
_REFUSED_OPERATORS: Mapping[type[nodes.Node], str] = {
    nodes.Mul: "'*' (it can build huge strings)",
    nodes.Pow: "'**' (it can build huge numbers)",
    nodes.Mod: "'%' formatting (it can build huge strings)",
}


def regex_replace(string: str, pattern: str, repl: str, count: int = 0) -> str:
    """lm-eval's own `regex_replace` filter (`lm_eval.utils.regex_replace`)."""
    return re.sub(pattern, repl, string, count=count)


class RenderTooLarge(Exception):
    """A template rendered to more than `MAX_RENDERED_CHARS`."""


class _ValidationSandbox(ImmutableSandboxedEnvironment):
    """lm-eval's Jinja settings, sandboxed, and stricter about subscripts (point 3 above)."""

    def getitem(self, obj: Any, argument: Any) -> Any:
        try:
            return obj[argument]
        except (TypeError, LookupError):
            if isinstance(argument, str):
                raise SecurityError(
                    f"{argument!r} is not a key of the value it subscripts"
                ) from None
            return self.undefined(obj=obj, name=argument)


SANDBOX = _ValidationSandbox(undefined=StrictUndefined, keep_trailing_newline=True)
SANDBOX.filters["regex_replace"] = regex_replace
# Names a template could use to reach Jinja's globals (range, cycler, namespace, ...) or
# machinery (self, caller): never data fields, whatever the data says.
RESERVED_NAMES = frozenset(SANDBOX.globals) | {"self", "loop", "caller", "kwargs", "varargs"}


def template_problems(source: str, fields: Collection[str]) -> list[str]:
    """Why `source` is not an acceptable template over rows with `fields` (empty when it is)."""
    if len(source) > limits.MAX_TEMPLATE_CHARS:
        return [f"templates are limited to {limits.MAX_TEMPLATE_CHARS} characters"]
    try:
        tree = SANDBOX.parse(source)
    except TemplateSyntaxError as error:
        return [f"template syntax error (template line {error.lineno}): {error.message}"]
    checker = _Checker(fields)
    checker.statements(tree.body, _Scope())
    return checker.messages


def compile_template(source: str) -> Template:
    """A template that passed `template_problems`, compiled for the validation sandbox."""
    return SANDBOX.from_string(source)


def render(template: Template, row: Mapping[str, Any]) -> str:
    """Render in the sandbox, stopping once the output passes `MAX_RENDERED_CHARS`."""
    parts: list[str] = []
    size = 0
    for part in template.generate(**row):
        size += len(part)
        if size > limits.MAX_RENDERED_CHARS:
            raise RenderTooLarge(f"the rendered text passes {limits.MAX_RENDERED_CHARS} characters")
        parts.append(part)
    return "".join(parts)


@dataclass(frozen=True)
class _Scope:
    # Loop variables, each with whether it holds plain data (see `_Checker.plain`).
    bound: Mapping[str, bool] = field(default_factory=dict)
    in_loop: bool = False
    loop_depth: int = 0


class _Checker:
    def __init__(self, fields: Collection[str]) -> None:
        self.fields = fields
        self.messages: list[str] = []
        self.assigned: set[str] = set()

    def refuse(self, node: nodes.Node, message: str) -> None:
        where = f" (template line {node.lineno})" if getattr(node, "lineno", 1) > 1 else ""
        if message + where not in self.messages:
            self.messages.append(message + where)

    # Statements ---------------------------------------------------------------------------

    def statements(self, body: Sequence[nodes.Node], scope: _Scope) -> None:
        for node in body:
            if isinstance(node, nodes.Output):
                for child in node.nodes:
                    if not isinstance(child, nodes.TemplateData):
                        self.expr(child, scope)
            elif isinstance(node, nodes.If):
                self.expr(node.test, scope)
                self.statements(node.body, scope)
                self.statements(node.elif_, scope)
                self.statements(node.else_, scope)
            elif isinstance(node, nodes.For):
                self.for_loop(node, scope)
            elif isinstance(node, nodes.Assign | nodes.AssignBlock):
                self.assignment(node, scope)
            else:
                name = _STATEMENT_NAMES.get(type(node), type(node).__name__)
                self.refuse(node, f"{name} is not allowed in templates")

    def assignment(self, node: nodes.Assign | nodes.AssignBlock, scope: _Scope) -> None:
        """`{% set name = ... %}` (or a `{% set name %}` block) naming a value of data.

        The value may not use a name set before: without chains of assignments, every value
        is one expression over the data, so `{% set x = x ~ x %}` cannot double a text again
        and again (the rendered-size limit only sees the output).
        """
        target = node.target
        if not isinstance(target, nodes.Name):
            self.refuse(node, "{% set %} may only assign one plain name")
        elif target.name in RESERVED_NAMES or target.name.startswith("_"):
            self.refuse(node, f"'{target.name}' cannot be assigned; choose another name")
        if isinstance(node, nodes.AssignBlock) and node.filter is not None:
            self.refuse(node, "{% set %} blocks may not apply a filter; filter the value inside")
        value = node.node if isinstance(node, nodes.Assign) else node
        used = {name.name for name in value.find_all(nodes.Name) if name.ctx == "load"}
        if used & self.assigned:
            names = ", ".join(sorted(used & self.assigned))
            self.refuse(node, f"a {{% set %}} value may not use names set before ({names})")
        if isinstance(node, nodes.Assign):
            self.expr(node.node, scope)
        else:
            self.statements(node.body, scope)
        if isinstance(target, nodes.Name):
            self.assigned.add(target.name)

    def for_loop(self, node: nodes.For, scope: _Scope) -> None:
        if node.recursive:
            self.refuse(node, "recursive loops are not allowed")
        if scope.loop_depth >= limits.MAX_LOOP_DEPTH:
            self.refuse(node, f"loops may be nested at most {limits.MAX_LOOP_DEPTH} deep")
        if self.mapped(node.iter):
            self.attribute_map(node.iter, scope)  # type: ignore[arg-type]
        else:
            self.expr(node.iter, scope)
        targets = node.target.items if isinstance(node.target, nodes.Tuple) else (node.target,)
        plain = self.plain(node.iter, scope)
        bound = dict(scope.bound)
        for target in targets:
            if isinstance(target, nodes.Name):
                bound[target.name] = plain
            else:
                self.refuse(node, "loop variables must be plain names")
        inner = _Scope(bound, in_loop=True, loop_depth=scope.loop_depth + 1)
        if node.test is not None:
            self.expr(node.test, inner)
        self.statements(node.body, inner)
        self.statements(node.else_, scope)

    # Expressions --------------------------------------------------------------------------

    def expr(self, node: nodes.Node, scope: _Scope) -> None:
        if isinstance(node, nodes.Const):
            return
        if isinstance(node, nodes.Name):
            return self.name(node, scope)
        if isinstance(node, nodes.Getattr):
            self.attribute(node, node.attr)
            return self.expr(node.node, scope)
        if isinstance(node, nodes.Getitem):
            return self.subscript(node, scope)
        if isinstance(node, nodes.Call):
            return self.call(node, scope)
        if isinstance(node, nodes.Filter):
            return self.filter(node, scope)
        if isinstance(node, nodes.Test):
            if node.name not in SAFE_TESTS:
                self.refuse(node, f"the test '{node.name}' is not allowed")
            return self.arguments(node, scope)
        if type(node) in _REFUSED_OPERATORS:
            return self.refuse(
                node, f"the operator {_REFUSED_OPERATORS[type(node)]} is not allowed"
            )
        children = _EXPRESSION_CHILDREN.get(type(node))
        if children is None:
            return self.refuse(node, f"'{type(node).__name__}' expressions are not allowed")
        for child in children(node):
            if child is not None:
                self.expr(child, scope)
        return None

    def name(self, node: nodes.Name, scope: _Scope) -> None:
        if node.ctx != "load":
            self.refuse(node, "assigning names is not allowed")
        elif (
            node.name in scope.bound
            or node.name in self.assigned
            or (node.name == "loop" and scope.in_loop)
        ):
            return
        elif node.name in RESERVED_NAMES:
            message = f"'{node.name}' is reserved by Jinja; templates may only use data fields"
            self.refuse(node, message)
        elif node.name not in self.fields:
            known = ", ".join(sorted(self.fields)) or "none"
            self.refuse(node, f"'{node.name}' is not a field of the data (fields: {known})")

    def attribute(self, node: nodes.Node, name: str) -> None:
        if name.startswith("_") or name in _INTERNAL_ATTRIBUTES:
            self.refuse(node, f"the attribute '{name}' is not allowed (private or internal)")

    def subscript(self, node: nodes.Getitem, scope: _Scope) -> None:
        self.expr(node.node, scope)
        key = node.arg
        if isinstance(key, nodes.Slice):
            for bound in (key.start, key.stop, key.step):
                if bound is not None:
                    self.expr(bound, scope)
        elif isinstance(key, nodes.Const):
            if isinstance(key.value, str):
                self.attribute(node, key.value)
        elif isinstance(key, nodes.Neg | nodes.Pos) and isinstance(key.node, nodes.Const):
            # `[-1]` parses as minus applied to 1: still a number written in the template.
            self.expr(key.node, scope)
        else:
            self.expr(key, scope)
            if not (self.plain(key, scope) and self.plain(node.node, scope)):
                self.refuse(
                    node,
                    "a computed subscript must use plain data on both sides, "
                    "e.g. choices[label] or choices[answer|int]",
                )

    def call(self, node: nodes.Call, scope: _Scope) -> None:
        func = node.node
        # What is being called is checked first: its own problems ('cycler', '__init__')
        # say more about a hostile template than the call does.
        self.expr(func.node if isinstance(func, nodes.Getattr) else func, scope)
        method = func.attr if isinstance(func, nodes.Getattr) else None
        if method not in SAFE_METHODS:
            called = f"'{method}'" if method else "functions"
            self.refuse(
                node,
                f"calling {called} is not allowed; templates may call only text and mapping "
                "methods such as strip, split, lower, replace and get (see docs/suites.md)",
            )
        elif method == "replace":
            self.literal_first_argument(node, "replace")
        self.arguments(node, scope)

    def attribute_map(self, node: nodes.Filter, scope: _Scope) -> None:
        """`map(attribute='text')`: one written key looked up in each item, as a subscript.

        Jinja's attribute getter goes through the environment's `getitem`, so the validation
        sandbox refuses it falling back to a Python attribute, as for any subscript; the key
        is a constant checked like an attribute name. Its generator is consumed at once (by
        the filter or loop around it), so no generator object is ever reachable.
        """
        keyword = node.kwargs[0] if len(node.kwargs) == 1 else None
        if (
            node.args
            or node.dyn_args is not None
            or node.dyn_kwargs is not None
            or keyword is None
            or keyword.key != "attribute"
            or not isinstance(keyword.value, nodes.Const)
            or not isinstance(keyword.value.value, str | int)
        ):
            self.refuse(node, "'map' takes only attribute='<a key written in the template>'")
        else:
            for part in str(keyword.value.value).split("."):
                self.attribute(node, part)
        if node.node is not None:
            self.expr(node.node, scope)

    def mapped(self, node: nodes.Node | None) -> bool:
        return isinstance(node, nodes.Filter) and node.name == "map"

    def filter(self, node: nodes.Filter, scope: _Scope) -> None:
        if node.name == "map":
            message = "'map' must be followed by a filter such as list or join, or be looped over"
            return self.refuse(node, message)
        limit = SAFE_FILTERS.get(node.name)
        if limit is None:
            allowed = ", ".join(sorted(SAFE_FILTERS))
            return self.refuse(
                node, f"the filter '{node.name}' is not allowed (allowed: {allowed})"
            )
        if len(node.args) > limit or any(kw.key == "attribute" for kw in node.kwargs):
            message = f"'{node.name}' takes at most {limit} arguments here, and no 'attribute'"
            self.refuse(node, message)
        if node.name in ("replace", "regex_replace"):
            self.literal_first_argument(node, node.name)
        if self.mapped(node.node) and node.name in _MAP_CONSUMERS:
            self.attribute_map(node.node, scope)  # type: ignore[arg-type]
        elif node.node is not None:
            self.expr(node.node, scope)
        return self.arguments(node, scope)

    def literal_first_argument(self, node: nodes.Call | nodes.Filter, name: str) -> None:
        # replace('', x) inserts x between every character; a fixed, non-empty pattern keeps
        # the output proportional to the input (and a regex that compiles now compiles later).
        first = node.args[0] if node.args else None
        if not (isinstance(first, nodes.Const) and isinstance(first.value, str) and first.value):
            self.refuse(node, f"the first argument of '{name}' must be non-empty quoted text")
        elif name == "regex_replace":
            try:
                re.compile(first.value)
            except re.error as error:
                self.refuse(node, f"the pattern of 'regex_replace' is not a valid regex ({error})")

    def arguments(self, node: nodes.Call | nodes.Filter | nodes.Test, scope: _Scope) -> None:
        if node.dyn_args is not None or node.dyn_kwargs is not None:
            self.refuse(node, "*args and **kwargs are not allowed")
        for argument in node.args:
            self.expr(argument, scope)
        for keyword in node.kwargs:
            self.expr(keyword.value, scope)

    def plain(self, node: nodes.Node, scope: _Scope) -> bool:
        """Whether `node` evaluates to stored data as is (or to a number), never to text built
        by the template: such a value is the same at run time as in our validation render."""
        if isinstance(node, nodes.Const):
            return True
        if isinstance(node, nodes.Name):
            if node.name in self.assigned and node.name not in scope.bound:
                return False  # built by the template
            return scope.bound.get(node.name, node.name in self.fields)
        if isinstance(node, nodes.Getattr):
            if isinstance(node.node, nodes.Name) and node.node.name == "loop":
                return node.attr in _LOOP_NUMBERS
            return self.plain(node.node, scope)
        if isinstance(node, nodes.Getitem):
            return not isinstance(node.arg, nodes.Slice) and all(
                self.plain(part, scope) for part in (node.node, node.arg)
            )
        if isinstance(node, nodes.List | nodes.Tuple):
            return all(self.plain(item, scope) for item in node.items)
        if isinstance(node, nodes.Filter):
            return node.name in _NUMBER_FILTERS
        if isinstance(node, nodes.Add | nodes.Sub):
            return any(
                isinstance(side, nodes.Const) and isinstance(side.value, int)
                for side in (node.left, node.right)
            ) and all(self.plain(side, scope) for side in (node.left, node.right))
        if isinstance(node, nodes.Neg):
            return self.plain(node.node, scope)
        return False


_EXPRESSION_CHILDREN: Mapping[type[nodes.Node], Any] = {
    nodes.CondExpr: lambda n: (n.test, n.expr1, n.expr2),
    nodes.And: lambda n: (n.left, n.right),
    nodes.Or: lambda n: (n.left, n.right),
    nodes.Add: lambda n: (n.left, n.right),
    nodes.Sub: lambda n: (n.left, n.right),
    nodes.Div: lambda n: (n.left, n.right),
    nodes.FloorDiv: lambda n: (n.left, n.right),
    nodes.Not: lambda n: (n.node,),
    nodes.Neg: lambda n: (n.node,),
    nodes.Pos: lambda n: (n.node,),
    nodes.Concat: lambda n: n.nodes,
    nodes.Compare: lambda n: (n.expr, *(operand.expr for operand in n.ops)),
    nodes.List: lambda n: n.items,
    nodes.Tuple: lambda n: n.items,
    nodes.Dict: lambda n: [part for pair in n.items for part in (pair.key, pair.value)],
}
