"""Names of lm-eval's built-in tasks, groups and tags, which uploaded names must not take.

lm-eval indexes its ~14,000 task files with a full YAML parse (about 4 s). We only need the
names, so we read the `task:`, `group:` and `tag:` lines of every YAML-like file under
`lm_eval/tasks` as text (about 1 s, once per process). The scan leans towards too many names
(it also picks up the members listed under a group's `task:`), which only ever refuses a name
that is already taken elsewhere in lm-eval.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
from pathlib import Path

# `task: name`, `"tag": "name"`, `tag: [a, b]` or `tag:` followed by `- a` lines.
_TOP_LEVEL = re.compile(r"""^["']?(?:task|group|tag)["']?[ \t]*:[ \t]*(.*?)[ \t]*(?:#.*)?$""")
_ITEM = re.compile(r"^[ \t]*-[ \t]+(.*?)[ \t]*(?:#.*)?$")
_NOT_YAML = (".py", ".pyc", ".md", ".json", ".jsonl", ".txt", ".tsv", ".csv", ".sh", ".jpg")


@functools.cache
def builtin_task_names() -> frozenset[str]:
    """Every task, group and tag name lm-eval defines, case-folded."""
    spec = importlib.util.find_spec("lm_eval")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    root = Path(next(iter(spec.submodule_search_locations))) / "tasks"
    names: set[str] = set()
    for folder, _, files in os.walk(root):
        for file in files:
            # lm-eval includes template files with any name (`_default_template_yaml`,
            # `flores`), and their `tag:` lines name tags of the tasks including them.
            if not file.endswith(_NOT_YAML):
                names.update(_names_in(Path(folder, file).read_text("utf-8", errors="replace")))
    return frozenset(name.casefold() for name in names if name)


def _names_in(text: str) -> set[str]:
    names: set[str] = set()
    in_list = False
    for line in text.splitlines():
        top = _TOP_LEVEL.match(line)
        if top:
            value = top.group(1)
            in_list = not value
            if value.startswith("["):
                names.update(_unquote(item) for item in value.strip("[]").split(","))
            elif value:
                names.add(_unquote(value))
        elif in_list and (item := _ITEM.match(line)):
            names.add(_unquote(item.group(1)))
        elif line[:1] not in ("", " ", "\t"):
            in_list = False
    return names


def _unquote(value: str) -> str:
    return value.strip().strip("'\"")
