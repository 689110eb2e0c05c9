"""Rows as a CSV or an Excel file, safe to open in a spreadsheet.

A cell that begins with = + - @ (or a tab or carriage return) is read as a formula by Excel,
LibreOffice and Google Sheets — a customer named "=HYPERLINK(…)" in a source system would run in
the steward's spreadsheet. Such a text cell is written with a leading apostrophe, which the
spreadsheet shows as text (OWASP's advice for CSV injection). Numbers and dates stay numbers and
dates. Excel files are written by openpyxl in write-only mode: rows stream to a temporary file,
so a large export does not sit in memory.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BYTE_ORDER_MARK = "\ufeff"  # Excel reads a CSV file as UTF-8 only when it starts with one


def cell_neutralized(value: Any) -> Any:
    """A value as an export writes it: text that a spreadsheet would take for a formula, quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_chunks(rows: Iterable[list[Any]]) -> Iterator[str]:
    """CSV text in chunks (a streaming response's body), with the byte order mark first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield BYTE_ORDER_MARK
    for n, row in enumerate(rows, start=1):
        writer.writerow(["" if value is None else cell_neutralized(value) for value in row])
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_file(rows: Iterable[list[Any]], *, title: str) -> IO[bytes]:
    """An Excel workbook of one sheet (header row bold and frozen), rewound for reading."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    def cell(value: Any) -> Any:  # control characters have no place in the file's XML
        value = cell_neutralized(value)
        return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31] or "Export")
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    for n, row in enumerate(rows):
        if n == 0:
            header = []
            for value in row:
                heading = WriteOnlyCell(sheet, value=cell(value))
                heading.font = bold
                header.append(heading)
            sheet.append(header)
        else:
            sheet.append([cell(value) for value in row])
    target = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(target)
    target.seek(0)
    return target
