"""Reading source records from CSV: columns are canonical attribute names plus `source_id`.

Other columns are kept in the raw payload; related records are referenced by their source ids
(`customer_source_id`, `contract_source_id`, `parent_source_id`). Optional envelope columns:
`object_type`, `source_updated_at` (ISO datetime), `source_version`.

A file is imported whole or not at all. `csv_file_check` reads it through once before anything is
written: it must decode in its encoding (UTF-8, with or without a byte-order mark, unless the
caller names another) and parse as CSV (quotes closed, nothing after a closing quote) under a
header that names `source_id` once. What fails there stops the import with one line saying where
and why (CsvFileError). A row that parses but cannot be used — a field over the size limit, more
fields than the header, an impossible timestamp, values no standardizer takes — is quarantined
with its reason while the rest of the file lands.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from mdm.db.reader_process import batches_from_child
from mdm.records import IncomingRecord, PreparedRecord
from mdm.services.api_ingest import incoming_from_row
from mdm.services.ingest import source_records_prepare

DEFAULT_ENCODING = "utf-8-sig"  # UTF-8; a byte-order mark (as Excel writes one) is dropped
MAX_FIELD_BYTES = 128 * 1024
# What the csv module may hold as one field: far above any field worth quarantining, low enough
# that a file that is no CSV (or has a quote left open) cannot fill memory as one field.
_PARSE_LIMIT = 16 * 1024 * 1024
_KEPT_OF_A_LONG_FIELD = 100  # characters of an over-long field kept in the quarantined payload


class CsvFileError(ValueError):
    """The file cannot be imported as it is; nothing of it was written. The message is one line."""


@dataclass(frozen=True)
class CsvFormat:
    encoding: str = DEFAULT_ENCODING
    max_field_bytes: int = MAX_FIELD_BYTES


def csv_file_check(path: Path, form: CsvFormat = CsvFormat()) -> int:
    """Read the whole file once, writing nothing; return how many records it holds. Raises
    CsvFileError for what stops an import: an unknown encoding, bytes the encoding cannot read, a
    broken quote, a header without `source_id` or with a column named twice."""
    _codec(form.encoding)
    records, start = 0, 1
    try:
        with _opened(path, form) as reader:
            _header(reader, path)
            start = reader.line_num + 1
            for fields in reader:
                if fields:
                    records += 1
                    _runaway_field_check(path, fields, start, reader.line_num, form.max_field_bytes)
                start = reader.line_num + 1
    except UnicodeDecodeError:
        raise CsvFileError(_undecodable(path, form.encoding)) from None
    except csv.Error as error:
        raise CsvFileError(f"{path.name} line {start:,}: {error} (a quote left open or out of place?); "
                           "nothing was imported") from None
    return records


def read_csv(path: Path, domain: str, form: CsvFormat = CsvFormat()) -> Iterator[IncomingRecord]:
    """Yield one IncomingRecord per row of a file csv_file_check passed. A row's problems (an
    over-long field, extra fields, a bad timestamp) go with it: ingestion quarantines it with them."""
    with _opened(path, form) as reader:
        header = _header(reader, path)
        start = reader.line_num + 1
        for fields in reader:
            if fields:
                yield _record(domain, header, fields, start, form.max_field_bytes)
            start = reader.line_num + 1


def _record(domain: str, header: list[str], fields: list[str], line: int, max_field_bytes: int) -> IncomingRecord:
    problems: dict[str, list[str]] = {}
    if len(fields) > len(header):
        problems["row"] = [f"line {line:,} has {len(fields)} fields; the header names {len(header)}"]
    if max(map(len, fields)) * 4 > max_field_bytes:  # a field may be over the limit: measure them
        fields = _long_fields_cut(header, fields, line, max_field_bytes, problems)
    row = dict(zip(header, map(str.strip, fields), strict=False))  # a short row lacks its last columns
    record, _timestamp_problems = incoming_from_row(domain, row, default_object_type=domain)
    return replace(record, problems={**record.problems, **problems}) if problems else record


def _long_fields_cut(header: list[str], fields: list[str], line: int, limit: int,
                     problems: dict[str, list[str]]) -> list[str]:
    """The fields, those over the limit cut short (the quarantined payload keeps the record, not the
    megabyte), each named in `problems`."""
    kept = []
    for name, value in zip(header, fields, strict=False):
        size = _size_over(value, limit)
        if size:
            problems[name] = [f"field {name} on line {line:,} is {size:,} bytes, over the limit of {limit:,}"]
            value = f"{value[:_KEPT_OF_A_LONG_FIELD]}… [{size:,} bytes cut]"
        kept.append(value)
    return kept


def _size_over(value: str, limit: int) -> int:
    """The field's size in UTF-8 bytes if over `limit`, else 0 (most fields are not measured)."""
    if len(value) * 4 <= limit:
        return 0
    size = len(value.encode("utf-8", "surrogatepass"))
    return size if size > limit else 0


