"""Uploaded lm-eval suites: unpacking, validation, materialisation and preview.

Uploads are untrusted: lm-eval task YAML can import Python, run shell commands through Jinja
and read any file. Only a strict, documented subset is accepted (docs/suites.md), and what
lm-eval finally reads is YAML we write ourselves.
"""

from evals.suites.archive import read_archive, read_upload
from evals.suites.materialise import materialise_suite
from evals.suites.preview import preview_items
from evals.suites.report import Problem, SuiteRefused, SuiteReport
from evals.suites.validate import validate_suite

__all__ = [
    "Problem",
    "SuiteRefused",
    "SuiteReport",
    "materialise_suite",
    "preview_items",
    "read_archive",
    "read_upload",
    "validate_suite",
]
