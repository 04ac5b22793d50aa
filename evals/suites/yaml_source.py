"""Reading uploaded YAML as plain data, remembering where each key was written.

The YAML is only *composed* (parsed into nodes), never constructed by a loader that knows
tags: no tag, anchor or alias gets a meaning here. Any explicit tag (`!function`,
`!!python/object/apply:...`, even a bare `!`) is refused, because lm-eval's own loader gives
`!function` the power to import Python, and anchors and aliases are refused because nothing in
a task configuration needs them while they make "billion laughs" documents possible.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from evals.suites.report import Problem

Path = tuple[str | int, ...]

# Deeper than any task configuration: group -> metric_list -> item -> regexes_to_ignore -> item.
_MAX_DEPTH = 8
_STR = "tag:yaml.org,2002:str"
# Scalars we build; YAML's other implicit types (dates, binary) have no place in a task.
_SCALAR_TAGS = frozenset(
    {
        _STR,
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:null",
    }
)


def key_text(path: Path) -> str:
    """`("metric_list", 0, "metric")` -> `"metric_list[0].metric"`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


class _Refused:
    """Stands for a value refused while reading (a tag, an alias), already reported: later
    checks skip it, so one refusal does not hide or duplicate the file's other problems."""

    def __repr__(self) -> str:
        return "REFUSED"


REFUSED: Any = _Refused()


@dataclass(frozen=True)
class YamlFile:
    """A YAML mapping as plain Python data, with the 1-based line of each key and item.

    `origins` names, for top-level keys taken from an included file, the file that wrote
    them, so that a problem with such a key points at the line that wrote it.
    """

    name: str
    data: dict[str, Any]
    lines: Mapping[Path, int]
    origins: Mapping[str, YamlFile] = field(default_factory=dict)

    def line(self, path: Path) -> int:
        """The line of `path`, or of its nearest ancestor written in the file."""
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def problem(self, path: Path, message: str) -> Problem:
        origin = self.origins.get(str(path[0])) if path else None
        if origin is not None:
            return origin.problem(path, message)
        return Problem(self.name, self.line(path), key_text(path), message)


def load_yaml(name: str, text: str) -> tuple[YamlFile | None, list[Problem]]:
    """Parse one uploaded YAML file; None (with problems) when it cannot be used."""
    try:
        loader = _RecordingLoader(text)
    except yaml.reader.ReaderError as error:
        bad_line = text[: error.position].count("\n") + 1
        return None, [Problem(name, bad_line, "", f"this is not valid YAML: {error.reason}")]
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        return None, [Problem(name, line, "", f"this is not valid YAML: {error.problem}")]
    except (yaml.YAMLError, RecursionError) as error:
        return None, [Problem(name, None, "", f"this is not valid YAML ({type(error).__name__})")]
    finally:
        loader.dispose()
    if not isinstance(root, MappingNode):
        line = root.start_mark.line + 1 if root else None
        return None, [Problem(name, line, "", "a suite YAML file must be a mapping of keys")]
    walker = _Walker(name, loader)
    data = walker.value(root, ())
    # Refused values stay as REFUSED: the file is still checked, so every problem shows at once.
    return YamlFile(name, data, walker.lines), walker.problems


# What to write instead of a `!function` under each key: the declarative form, when one exists.
_INSTEAD_OF_FUNCTION = {
    "doc_to_text": "write a Jinja template (docs/suites.md, Templates)",
    "doc_to_target": "write a field name or a Jinja template",
    "doc_to_choice": "write a field name, a list, or a Jinja template that renders a list",
    "process_docs": "clean the rows before uploading them, or do the cleaning in the templates",
    "process_results": "name a built-in metric in metric_list (docs/suites.md, Tasks)",
    "metric": "name a built-in metric (acc, exact_match, f1, bleu, ...)",
    "aggregation": "remove 'aggregation': each metric's own is used",
    "function": "use a built-in filter (regex, take_first, majority_vote, ...)",
    "sampler": "use sampler: default or first_n",
}


def tag_message(tag: str, path: Path) -> str:
    """Why a YAML tag is refused, and what to write instead when we know."""
    message = f"YAML tags such as '{tag}' are not allowed (they make lm-eval run code)"
    instead = _INSTEAD_OF_FUNCTION.get(str(path[-1])) if path else None
    return f"{message}; {instead}" if instead else message


class _RecordingLoader(yaml.SafeLoader):
    """Composes nodes and records which of them carried a tag, an anchor or an alias.

    After composition a tagged node cannot be told from a plain one (`!!str a` and `a` look
    alike), so the composer is watched while it reads the events.
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.tags: dict[int, str] = {}
        self.anchored: set[int] = set()

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()
        tag = getattr(event, "tag", None)
        anchored = getattr(event, "anchor", None) is not None
        node = super().compose_node(parent, index)
        if tag is not None:
            self.tags[id(node)] = tag.replace("tag:yaml.org,2002:", "!!")
        if anchored:
            self.anchored.add(id(node))
        return node


class _Walker:
    def __init__(self, name: str, loader: _RecordingLoader) -> None:
        self.name = name
        self.loader = loader
        self.lines: dict[Path, int] = {}
        self.problems: list[Problem] = []
        # Constructs plain scalars only; a fresh one per file because it caches by node.
        self.constructor = yaml.constructor.SafeConstructor()

    def refuse(self, node: Node, path: Path, message: str) -> Any:
        self.problems.append(Problem(self.name, node.start_mark.line + 1, key_text(path), message))
        return REFUSED

    def value(self, node: Node, path: Path) -> Any:
        if id(node) in self.loader.tags:
            return self.refuse(node, path, tag_message(self.loader.tags[id(node)], path))
        if id(node) in self.loader.anchored:
            return self.refuse(
                node, path, "YAML anchors (&name) and aliases (*name) are not allowed"
            )
        if len(path) > _MAX_DEPTH:
            return self.refuse(node, path, "values are nested too deeply")
        if isinstance(node, MappingNode):
            return self.mapping(node, path)
        if isinstance(node, SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                self.lines[(*path, index)] = item.start_mark.line + 1
                items.append(self.value(item, (*path, index)))
            return items
        if node.tag not in _SCALAR_TAGS:
            message = "only text, numbers, true/false and null are allowed (quote dates)"
            return self.refuse(node, path, message)
        return self.constructor.construct_object(node)

    def mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if (
                not isinstance(key_node, ScalarNode)
                or key_node.tag != _STR
                or id(key_node) in self.loader.tags
            ):
                message = "keys must be plain text: no tags, merge keys ('<<') or complex keys"
                self.refuse(key_node, path, message)
                continue
            key = key_node.value
            self.lines[(*path, key)] = key_node.start_mark.line + 1
            if key in result:
                self.refuse(key_node, (*path, key), "this key appears twice; keep one")
                self.value(value_node, (*path, key))  # its own problems (a tag) still count
                continue
            result[key] = self.value(value_node, (*path, key))
        return result