def _runaway_field_check(path: Path, fields: list[str], start: int, end: int, limit: int) -> None:
    """An over-long field that spans lines is most likely a quote left open, swallowing the rows
    after it: those rows must not vanish into one quarantined field."""
    if end == start:
        return
    for value in fields:
        size = _size_over(value, limit)
        if size and "\n" in value:
            raise CsvFileError(f"{path.name} line {start:,}: a quoted field runs on to line {end:,} ({size:,} bytes): "
                               "a quote left open? nothing was imported")


def _header(reader, path: Path) -> list[str]:
    header = next(reader, None)
    if not header:
        raise CsvFileError(f"{path.name}: no header row; nothing was imported")
    # A column without a name (a trailing comma in the header) keeps its values under its place.
    names = [name.strip() or f"column_{place}" for place, name in enumerate(header, 1)]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise CsvFileError(f"{path.name} line 1: column {', '.join(map(repr, twice))} named twice; nothing was imported")
    if "source_id" not in names:
        raise CsvFileError(f"{path.name} line 1: no source_id column (the header names {', '.join(names)}); "
                           "nothing was imported")
    return names


@contextmanager
def _opened(path: Path, form: CsvFormat):
    csv.field_size_limit(_PARSE_LIMIT)
    with open(path, newline="", encoding=form.encoding) as handle:
        # strict: a stray quote is an error where the default reader would silently glue rows together
        yield csv.reader(handle, strict=True)


def _codec(encoding: str) -> None:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise CsvFileError(f"unknown encoding {encoding!r}") from None


def _undecodable(path: Path, encoding: str) -> str:
    """Where the first byte the encoding cannot read is, and what to try instead, in one line."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line, bad = 0, b""
    with open(path, "rb") as handle:
        start = handle.read(2)
        handle.seek(0)
        for line, raw in enumerate(handle, 1):  # noqa: B007 - the line is reported below
            try:
                decoder.decode(raw)
            except UnicodeDecodeError as error:
                bad = error.object[error.start:error.end]
                break
    name = codecs.lookup(encoding).name
    label = "UTF-8" if name in ("utf-8", "utf-8-sig") else name
    if start in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        hint = "it starts like UTF-16: pass --encoding utf-16"
    else:
        hint = "pass --encoding with the file's encoding, e.g. --encoding cp1252 (Windows, Excel) or latin-1"
    return f"{path.name} line {line:,}: bytes not {label} ({bad.hex(' ')}); nothing was imported: {hint}"


def prepared_batches(path: Path, domain: str, batch_size: int,
                     form: CsvFormat = CsvFormat()) -> Iterator[list[PreparedRecord]]:
    """read_csv in batches, each record prepared for ingestion (everything that needs no database)."""
    batch: list[IncomingRecord] = []
    for record in read_csv(path, domain, form):
        batch.append(record)
        if len(batch) >= batch_size:
            yield source_records_prepare(domain, batch)
            batch = []
    if batch:
        yield source_records_prepare(domain, batch)


def read_csv_ahead(path: Path, domain: str, batch_size: int,
                   form: CsvFormat = CsvFormat()) -> Iterator[list[PreparedRecord]]:
    """prepared_batches, worked out in a second process a few batches ahead of the caller."""
    return batches_from_child(prepared_batches, path, domain, batch_size, form)
