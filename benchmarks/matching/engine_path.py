"""The hub path's batch step alone, for a quick loop while changing the engine: each data set's
files as one frame, `engine.deduplicate` with each record's system, scored as hub_path.py scores
(pairwise F1, look-alike groups merged). No database, no import: about two minutes for every
data set below, where hub_path.py takes several. It approximates the hub (the hub fits on the
CRM first, then plans the ERP load with both); report figures from hub_path.py.

    .venv/bin/python benchmarks/matching/engine_path.py [ours blind holdout febrl4 febrl3 fodors_zagats]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.matching import datasets, metrics  # noqa: E402
from matching.engine import SCHEMAS, deduplicate  # noqa: E402

RUNS = {"ours": [(3000, 7)], "blind": [(3000, 7)], "holdout": [(3000, 7), (30000, 12)],
        "febrl4": [(3000, 7)], "febrl3": [(3000, 7)], "fodors_zagats": [(3000, 7)]}


def engine_frame(data: datasets.Dataset) -> tuple[pd.DataFrame, list[str], list[tuple[str, str]]]:
    """The engine's input (blank cells missing), each row's system and (system, source id)."""
    files = []
    for system, path in data.files:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame["_system"] = system
        files.append(frame)
    raw = pd.concat(files, ignore_index=True)
    records = pd.DataFrame({"id": range(len(raw))})
    for column in SCHEMAS["customer"].inputs:
        records[column] = raw[column].where(raw[column].str.strip() != "", None) if column in raw else None
    return records, raw["_system"].tolist(), list(zip(raw["_system"], raw["source_id"], strict=True))


def run(name: str, n: int, seed: int) -> str:
    data = datasets.prepare(name, n, seed)
    records, systems, keys = engine_frame(data)
    started = time.perf_counter()
    result = deduplicate(records, "customer", None, systems=systems)
    seconds = time.perf_counter() - started
    cluster_of = dict(zip(keys, result.clusters["cluster"].tolist(), strict=True))
    truth = data.truth
    entity_of = dict(zip(zip(truth.system, truth.source_id, strict=True), truth.entity_id, strict=True))
    group_of = dict(zip(zip(truth.system, truth.source_id, strict=True), truth.lookalike_group, strict=True))
    scores = metrics.pair_scores(entity_of, cluster_of)
    merged, groups = metrics.lookalikes_merged(entity_of, group_of, cluster_of)
    review = int((result.pairs["decision"] == "review").sum())
    shown = "" if name in datasets.FIXED else f" n={n} seed={seed}"
    return (f"{name}{shown}: F1 {scores.f1:.4f} (P {scores.precision:.4f} R {scores.recall:.4f}), "
            f"look-alikes merged {merged}/{groups}, review pairs {review}, {seconds:.0f} s")


def main() -> None:
    for name in sys.argv[1:] or list(RUNS):
        for n, seed in RUNS[name]:
            print(run(name, n, seed), flush=True)


if __name__ == "__main__":
    main()
