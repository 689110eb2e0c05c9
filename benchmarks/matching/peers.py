"""Peers on company data: Splink and recordlinkage, each given the same customer CSV files the hub
imports, no labels, and set up the way their documentation suggests.

    .venv/bin/python benchmarks/matching/peers.py --peer splink --file salesforce=crm.csv \\
        --file netsuite=erp.csv --out clusters.json

Each peer cleans the raw values itself, as its docs suggest for such data (lower case, accents
and punctuation removed, phones to digits, web addresses to their host, company legal forms
dropped); Concord's standardizers are not used, so the peers stay independent of what they are
compared with. Both files are read as one table of records and both find duplicates across and
within files (Splink's link-and-dedupe, recordlinkage's deduplication of the concatenation), as
the hub does. A golden record is a connected component of the predicted matches. Only the
columns the hub matches on are used; a column a data set leaves empty gets no comparison and no
blocking rule, as a user would configure it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

MATCH_COLUMNS = ("name", "tax_id", "country", "city", "postal_code", "address_line1", "phone", "email", "website")
# Legal forms are noise in a company name for matching (Splink's business-matching example names
# "LTD vs LIMITED" as the first cleaning to add). A generic list, not the hub's per-country one.
LEGAL_FORMS = frozenset("""inc incorporated corp corporation co company llc llp lp ltd limited plc gmbh ag kg
    sa sas sarl srl spa bv nv pty pvt private oy ab as aps""".split())
UID = "unique_id"
THRESHOLD = 0.9  # match probability at which both Splink's docs and the hub link


# --- cleaning ------------------------------------------------------------------------------------

def _ascii(value: str) -> str:
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()


def clean_text(value) -> str | None:
    if not isinstance(value, str):
        return None
    text = re.sub(r"[^\w\s]", " ", _ascii(value).lower().replace("&", " and "))
    return " ".join(text.split()) or None


def clean_name(value) -> str | None:
    text = clean_text(value)
    if not text:
        return None
    words = [w for w in text.split() if w not in LEGAL_FORMS]
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words) or text


def clean_phone(value) -> str | None:
    """Digits, the last nine: drops country codes and trunk zeros ("+49 30 …" vs "030 …")."""
    digits = re.sub(r"\D", "", value) if isinstance(value, str) else ""
    return digits[-9:] if len(digits) >= 6 else None


def clean_website(value) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    host = re.sub(r"^[a-z]+://", "", value.strip().lower()).split("/")[0].split(":")[0]
    return host.removeprefix("www.") or None


def clean_code(value) -> str | None:
    code = re.sub(r"[^0-9a-z]", "", _ascii(value).lower()) if isinstance(value, str) else ""
    return code or None


def clean_tax_id(value, country) -> str | None:
    code = clean_code(value)
    prefix = clean_code(country)
    if code and prefix and len(prefix) == 2 and code.startswith(prefix) and len(code) > 4:
        code = code[2:]
    return code


def clean_email(value) -> str | None:
    if not isinstance(value, str):
        return None
    return value.strip().lower() or None


def read_records(files: list[tuple[str, Path]]) -> pd.DataFrame:
    """Both files as one cleaned table: unique_id = system|source_id, the match columns."""
    frames = []
    for system, path in files:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        raw = raw.where(raw != "", None)
        frame = pd.DataFrame({UID: system + "|" + raw["source_id"]})
        for column in MATCH_COLUMNS:
            frame[column] = raw[column] if column in raw else None
        frames.append(frame)
    df = pd.concat(frames, ignore_index=True)
    out = pd.DataFrame({UID: df[UID]})
    out["name"] = df["name"].map(clean_name)
    out["tax_id"] = [clean_tax_id(v, c) for v, c in zip(df["tax_id"], df["country"], strict=True)]
    out["country"] = df["country"].map(clean_code)
    for column in ("city", "address_line1"):
        out[column] = df[column].map(clean_text)
    out["postal_code"] = df["postal_code"].map(clean_code)
    out["phone"] = df["phone"].map(clean_phone)
    out["email"] = df["email"].map(clean_email)
    out["website"] = df["website"].map(clean_website)
    out["name3"] = out["name"].str[:3]
    return out.astype(object).where(out.notna(), None)


def present(df: pd.DataFrame, min_share: float = 0.01) -> set[str]:
    """Columns worth configuring: values in at least 1 % of the records, and not all the same
    (every Febrl record is in AU)."""
    return {c for c in df.columns if df[c].notna().mean() >= min_share and df[c].nunique() > 1}


# --- Splink --------------------------------------------------------------------------------------

def splink_clusters(df: pd.DataFrame, notes: list[str]) -> dict[str, str]:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    have = present(df)

    def usable(*columns):
        return all(c in have for c in columns)

    comparisons = [c for columns, c in (
        (("name",), cl.JaroWinklerAtThresholds("name", [0.95, 0.88, 0.7]).configure(term_frequency_adjustments=True)),
        (("address_line1",), cl.JaroWinklerAtThresholds("address_line1", [0.9, 0.7])),
        (("city",), cl.ExactMatch("city").configure(term_frequency_adjustments=True)),
        (("postal_code",), cl.DamerauLevenshteinAtThresholds("postal_code", [1]).configure(
            term_frequency_adjustments=True)),
        (("country",), cl.ExactMatch("country")),
        (("phone",), cl.ExactMatch("phone")),
        (("tax_id",), cl.ExactMatch("tax_id")),
        (("website",), cl.ExactMatch("website")),
        (("email",), cl.EmailComparison("email")),
    ) if usable(*columns)]
    prediction_rules = [block_on(*columns) for columns in (
        ("name",), ("tax_id",), ("phone",), ("website",), ("email",), ("postal_code", "name3"), ("city", "name3"),
        ("postal_code", "address_line1"),
    ) if usable(*columns)]
    settings = SettingsCreator(link_type="dedupe_only", unique_id_column_name=UID, comparisons=comparisons,
                               blocking_rules_to_generate_predictions=prediction_rules)
    db = DuckDBAPI()
    linker = Linker(db.register(df, dataset_display_name="customers"), settings, log_level=None)
    deterministic = [block_on(*columns) for columns in (("name", "city"), ("tax_id",), ("phone",))
                     if usable(*columns)]
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    # m by EM, on two blocking rules between them covering every comparison. Splink's EM can fail on
    # a level it never observes (an m probability underflowing to 0 raises): then the next rule.
    trained = []
    for columns in (("postal_code",), ("phone",), ("name3",), ("city",), ("tax_id",)):
        if usable(*columns) and len(trained) < 2:
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(block_on(*columns), max_pairs=1e6)
                trained.append(columns[0])
            except ValueError as error:
                notes.append(f"EM blocked on {columns[0]} failed in Splink ({str(error)[:80]}); next rule")
    notes.append(f"EM on: {', '.join(trained)}")
    predictions = linker.inference.predict(threshold_match_probability=THRESHOLD)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=THRESHOLD).as_pandas_dataframe()
    return dict(zip(clusters[UID], clusters["cluster_id"].astype(str), strict=True))


# --- recordlinkage -------------------------------------------------------------------------------

def recordlinkage_clusters(df: pd.DataFrame, notes: list[str]) -> dict[str, str]:
    import recordlinkage as rl

    have = present(df)
    frame = df.set_index(UID)
    index = rl.Index()
    if "name" in have:
        index.sortedneighbourhood("name", window=9)
    for columns in (("tax_id",), ("phone",), ("website",), ("email",), ("postal_code", "name3"), ("city", "name3")):
        if all(c in have for c in columns):
            index.block(list(columns))
    pairs = index.index(frame)
    notes.append(f"{len(pairs):,} candidate pairs")
    compare = rl.Compare()
    for column, threshold in (("name", 0.85), ("address_line1", 0.85), ("city", 0.9)):
        if column in have:
            compare.string(column, column, method="jarowinkler", threshold=threshold, label=column)
    for column in ("postal_code", "country", "phone", "tax_id", "website", "email"):
        if column in have:
            compare.exact(column, column, label=column)
    features = compare.compute(pairs, frame)
    matches = rl.ECMClassifier(binarize=None).fit_predict(features)
    return components(frame.index, list(matches))


def components(ids, pairs) -> dict[str, str]:
    """Connected components of matched pairs: id -> the smallest id of its component."""
    parent = {i: i for i in ids}

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {i: root(i) for i in ids}


PEERS = {"splink": splink_clusters, "recordlinkage": recordlinkage_clusters}


def run(peer: str, files: list[tuple[str, Path]]) -> dict:
    """Read, clean, match and cluster; the time covers all of it, from the CSV files on."""
    started = time.perf_counter()
    df = read_records(files)
    notes: list[str] = []
    clusters = PEERS[peer](df, notes)
    seconds = time.perf_counter() - started
    return {"peer": peer, "seconds": seconds, "notes": notes, "clusters": [[*uid.split("|", 1), cluster]
                                                         for uid, cluster in clusters.items()]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--peer", choices=sorted(PEERS), required=True)
    parser.add_argument("--file", action="append", required=True, help="SYSTEM=PATH, in import order")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    files = [(system, Path(path)) for system, path in (item.split("=", 1) for item in args.file)]
    args.out.write_text(json.dumps(run(args.peer, files)))


if __name__ == "__main__":
    main()
