"""A STAND-IN for the blind generator (benchmarks/matching/blind/generate.py), in its exact file
format, so the hub-path benchmark can be built and tested before the real one lands.

    python3 benchmarks/matching/blind_standin.py --n N --seed S --out DIR

writes DIR/crm.csv, DIR/erp.csv (hub column names, plus `trading_name` and extra columns the
importer keeps in the payload) and DIR/truth.csv (system,source_id,entity_id,lookalike_group).
It is NOT blind: it derives its companies from our own generator (generate.py, on another seed)
and adds what the blind format has that ours lacks: trading names, extra columns and duplicates
inside the CRM file. Numbers measured on it say nothing about unseen data.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.matching.generate import _typo, companies_with_lookalikes  # noqa: E402

SEED_OFFSET = 500  # not the records `ours` measures for the same seed
CRM_DUPLICATE_SHARE = 0.04


def _with_extras(rng, frame: pd.DataFrame, system: str) -> pd.DataFrame:
    out = frame.rename(columns={"id": "source_id"}).copy()
    short = out["name"].str.rsplit(" ", n=1).str[0]
    out["trading_name"] = np.where(rng.random(len(out)) < (0.4 if system == "crm" else 0.1), short, "")
    if system == "crm":
        out["account_owner"] = [f"owner{k}" for k in rng.integers(1, 40, len(out))]
    else:
        out["customer_category"] = rng.choice(["A", "B", "C"], len(out))
    return out


def _crm_duplicates(rng, crm: pd.DataFrame) -> pd.DataFrame:
    """The same company entered twice in the CRM: a typo in the name, the phone left out."""
    picked = crm.sample(frac=CRM_DUPLICATE_SHARE, random_state=int(rng.integers(0, 2**31))).copy()
    picked["source_id"] = picked["source_id"] + "-dup"
    picked["name"] = [_typo(rng, name) for name in picked["name"]]
    picked["phone"] = None
    return picked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    crm, erp, _truth, groups = companies_with_lookalikes(args.n, args.seed + SEED_OFFSET)
    crm, erp = _with_extras(rng, crm, "crm"), _with_extras(rng, erp, "erp")
    crm = pd.concat([crm, _crm_duplicates(rng, crm)], ignore_index=True)
    args.out.mkdir(parents=True, exist_ok=True)
    crm.to_csv(args.out / "crm.csv", index=False)
    erp.to_csv(args.out / "erp.csv", index=False)
    truth = []
    for system, frame in (("salesforce", crm), ("netsuite", erp)):
        for source_id in frame["source_id"]:
            entity = int(source_id.split("-")[1])
            truth.append((system, source_id, f"company-{entity}", groups.get(entity, "")))
    pd.DataFrame(truth, columns=["system", "source_id", "entity_id", "lookalike_group"]).to_csv(
        args.out / "truth.csv", index=False)


if __name__ == "__main__":
    main()
