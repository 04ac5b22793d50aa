"""lm-eval's request cache, read in one batch per call and written once per answer.

lm-eval 0.4.13's `CachingLM` keeps answers in a `SqliteDict` opened with autocommit: the
model's cache hook writes each answer as it is produced, then `CachingLM` writes it again after
the call, and every write is a blocking commit on sqlitedict's worker thread that also captures
the caller's stack (`traceback.extract_stack`). On a tiny model that cost as much as the model
(5.1 s of a 12.8 s run for 2,000 requests).

`RequestCache` keeps the same file, table and encoding (a `SqliteDict` table `unnamed`, keys
from lm-eval's `hash_args`, pickled values), so caches written before this change still
answer, and lm-eval could read ours. It looks requests up with a few `SELECT ... IN` queries,
holds new answers in memory, and writes each one once, in one transaction per model call.
Answers the model produced before a failure are written too, so a retried run does not pay
for them again; during a long call they are flushed every `flush_seconds`.
"""

from __future__ import annotations

import json
import pickle
import sqlite3
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from lm_eval.api.model import hash_args

# sqlitedict's default table ("unnamed") and statements, as lm-eval's CachingLM uses them.
_CREATE = 'CREATE TABLE IF NOT EXISTS "unnamed" (key TEXT PRIMARY KEY, value BLOB)'
_WRITE = 'REPLACE INTO "unnamed" (key, value) VALUES (?, ?)'
# All keys in one statement, bound as a JSON array (no limit on the number of parameters).
_LOOKUP = 'SELECT key, value FROM "unnamed" WHERE key IN (SELECT value FROM json_each(?))'


def cache_path(base: str, rank: int = 0) -> Path:
    """The file lm-eval's `simple_evaluate(use_cache=base)` would use for this rank."""
    return Path(f"{base}_rank{rank}.db")


def is_sampled(kind: str, args: Sequence[Any]) -> bool:
    """Sampled generations are never answered from the cache (as in lm-eval): every repeat
    must be a fresh draw."""
    return (
        kind == "generate_until"
        and len(args) > 1
        and isinstance(args[1], dict)
        and bool(args[1].get("do_sample", False))
    )


class RequestCache:
    """Answers by request, in lm-eval's cache file format. One thread at a time."""

    def __init__(self, path: Path, *, flush_seconds: float = 30.0) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._flush_seconds = flush_seconds
        self._connection = sqlite3.connect(path)
        with self._connection:
            self._connection.execute(_CREATE)
        self._pending: dict[str, Any] = {}
        self._last_flush = time.monotonic()
        self.writes = 0
        self.commits = 0

    def lookup(self, kind: str, requests: Sequence[Sequence[Any]]) -> list[Any | None]:
        """The cached answer of each request (by its args), or None where there is none."""
        keys = [None if is_sampled(kind, args) else hash_args(kind, args) for args in requests]
        wanted = json.dumps([key for key in keys if key is not None])
        # The file is written by this worker only (as lm-eval trusts its own cache file).
        found = {
            key: pickle.loads(bytes(value))  # noqa: S301
            for key, value in self._connection.execute(_LOOKUP, (wanted,))
        }
        return [None if key is None else found.get(key) for key in keys]

    def hold(self, kind: str, args: Sequence[Any], answer: Any) -> None:
        """Keep an answer for the next write; a later answer to the same request replaces it
        (the model's own partial answer is superseded by the final, post-processed one)."""
        if is_sampled(kind, args):
            return
        self._pending[hash_args(kind, args)] = answer
        if time.monotonic() - self._last_flush >= self._flush_seconds:
            self.flush()

    def hold_all(self, kind: str, pairs: Iterable[tuple[Sequence[Any], Any]]) -> None:
        for args, answer in pairs:
            self.hold(kind, args, answer)

    def flush(self) -> None:
        """Write the held answers in one transaction."""
        self._last_flush = time.monotonic()
        if not self._pending:
            return
        rows = [
            (key, sqlite3.Binary(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)))
            for key, answer in self._pending.items()
        ]
        with self._connection:
            self._connection.executemany(_WRITE, rows)
        self.writes += len(rows)
        self.commits += 1
        self._pending.clear()

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._connection.close()
