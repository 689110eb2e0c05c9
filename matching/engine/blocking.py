"""Blocking: stable string keys per record; records sharing a key become candidate pairs.

Batch and incremental blocking are the same thing by construction: a batch candidate pair is a
pair of records sharing at least one key from `blocking_keys`, which is exactly what the hub finds
when it looks a new record's keys up in its index table. Keys held by more than
`schema.max_block_size` records are skipped in batch; the hub should skip them the same way.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import product

import jellyfish
import numpy as np
import pandas as pd

from .comparisons import KINDS
from .schema import Schema, schema_for, standardize_columns, standardize_record
from .standardize import ITEM_SEPARATOR, items


@lru_cache(maxsize=200_000)
def _phonetic(value: str) -> str:
    """Metaphone of each word, sorted, so word order and most typos do not change the key."""
    return " ".join(sorted(jellyfish.metaphone(w) or w for w in value.split()))


TRANSFORMS = {
    "value": lambda v: v,
    "phonetic": _phonetic,
    "soundex": lambda v: jellyfish.soundex(v),
    "nysiis": lambda v: jellyfish.nysiis(v),
    "prefix3": lambda v: v[:3],
    "prefix5": lambda v: v[:5],
    "first_word": lambda v: v.split()[0],
    "last_word": lambda v: v.split()[-1],
    "sorted_words": lambda v: " ".join(sorted(v.split())),
    "initials": lambda v: "".join(w[0] for w in v.split()),
    "first_letter": lambda v: v[0],
    "year": lambda v: v[:4],
}


def _transform(name: str, value) -> str | None:
    if value is None:
        return None
    result = TRANSFORMS[name](value)
    return result or None


def _parts(transform: str, value) -> list[str]:
    """A rule part's key pieces: one per item of the value (a name's variants, a record's phones)."""
    if value is None:
        return []
    if ITEM_SEPARATOR not in value:
        piece = _transform(transform, value)
        return [piece] if piece else []
    return list(dict.fromkeys(piece for item in items(value) if (piece := _transform(transform, item))))


def blocking_keys(domain_or_schema: str | Schema, record: dict, *, standardized: bool = False) -> list[str]:
    """Stable keys for one record, e.g. 'tax:DE|123456789'. Store them keyed by golden id. A
    value with several items gives a key per item."""
    schema = schema_for(domain_or_schema)
    values = record if standardized else standardize_record(schema, record)
    keys = []
    for rule in schema.blocking:
        parts = [_parts(transform, values.get(field)) for field, transform in rule.parts]
        if all(parts):
            keys.extend(f"{rule.name}:{'|'.join(combination)}" for combination in product(*parts))
    return keys


