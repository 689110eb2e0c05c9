"""Rebuild the matching model Concord ships as a starting prior, for a hub too small to fit its own:

    PYTHONPATH=. .venv/bin/python -m benchmarks.matching.default_models

Fitted without labels (the engine's EM) on a generated CRM-versus-ERP customer set with the usual
variations and hard negatives (benchmarks/matching/generate.py, with a seed the benchmarks do not
evaluate on), weighing every value and word alike: the generator's own term frequencies would
mean nothing for another firm's data. The hub fits its own model on its data as soon as a domain
holds CONCORD_MATCH_FIT_MIN_RECORDS source records (matching.resolution); this one only decides
before that.
"""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.matching.generate import companies
from matching.engine import CUSTOMER, train
from matching.engine.terms import Terms

OUT = Path(__file__).resolve().parents[2] / "matching" / "default_models"
TRAINING_SEED = 101  # the benchmarks evaluate on seed 7


def main() -> None:
    crm, erp, _truth = companies(20_000, seed=TRAINING_SEED)
    model = train(crm, CUSTOMER, df_right=erp, terms=Terms())
    (OUT / "customer.json").write_text(json.dumps(model.to_dict(), indent=1) + "\n")
    print(f"customer model written: {OUT / 'customer.json'} ({model.trained})")


if __name__ == "__main__":
    main()
