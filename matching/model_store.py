"""Each domain's match model: the one fitted on the hub's own records, else the prior Concord
ships, else the engine's untrained defaults; and storing a fitted one."""

from __future__ import annotations

import dataclasses
import json
from functools import lru_cache
from pathlib import Path

from django.db.models import TextField
from django.db.models.functions import MD5, Cast

from matching.engine import SCHEMAS, FellegiSunterModel
from matching.models import MatchModel

# The stored model of each domain as last parsed here, by a digest of its stored parameters: a
# fitted model carries the term frequencies of every value it was fitted on (megabytes at 100,000
# customers), and each ingestion batch asks for it — parsing it a batch was a tenth of a load.
_PARSED: dict[str, tuple[str, FellegiSunterModel]] = {}


@lru_cache(maxsize=8)
def shipped_model(domain: str) -> FellegiSunterModel | None:
    """The model Concord ships for a domain (matching/default_models/), fitted on generated data."""
    path = Path(__file__).resolve().parent / "default_models" / f"{domain}.json"
    return FellegiSunterModel.from_dict(json.loads(path.read_text())) if path.exists() else None

def domain_model(domain: str) -> FellegiSunterModel:
    """The model fitted on this hub's records; before any fit (or when the stored one no longer
    fits the schema), the one Concord ships; else untrained defaults."""
    row = _stored(domain).values_list("digest", "upper_threshold", "lower_threshold").first()
    model = _parsed(domain, row[0]) if row is not None else None
    if model is None or not model.fits(SCHEMAS[domain]):
        shipped = shipped_model(domain)
        return shipped if shipped is not None and shipped.fits(SCHEMAS[domain]) else \
            FellegiSunterModel.untrained(SCHEMAS[domain])
    return dataclasses.replace(model, upper=row[1], lower=row[2])  # a copy: the parsed model is shared


def _stored(domain: str):
    """The domain's stored model, with a digest of its parameters worked out by the database."""
    return MatchModel.objects.filter(domain=domain).annotate(digest=MD5(Cast("parameters", TextField())))


def _parsed(domain: str, digest: str) -> FellegiSunterModel | None:
    """The stored parameters as a model, parsed again only when they changed (another digest)."""
    held = _PARSED.get(domain)
    if held is not None and held[0] == digest:
        return held[1]
    row = _stored(domain).values_list("digest", "parameters").first()
    if row is None:
        return None
    model = FellegiSunterModel.from_dict(row[1])
    _PARSED[domain] = (row[0], model)
    return model


def thresholds_of(domain: str) -> dict[str, float]:
    """The thresholds stewards set for the domain, which a refit keeps."""
    stored = MatchModel.objects.filter(domain=domain).values_list("upper_threshold", "lower_threshold").first()
    return {} if stored is None else {"upper": stored[0], "lower": stored[1]}


def model_store(domain: str, model: FellegiSunterModel, fitted_on: int) -> MatchModel:
    """Keep a fitted model as the domain's, with the thresholds it carries."""
    stored, _ = MatchModel.objects.update_or_create(domain=domain, defaults={
        "parameters": model.to_dict(), "fitted_on": fitted_on,
        "upper_threshold": model.upper, "lower_threshold": model.lower})
    return stored
