"""Bring linked deployment options up to date with their price source, recording each change.

An API option linked to a source (``price_source`` + ``price_source_model``) takes the
source's input and output price; its candidate takes the context window. Every value that
changes becomes a PriceChange row (old, new, when, source name and version), so the price
history survives the overwrite. An id the source does not know is reported, never guessed, and
so are API options linked to nothing. A dry run computes the same report and writes nothing.

The next report of a scheduled profile carries the new prices, and the schedule's comparison
(procure/schedules/alerts.py) raises its one alert naming the price change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from procure.accounts.models import Organization

from .models import CandidateModel, DeploymentKind, DeploymentOption, PriceChange
from .price_sources import SOURCE_CURRENCY, SOURCE_NAMES, PriceSource, SourcePrice, price_source

FIELD_WORDS = {
    "input_price_per_mtok": "input price per 1M tokens",
    "output_price_per_mtok": "output price per 1M tokens",
    "context_window": "context window",
}


@dataclass(frozen=True)
class ValueChange:
    option_id: int
    subject: str  # "Candidate — option"
    field: str
    old: str
    new: str

    @property
    def message(self) -> str:
        words = FIELD_WORDS.get(self.field, self.field)
        return f"{self.subject}: {words} {self.old or '—'} → {self.new or '—'}"


@dataclass
class RefreshReport:
    source: str
    version: str
    data_date: date | None
    dry_run: bool
    changes: list[ValueChange] = field(default_factory=list)
    unchanged: int = 0
    unknown: list[str] = field(default_factory=list)  # linked ids the source does not know
    unavailable: str = ""  # why the source could not be read at all


def catalog_refresh(
    *,
    today: date,
    sources: Sequence[str] = SOURCE_NAMES,
    organization: Organization | None = None,
    dry_run: bool = False,
) -> list[RefreshReport]:
    """Refresh every option linked to one of `sources` (of one organisation, or all)."""
    from .price_sources import SourceUnavailable

    reports = []
    for name in sources:
        try:
            source = price_source(name, today=today)
        except SourceUnavailable as exc:
            reports.append(RefreshReport(name, "", None, dry_run, unavailable=str(exc)))
            continue
        reports.append(_refresh_source(source, organization, dry_run, today))
    return reports


def unlinked_api_options(*, organization: Organization | None = None) -> list[str]:
    """API options whose prices follow no source: hand-entered, checked by people."""
    options = DeploymentOption.objects.filter(kind=DeploymentKind.API, price_source="")
    if organization is not None:
        options = options.filter(candidate__organization=organization)
    return [_subject(o) for o in options.select_related("candidate").order_by("candidate__name")]


@transaction.atomic
def _refresh_source(
    source: PriceSource, organization: Organization | None, dry_run: bool, today: date
) -> RefreshReport:
    report = RefreshReport(source.name, source.version, source.data_date, dry_run)
    options = DeploymentOption.objects.filter(price_source=source.name).select_related("candidate")
    if organization is not None:
        options = options.filter(candidate__organization=organization)
    touched: dict[int, CandidateModel] = {}
    for option in options.select_for_update(of=("self",)).order_by("candidate__name", "name"):
        quote = source.lookup(option.price_source_model)
        if option.currency != SOURCE_CURRENCY:
            report.unknown.append(
                f"{_subject(option)}: priced in {option.currency}, but {source.name} lists "
                f"{SOURCE_CURRENCY}; left alone"
            )
            continue
        if quote is None:
            report.unknown.append(
                f"{_subject(option)}: {option.price_source_model!r} is not in {source.reference}"
            )
            continue
        changes = _apply(option, quote, source, report.data_date or today)
        report.changes.extend(changes)
        report.unchanged += not changes
        touched[option.candidate_id] = option.candidate
    if dry_run:
        transaction.set_rollback(True)
    else:
        for candidate in touched.values():
            _date_candidate(candidate)
    return report


def _apply(
    option: DeploymentOption, quote: SourcePrice, source: PriceSource, price_date: date
) -> list[ValueChange]:
    new_values: dict[str, Any] = {
        "input_price_per_mtok": quote.input_per_mtok,
        "output_price_per_mtok": quote.output_per_mtok,
    }
    changes = []
    for name, new in new_values.items():
        old = getattr(option, name)
        if new is None or (old is not None and Decimal(old) == new):
            continue  # a source without this price leaves ours alone
        changes.append(_record(option, source, name, old, new))
        setattr(option, name, new)
    candidate = option.candidate
    if quote.context_window and candidate.context_window != quote.context_window:
        changes.append(
            _record(
                option, source, "context_window", candidate.context_window, quote.context_window
            )
        )
        candidate.context_window = quote.context_window
        candidate.save(update_fields=["context_window", "updated_at"])
    option.price_date = price_date
    option.price_reference = source.reference
    option.save()
    return changes


def _record(
    option: DeploymentOption, source: PriceSource, name: str, old: Any, new: Any
) -> ValueChange:
    old_text = "" if old is None else _plain(old)
    new_text = _plain(new)
    PriceChange.objects.create(
        organization_id=option.candidate.organization_id,
        option=option,
        field=name,
        old_value=old_text,
        new_value=new_text,
        source_name=source.name,
        source_version=source.version,
        source_model=option.price_source_model,
    )
    return ValueChange(option.pk, _subject(option), name, old_text, new_text)


def _plain(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _date_candidate(candidate: CandidateModel) -> None:
    """The candidate's price date is its oldest option's: the whole offer is that old."""
    dates = [o.price_date for o in candidate.deployment_options.all() if o.price_date is not None]
    if dates and candidate.prices_as_of != min(dates):
        candidate.prices_as_of = min(dates)
        candidate.save(update_fields=["prices_as_of", "updated_at"])


def _subject(option: DeploymentOption) -> str:
    return f"{option.candidate.name} — {option.name}"


def seed_file_refresh(data: dict[str, Any], *, today: date) -> list[str]:
    """Rewrite a catalog file's linked API prices (and context windows, dates, references)
    from the installed sources, in place. Returns the problems: ids a source does not know.

    The same adapters as `catalog_refresh`, applied to the seed JSON instead of the database,
    so the seed can be brought up to date after a package upgrade with one command.
    """
    problems: list[str] = []
    sources: dict[str, PriceSource] = {}
    for entry in data.get("candidates", []):
        dates: list[str] = []
        references: list[str] = []
        for option in entry.get("deployment_options", []):
            name = option.get("price_source")
            if name:
                if name not in sources:
                    sources[name] = price_source(name, today=today)
                source = sources[name]
                quote = source.lookup(option.get("price_source_model", ""))
                if quote is None:
                    problems.append(
                        f"{entry['name']} — {option['name']}: "
                        f"{option.get('price_source_model')!r} is not in {source.reference}"
                    )
                    continue
                _refresh_seed_option(entry, option, quote, source, today)
                if quote.pricing_url:
                    references.append(quote.pricing_url)
            references.append(option.get("price_reference", ""))
            if option.get("price_date"):
                dates.append(option["price_date"])
        entry["prices_as_of"] = min(dates) if dates else None
        entry["price_source"] = " ".join(dict.fromkeys(r for r in references if r))
    return problems


def _refresh_seed_option(
    entry: dict[str, Any],
    option: dict[str, Any],
    quote: SourcePrice,
    source: PriceSource,
    today: date,
) -> None:
    if quote.input_per_mtok is not None:
        option["input_price_per_mtok"] = _plain(quote.input_per_mtok)
    if quote.output_per_mtok is not None:
        option["output_price_per_mtok"] = _plain(quote.output_per_mtok)
    option["price_reference"] = source.reference
    option["price_date"] = (source.data_date or today).isoformat()
    if quote.context_window:
        entry["context_window"] = max(entry.get("context_window") or 0, quote.context_window)
