"""Each domain's match model: the one fitted on the hub's own records, else the prior Concord
ships, else the engine's untrained defaults; and storing a fitted one."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from matching.engine import SCHEMAS, FellegiSunterModel
from matching.models import MatchModel


@lru_cache(maxsize=8)
def shipped_model(domain: str) -> FellegiSunterModel | None:
    """The model Concord ships for a domain (matching/default_models/), fitted on generated data."""
    path = Path(__file__).resolve().parent / "default_models" / f"{domain}.json"
    return FellegiSunterModel.from_dict(json.loads(path.read_text())) if path.exists() else None

def domain_model(domain: str) -> FellegiSunterModel:
    """The model fitted on this hub's records; before any fit (or when the stored one no longer
    fits the schema), the one Concord ships; else untrained defaults."""
    row = MatchModel.objects.filter(domain=domain).first()
    model = FellegiSunterModel.from_dict(row.parameters) if row is not None else None
    if model is None or not model.fits(SCHEMAS[domain]):
        shipped = shipped_model(domain)
        return shipped if shipped is not None and shipped.fits(SCHEMAS[domain]) else \
            FellegiSunterModel.untrained(SCHEMAS[domain])
    model.upper, model.lower = row.upper_threshold, row.lower_threshold
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
