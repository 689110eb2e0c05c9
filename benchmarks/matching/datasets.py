"""The data sets of the hub-path benchmark, each written as a user would hand them to the hub:
one or two customer CSV files in the import format (docs/hub.md, "CSV import") and the truth.

Every data set lands in one folder:

    crm.csv    imported as system `salesforce`
    erp.csv    imported as system `netsuite` (absent for a deduplication set: one file, one system)
    truth.csv  system,source_id,entity_id,lookalike_group

Same entity_id = same company. A non-empty lookalike_group names a group of *different* companies
made to look alike on purpose. This is the format of the blind generator
(benchmarks/matching/blind/generate.py), used here for every data set so one scorer reads them all.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data" / "hub_path"
# The blind generator (written without reading the matcher) and the stand-in used until it lands.
BLIND_GENERATOR = ROOT / "benchmarks" / "matching" / "blind" / "generate.py"
BLIND_STANDIN = ROOT / "benchmarks" / "matching" / "blind_standin.py"
# A second generator by another author, also blind to the matcher, North America and Asia-Pacific
# heavy, HubSpot and Dynamics/SAP styled: kept as a holdout — its errors are not studied.
HOLDOUT_GENERATOR = ROOT / "benchmarks" / "matching" / "holdout" / "generate.py"

CRM, ERP = "salesforce", "netsuite"
FILE_OF_SYSTEM = {CRM: "crm.csv", ERP: "erp.csv"}
# The customer columns of the import (mdm/canonical.py CUSTOMER) that carry matching evidence.
HUB_COLUMNS = ("source_id", "name", "tax_id", "country", "city", "postal_code", "address_line1", "phone", "email",
               "website")
TRUTH_COLUMNS = ("system", "source_id", "entity_id", "lookalike_group")
NAMES = ("ours", "blind", "holdout", "febrl4", "febrl3", "fodors_zagats")
FIXED = {"febrl4", "febrl3", "fodors_zagats"}  # published data: --n and --seed do not apply


@dataclass
class Dataset:
    name: str
    folder: Path
    files: list[tuple[str, Path]]  # (system, CSV file), in import order: the CRM first
    truth: pd.DataFrame  # TRUTH_COLUMNS, one row per source record
    notes: list[str] = field(default_factory=list)

    @property
    def records(self) -> int:
        return len(self.truth)


def prepare(name: str, n: int, seed: int, blind_generator: Path = BLIND_GENERATOR) -> Dataset:
    """Write (or reuse) a data set's files and read them back as a Dataset."""
    folder = DATA / (name if name in FIXED else f"{name}-n{n}-s{seed}")
    notes = []
    if name == "blind":
        generator = blind_generator if blind_generator.is_file() else BLIND_STANDIN
        if generator != blind_generator:
            notes.append(f"{blind_generator.relative_to(ROOT)} has not landed: measured on the stand-in "
                         f"{BLIND_STANDIN.relative_to(ROOT)} (derived from our own generator, not blind)")
        folder = folder.with_name(f"{folder.name}-{generator.stem}")
    if not (folder / "truth.csv").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        if name in ("blind", "holdout"):
            generator = HOLDOUT_GENERATOR if name == "holdout" else generator
            subprocess.run([sys.executable, str(generator), "--n", str(n), "--seed", str(seed), "--out", str(folder)],
                           check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        else:
            WRITERS[name](folder, n, seed)
    return load(name, folder, notes)


def load(name: str, folder: Path, notes: list[str] | None = None) -> Dataset:
    files = [(system, folder / file) for system, file in FILE_OF_SYSTEM.items() if (folder / file).is_file()]
    truth = pd.read_csv(folder / "truth.csv", dtype=str, keep_default_na=False)
    missing = set(TRUTH_COLUMNS) - set(truth.columns)
    if missing:
        raise ValueError(f"{folder / 'truth.csv'} lacks columns {sorted(missing)}")
    return Dataset(name, folder, files, truth[list(TRUTH_COLUMNS)], notes or [])


# --- writing -------------------------------------------------------------------------------------

def write_csv(path: Path, frame: pd.DataFrame) -> None:
    frame.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL)


def entities_from_links(keys: list[tuple[str, str]], links: list[tuple[tuple[str, str], tuple[str, str]]]
                        ) -> dict[tuple[str, str], str]:
    """Entity ids from matched pairs (union-find): every record is its own entity unless linked."""
    parent = {key: key for key in keys}

    def root(key):
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for a, b in links:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {key: "|".join(root(key)) for key in keys}


def truth_frame(entity_of: dict[tuple[str, str], str], group_of: dict[tuple[str, str], str] | None = None
                ) -> pd.DataFrame:
    group_of = group_of or {}
    return pd.DataFrame([{"system": system, "source_id": source_id, "entity_id": entity,
                          "lookalike_group": group_of.get((system, source_id), "")}
                         for (system, source_id), entity in entity_of.items()], columns=list(TRUTH_COLUMNS))


def write_ours(folder: Path, n: int, seed: int) -> None:
    """Our own CRM/ERP generator (benchmarks/matching/generate.py), in the hub's column names."""
    from benchmarks.matching.generate import companies_with_lookalikes

    crm, erp, _truth, groups = companies_with_lookalikes(n, seed)
    rows = []
    for system, frame in ((CRM, crm), (ERP, erp)):
        write_csv(folder / FILE_OF_SYSTEM[system], frame.rename(columns={"id": "source_id"})[list(HUB_COLUMNS)])
        for source_id in frame["id"]:
            entity = int(source_id.split("-")[1])
            rows.append({"system": system, "source_id": source_id, "entity_id": f"company-{entity}",
                         "lookalike_group": groups.get(entity, "")})
    write_csv(folder / "truth.csv", pd.DataFrame(rows, columns=list(TRUTH_COLUMNS)))


def write_febrl(folder: Path, kind: str) -> None:
    from benchmarks.matching import febrl

    left, right, links = febrl.load(kind)
    frames = [(CRM, left)] + ([] if right is None else [(ERP, right)])
    keys = []
    for system, frame in frames:
        customers = febrl.as_customers(frame)
        write_csv(folder / FILE_OF_SYSTEM[system], customers)
        keys += [(system, source_id) for source_id in customers["source_id"]]
    right_system = CRM if right is None else ERP
    entity_of = entities_from_links(keys, [((CRM, a), (right_system, b)) for a, b in links])
    write_csv(folder / "truth.csv", truth_frame(entity_of))


def write_fodors_zagats(folder: Path, _n: int, _seed: int) -> None:
    from benchmarks.matching import fodors_zagats

    fodors, zagats, matches = fodors_zagats.load()
    keys = []
    for system, frame in ((CRM, fodors), (ERP, zagats)):
        customers = fodors_zagats.as_customers(frame)
        write_csv(folder / FILE_OF_SYSTEM[system], customers)
        keys += [(system, source_id) for source_id in customers["source_id"]]
    entity_of = entities_from_links(keys, [((CRM, a), (ERP, b)) for a, b in matches])
    write_csv(folder / "truth.csv", truth_frame(entity_of))


WRITERS = {
    "ours": write_ours,
    "febrl4": lambda folder, _n, _seed: write_febrl(folder, "febrl4"),
    "febrl3": lambda folder, _n, _seed: write_febrl(folder, "febrl3"),
    "fodors_zagats": write_fodors_zagats,
}