def key_table(schema: Schema, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """Long table (row, key) of every record's blocking keys, from standardized columns."""
    frames = []
    for number, rule in enumerate(schema.blocking):
        if not any(KINDS[schema.field(field).kind].several for field, _ in rule.parts):
            frames.append(_single_key_table(rule, number, columns))
            continue
        rows, keys = [], []
        pieces = [[_parts(transform, value) for value in columns[field]] for field, transform in rule.parts]
        for row, parts in enumerate(zip(*pieces, strict=True)):
            if not all(parts):
                continue
            if all(len(part) == 1 for part in parts):
                rows.append(row)
                keys.append(f"{rule.name}:{'|'.join(part[0] for part in parts)}")
            else:
                for key in dict.fromkeys(f"{rule.name}:{'|'.join(c)}" for c in product(*parts)):
                    rows.append(row)
                    keys.append(key)
        frames.append(pd.DataFrame({"row": np.asarray(rows, dtype=np.int64), "key": np.asarray(keys, dtype=object),
                                    "rule": number}))
    if not frames:
        return pd.DataFrame({"row": np.zeros(0, np.int64), "key": np.zeros(0, object), "rule": np.zeros(0, int)})
    return pd.concat(frames, ignore_index=True)


def _single_key_table(rule, number: int, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """key_table's rows for a rule over fields of one value each, built column-wise."""
    n = len(next(iter(columns.values())))
    key = pd.Series([f"{rule.name}:"] * n, dtype=object)
    ok = np.ones(n, dtype=bool)
    for i, (field, transform) in enumerate(rule.parts):
        part = pd.Series([_transform(transform, v) for v in columns[field]], dtype=object)
        ok &= part.notna().to_numpy()
        key = key + ("|" if i else "") + part.fillna("")
    return pd.DataFrame({"row": np.flatnonzero(ok), "key": key[ok].to_numpy(), "rule": number})


def _usable(keys: pd.DataFrame, max_block_size: int) -> pd.DataFrame:
    size = keys.groupby("key")["row"].transform("size")
    return keys[size <= max_block_size]


def candidate_pairs(schema: Schema, columns: dict[str, np.ndarray], *, sources: np.ndarray | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Row index pairs (i < j) sharing a key. With `sources`, only pairs across sources (linkage)."""
    by_rule = candidate_pairs_by_rule(schema, columns, sources=sources)
    n = len(columns[schema.id_field])
    codes = [left * n + right for left, right in by_rule]
    code = np.unique(np.concatenate(codes)) if codes else np.zeros(0, np.int64)
    return code // n, code % n


def candidate_pairs_by_rule(schema: Schema, columns: dict[str, np.ndarray], *, sources: np.ndarray | None = None
                            ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each blocking rule's own candidate pairs (a pair found by two rules appears under both)."""
    keys = _usable(key_table(schema, columns), schema.max_block_size)
    keys = keys.assign(key=pd.factorize(keys["key"])[0])  # join on integers, not strings: far less memory
    n = len(columns[schema.id_field])
    rules, rows, key_ids = (keys[c].to_numpy(np.int64) for c in ("rule", "row", "key"))
    del keys
    out = []
    for number in range(len(schema.blocking)):
        mine = rules == number
        left, right = pairs_within_blocks(rows[mine], key_ids[mine])
        keep = left != right
        if sources is not None:
            keep &= sources[left] != sources[right]
        code = np.unique(left[keep] * n + right[keep])
        out.append((code // n, code % n))
    return out


def pairs_within_blocks(rows: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of rows sharing a key, once, the smaller row first — generated block by block in
    numpy rather than by a self-join, which held each pair twice and its key besides."""
    order = np.lexsort((rows, keys))
    rows, keys = rows[order], keys[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, np.int64)
    sizes = np.diff(np.r_[starts, len(keys)])
    starts, sizes = starts[sizes > 1], sizes[sizes > 1]
    counts = sizes * (sizes - 1) // 2
    block = np.repeat(np.arange(len(sizes)), counts)
    offset = np.arange(counts.sum(), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    size = sizes[block]
    # The offset-th pair (i, j), i < j, of a block of `size` rows, enumerated row after row:
    # row i starts at i*size - i*(i+1)/2. Inverted with a square root, then set right.
    i = np.floor(((2 * size - 1) - np.sqrt((2.0 * size - 1) ** 2 - 8.0 * offset)) / 2).astype(np.int64)
    before = i * size - i * (i + 1) // 2
    i = np.where(before > offset, i - 1, i)
    before = i * size - i * (i + 1) // 2
    after = before + (size - i - 1)
    i = np.where(offset >= after, i + 1, i)
    before = i * size - i * (i + 1) // 2
    j = offset - before + i + 1
    left, right = rows[starts[block] + i], rows[starts[block] + j]
    return np.minimum(left, right), np.maximum(left, right)


def prepare(schema: Schema, df: pd.DataFrame) -> dict[str, np.ndarray]:
    """Standardized columns of a frame (the batch twin of standardize_record)."""
    columns = {c: df[c].tolist() for c in df.columns if c in {*schema.inputs, schema.id_field}}
    if schema.id_field not in columns:
        columns[schema.id_field] = df.index.tolist()
    return standardize_columns(schema, columns)


def pair_completeness(candidates: set[tuple], true_pairs: set[tuple]) -> float:
    """Share of true pairs that survived blocking (pairs as unordered tuples of ids)."""
    if not true_pairs:
        return 1.0
    normal = {tuple(sorted(p)) for p in candidates}
    return sum(tuple(sorted(p)) in normal for p in true_pairs) / len(true_pairs)


def reduction_ratio(n_candidates: int, n_left: int, n_right: int | None = None) -> float:
    """1 - candidates / all possible pairs (n(n-1)/2 for deduplication, n_left*n_right for linkage)."""
    total = n_left * (n_left - 1) / 2 if n_right is None else n_left * n_right
    return 1.0 - n_candidates / total if total else 0.0
