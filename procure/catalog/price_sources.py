"""Price databases that ship as packages: one adapter per source, read offline.

Each adapter answers, for a model id of its own, the list price per million input and output
tokens (USD) and the context window, and says which data it read (package name and version,
the date of that data). Nothing here touches the network: new prices arrive by upgrading the
package (see docs/catalog.md). No Django import: the adapters are plain Python.

Sources and precedence:

- ``genai-prices`` (Pydantic, a required dependency): providers, models, dated price clauses,
  pricing URLs. Ids are ``provider/model`` as the package spells them (``openai/gpt-6.1-sol``).
  Its optional auto-update (``genai_prices.UpdatePrices``) fetches prices over HTTP; we never
  start it and read only the data bundled in the wheel (``data_snapshot._bundled_snapshot``).
- ``litellm`` (optional): the ``model_prices_and_context_window_backup.json`` file inside an
  installed ``litellm`` package, read as JSON without importing litellm. Ids are the JSON's keys.

An option links to exactly one source; seeds link to genai-prices first and use litellm only
for a model genai-prices does not know.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

GENAI_PRICES = "genai-prices"
LITELLM = "litellm"
LITELLM_DATA_FILE = "litellm/model_prices_and_context_window_backup.json"
MILLION = Decimal(1_000_000)
SOURCE_CURRENCY = "USD"  # both databases list prices in US dollars


class SourceUnavailable(Exception):
    """The source's package is not installed (or ships no data)."""


@dataclass(frozen=True)
class SourcePrice:
    """What a source says about one model today."""

    model_id: str
    input_per_mtok: Decimal | None
    output_per_mtok: Decimal | None
    context_window: int | None
    pricing_url: str | None


class PriceSource(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def data_date(self) -> date | None: ...

    def lookup(self, model_id: str) -> SourcePrice | None: ...

    def model_ids(self) -> Iterator[str]: ...

    @property
    def reference(self) -> str: ...


@dataclass(frozen=True)
class GenaiPricesSource:
    """genai-prices' bundled data, priced as of `today` (price clauses carry start dates)."""

    today: date
    name: str = GENAI_PRICES

    @property
    def version(self) -> str:
        return _installed_version("genai-prices")

    @property
    def reference(self) -> str:
        return f"{self.name} {self.version}"

    @property
    def data_date(self) -> date | None:
        """The newest price change the data records on or before today.

        The wheel carries no build date (its files are stamped 2020-02-02), so the latest dated
        price clause that has taken effect stands for the day the data was last brought up to
        date; clauses announced for later days do not count.
        """
        dates = [d for d in _genai_clause_dates() if d <= self.today]
        return max(dates) if dates else None

    def model_ids(self) -> Iterator[str]:
        for provider in _genai_providers():
            for model in provider.models:
                yield f"{provider.id}/{model.id}"

    def lookup(self, model_id: str) -> SourcePrice | None:
        provider_id, _, wanted = model_id.partition("/")
        for provider in _genai_providers():
            if provider.id != provider_id:
                continue
            for model in provider.models:
                if model.id == wanted:
                    return _genai_price(model_id, provider, model, self.today)
        return None


def _installed_version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError as exc:
        raise SourceUnavailable(f"{distribution} is not installed") from exc


def _genai_providers() -> list[Any]:
    try:
        from genai_prices import data_snapshot
    except ImportError as exc:  # pragma: no cover - a required dependency
        raise SourceUnavailable("genai-prices is not installed") from exc
    # The bundled data only: a custom snapshot would come from the auto-updater's download.
    return list(data_snapshot._bundled_snapshot().providers)


@cache
def _genai_clause_dates() -> tuple[date, ...]:
    from genai_prices.types import StartDateConstraint

    found = set()
    for provider in _genai_providers():
        for model in provider.models:
            if isinstance(model.prices, list):
                for clause in model.prices:
                    if isinstance(clause.constraint, StartDateConstraint):
                        found.add(clause.constraint.start_date)
    return tuple(sorted(found))


def _genai_price(model_id: str, provider: Any, model: Any, today: date) -> SourcePrice:
    from genai_prices.types import TieredPrices

    prices = model.get_prices(datetime(today.year, today.month, today.day, 12, tzinfo=UTC))

    def per_mtok(key: str) -> Decimal | None:
        value = getattr(prices, key, None)
        # Tiered prices (longer prompts cost more): the base tier is the list price.
        if isinstance(value, TieredPrices):
            value = value.base
        return None if value is None else Decimal(value)

    urls = provider.pricing_urls or []
    return SourcePrice(
        model_id=model_id,
        input_per_mtok=per_mtok("input_mtok"),
        output_per_mtok=per_mtok("output_mtok"),
        context_window=model.context_window,
        pricing_url=urls[0] if urls else None,
    )


@dataclass(frozen=True)
class LitellmSource:
    """LiteLLM's price and context-window JSON, read from the installed package's files."""

    path: Path | None = None  # tests pass a file; otherwise the installed package's
    name: str = LITELLM

    @property
    def version(self) -> str:
        return "file" if self.path else _installed_version("litellm")

    @property
    def reference(self) -> str:
        return f"{self.name} {self.version}"

    @property
    def data_date(self) -> date | None:
        return None  # the JSON carries no date

    def _entries(self) -> dict[str, Any]:
        return _litellm_entries(str(self.path or _litellm_file()))

    def model_ids(self) -> Iterator[str]:
        yield from (key for key in self._entries() if key != "sample_spec")

    def lookup(self, model_id: str) -> SourcePrice | None:
        entry = self._entries().get(model_id)
        if not isinstance(entry, dict) or model_id == "sample_spec":
            return None

        def per_mtok(key: str) -> Decimal | None:
            value = entry.get(key)
            return None if value is None else (Decimal(str(value)) * MILLION).normalize()

        window = entry.get("max_input_tokens") or entry.get("max_tokens")
        return SourcePrice(
            model_id=model_id,
            input_per_mtok=per_mtok("input_cost_per_token"),
            output_per_mtok=per_mtok("output_cost_per_token"),
            context_window=int(window) if isinstance(window, int | float) else None,
            pricing_url=entry.get("source"),
        )


def _litellm_file() -> Path:
    try:
        dist = metadata.distribution("litellm")
    except metadata.PackageNotFoundError as exc:
        raise SourceUnavailable(
            "litellm is not installed (optional: pip install 'procure[litellm]')"
        ) from exc
    path = Path(str(dist.locate_file(LITELLM_DATA_FILE)))
    if not path.is_file():
        raise SourceUnavailable(f"litellm {dist.version} ships no {LITELLM_DATA_FILE}")
    return path


@cache
def _litellm_entries(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict):
        raise SourceUnavailable(f"{path} is not a JSON object")
    return data


SOURCE_NAMES = (GENAI_PRICES, LITELLM)


def price_source(name: str, *, today: date) -> PriceSource:
    """The adapter called `name`; SourceUnavailable when its package is missing."""
    if name == GENAI_PRICES:
        source: PriceSource = GenaiPricesSource(today=today)
    elif name == LITELLM:
        source = LitellmSource()
    else:
        raise SourceUnavailable(f"unknown price source {name!r}; known: {', '.join(SOURCE_NAMES)}")
    source.version  # noqa: B018  (raises SourceUnavailable when the package is missing)
    return source
