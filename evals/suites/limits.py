"""Size and count limits on uploaded suites.

Every limit bounds the work an untrusted upload can make us do (memory while unpacking, time
while parsing and rendering) and is far above what a real domain suite needs: a 5,000-item
multiple-choice suite in JSON lines is about 2 MB.
"""

from __future__ import annotations

KIB = 1024
MIB = 1024 * KIB

# The archive as uploaded (compressed).
MAX_ARCHIVE_BYTES = 20 * MIB
# Entries an archive may list, directories and ignored files included: bounds the work of
# walking an archive made of millions of empty entries.
MAX_ARCHIVE_ENTRIES = 1_000
# Files kept after ignoring READMEs and operating-system litter.
MAX_FILES = 200
# One data file (.jsonl, .json, .csv), counted in bytes actually read, never from headers.
MAX_FILE_BYTES = 20 * MIB
# One YAML file: a task configuration is a few hundred bytes.
MAX_YAML_BYTES = 256 * KIB
# All files together, uncompressed.
MAX_TOTAL_BYTES = 50 * MIB
# File paths inside the upload.
MAX_PATH_CHARS = 200
MAX_PATH_DEPTH = 8

# Rows in one data file; every template is rendered over every row at upload time.
MAX_ROWS_PER_FILE = 20_000
# Tasks and groups in one suite.
MAX_TASKS = 100
# Task, group and tag names: lm-eval's own names are never longer than this in practice.
MAX_NAME_CHARS = 100
# One template (doc_to_text, doc_to_target, doc_to_choice, description).
MAX_TEMPLATE_CHARS = 10_000
# One rendered template: larger prompts are almost certainly a mistake (or an attack).
MAX_RENDERED_CHARS = 200_000
# Nested {% for %} loops in one template: two covers every lm-eval idiom; more multiplies work.
MAX_LOOP_DEPTH = 2
# Few-shot examples and generation settings.
MAX_NUM_FEWSHOT = 25
MAX_REPEATS = 10
MAX_GEN_TOKS = 4096
MAX_DELIMITER_CHARS = 200
# Few-shot samples written inline in fewshot_config.samples.
MAX_INLINE_SAMPLES = 100
