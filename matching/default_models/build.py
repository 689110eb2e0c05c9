"""Rebuild the matching models Concord ships for a hub that has not fitted its own yet.

    PYTHONPATH=. .venv/bin/python -m matching.default_models.build

Fitted without labels (the engine's EM) on a generated CRM-versus-ERP customer set with the usual
variations and hard negatives — benchmarks/matching/generate.py, with a seed the benchmarks do not
evaluate on. `manage.py fit_match_model` replaces it with a model fitted on the hub's own records.
"""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.matching.generate import companies
from matching.engine import CUSTOMER, train

HERE = Path(__file__).resolve().parent
TRAINING_SEED = 101  # the benchmarks evaluate on seed 7


def main() -> None:
    crm, erp, _truth = companies(20_000, seed=TRAINING_SEED)
    model = train(crm, CUSTOMER, df_right=erp)
    (HERE / "customer.json").write_text(json.dumps(model.to_dict(), indent=1) + "\n")
    print(f"customer model written: {HERE / 'customer.json'} ({model.trained})")


if __name__ == "__main__":
    main()
