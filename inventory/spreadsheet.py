"""Spreadsheets in and out (CSV and XLSX through pandas), with optional HXL hashtag rows.

Reading is pure: bytes in, validated rows or one InvalidInput listing *every* bad row (line
number as a person sees it in the file, column, reason). Whether a code names a real depot or
item is checked later, by the service, against the database.

Columns are matched by name (English or Chinese, case-insensitive), or, when a second header
row carries HXL hashtags, by hashtag. See `COLUMNS` for both.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import PurePath
from typing import Any, Literal, TypeVar

import pandas as pd

from core.errors import FieldProblem, InvalidInput
from core.inputs import MOMENT_MAX, MOMENT_MIN, day_problem
from inventory.rules import MAX_QUANTITY

_R = TypeVar("_R")

Format = Literal["csv", "xlsx"]


@dataclass(frozen=True)
class Column:
    name: str
    hxl: str
    aliases: tuple[str, ...] = ()


COLUMNS: dict[str, Column] = {
    c.name: c
    for c in (
        Column("kind", "#x_movement+type", ("movement", "type", "类型")),
        Column("depot", "#loc+depot+code", ("depot_code", "仓库", "仓库编码")),
        Column("to_depot", "#loc+depot+code+dest", ("to_depot_code", "destination", "调入仓库")),
        Column("item", "#item+code", ("item_code", "物资编码")),
        Column("lot", "#item+lot", ("lot_number", "批号")),
        Column("expiry", "#date+expiry", ("expiry_date", "有效期", "有效期至")),
        Column("quantity", "#x_quantity", ("qty", "数量")),
        Column("counted", "#x_quantity+counted", ("counted_quantity", "实盘数量", "盘点数量")),
        Column("reserve_type", "#x_reserve+type", ("储备类型",)),
        Column("reason", "#description+reason", ("原因", "备注")),
        Column("reference", "#meta+reference", ("reference_document", "单据号")),
        Column("occurred_at", "#date+occurred", ("date", "日期", "发生时间")),
    )
}
MOVEMENT_REQUIRED = ("kind", "depot", "item", "quantity")
COUNT_REQUIRED = ("depot", "item", "lot", "counted")
MOVEMENT_KINDS = {"receipt", "issue", "transfer", "write_off"}
RESERVE_TYPES = {"government", "agreement", "enterprise"}
_INT = re.compile(r"^\+?\d+$")


@dataclass(frozen=True)
class MovementRow:
    line: int
    kind: str
    depot: str
    item: str
    quantity: int
    lot: str | None = None
    expiry: date | None = None
    to_depot: str | None = None
    reserve_type: str = "government"
    reason: str | None = None
    reference: str | None = None
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class CountRow:
    line: int
    depot: str
    item: str
    lot: str
    counted: int
    expiry: date | None = None
    reserve_type: str = "government"


@dataclass(frozen=True)
class Table:
    """The cells of a file as text, with the file line number of each data row."""

    columns: dict[str, str]  # our column name → the file's header
    rows: list[dict[str, str]]
    lines: list[int]


TEXT_SUFFIXES = ("", ".csv", ".txt", ".tsv")  # "": a name without one is read as CSV
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def detect_format(filename: str, data: bytes) -> Format:
    suffix = PurePath(filename).suffix.lower()
    if suffix not in TEXT_SUFFIXES + WORKBOOK_SUFFIXES:
        raise InvalidInput(f"{filename}: only .csv and .xlsx files can be imported.")
    if data[:4] == b"PK\x03\x04" or suffix in WORKBOOK_SUFFIXES:
        return "xlsx"
    return "csv"


def read_table(data: bytes, filename: str, *, max_rows: int) -> Table:
    """Read a CSV or XLSX file into text cells, mapping its headers to our column names."""
    if not data.strip():
        raise InvalidInput(f"{filename or 'the file'} is empty.")
    fmt = detect_format(filename, data)
    frame = _read_xlsx(data, filename) if fmt == "xlsx" else _read_csv(data, filename)
    headers = [str(h).strip() for h in frame.columns]
    first_line = 2
    hxl_row: list[str] | None = None
    if len(frame) and _is_hxl_row([str(v) for v in frame.iloc[0].tolist()]):
        hxl_row = [str(v).strip() for v in frame.iloc[0].tolist()]
        frame = frame.iloc[1:]
        first_line = 3
    columns = _map_columns(headers, hxl_row, filename)
    if len(frame) > max_rows:
        raise InvalidInput(f"{filename}: {len(frame)} rows is more than the limit of {max_rows}.")
    frame = frame.fillna("")
    raw = frame.to_dict(orient="records")
    rows = [
        {ours: read_cell(str(record.get(theirs, "")).strip()) for ours, theirs in columns.items()}
        for record in raw
    ]
    lines = list(range(first_line, first_line + len(rows)))
    keep = [i for i, row in enumerate(rows) if any(row.values())]  # blank lines are not rows
    return Table(columns, [rows[i] for i in keep], [lines[i] for i in keep])


def _read_csv(data: bytes, filename: str) -> pd.DataFrame:
    text = _decode(data, filename)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    try:
        return pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            sep=delimiter,
            skip_blank_lines=True,
            on_bad_lines="error",
            engine="python",
        )
    except (pd.errors.ParserError, csv.Error) as exc:
        raise InvalidInput(f"{filename}: not a well-formed CSV file ({_first_line(exc)}).") from exc
    except pd.errors.EmptyDataError as exc:
        raise InvalidInput(f"{filename}: the file has no header row.") from exc


def _decode(data: bytes, filename: str) -> str:
    if b"\0" in data:
        raise InvalidInput(f"{filename}: binary data is not a CSV file (UTF-16? save as UTF-8).")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(f"{filename}: the text is neither UTF-8 nor GB18030; save it as CSV UTF-8.")


def _read_xlsx(data: bytes, filename: str) -> pd.DataFrame:
    try:
        return pd.read_excel(io.BytesIO(data), dtype=str, engine="openpyxl", keep_default_na=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
        raise InvalidInput(
            f"{filename}: not a readable XLSX workbook ({_first_line(exc)})."
        ) from exc


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__


def _is_hxl_row(values: Sequence[str]) -> bool:
    filled = [v.strip() for v in values if v and v.strip()]
    return bool(filled) and all(v.startswith("#") for v in filled)


def _normalise(header: str) -> str:
    return re.sub(r"[\s\-]+", "_", header.strip().lower())


def _map_columns(headers: list[str], hxl: list[str] | None, filename: str) -> dict[str, str]:
    by_name: dict[str, str] = {}
    for column in COLUMNS.values():
        names = {column.name, *map(_normalise, column.aliases)}
        for header in headers:
            if _normalise(header) in names:
                by_name.setdefault(column.name, header)
    if hxl is not None:
        tags = {_hxl_key(tag): header for tag, header in zip(hxl, headers, strict=False) if tag}
        for column in COLUMNS.values():
            tagged = tags.get(_hxl_key(column.hxl))
            if tagged is not None:
                by_name.setdefault(column.name, tagged)
    if not by_name:
        raise InvalidInput(
            f"{filename}: no known column (expected e.g. {', '.join(MOVEMENT_REQUIRED)})."
        )
    return by_name


def _hxl_key(tag: str) -> tuple[str, frozenset[str]]:
    """HXL attributes are unordered: `#item+code` equals `#item +code`."""
    parts = [p.strip().lower() for p in tag.strip().split("+")]
    return parts[0], frozenset(p for p in parts[1:] if p)


# --- row validation ---------------------------------------------------------------------


class _Row:
    def __init__(self, cells: dict[str, str], line: int, problems: list[FieldProblem]) -> None:
        self.cells, self.line, self.problems = cells, line, problems

    def bad(self, column: str, msg: str) -> None:
        self.problems.append(FieldProblem((column,), msg, line=self.line, column=column))

    def text(self, column: str, *, required: bool = False, max_length: int = 200) -> str | None:
        value = self.cells.get(column, "").strip()
        if not value:
            if required:
                self.bad(column, "is empty")
            return None
        if len(value) > max_length:
            self.bad(column, f"is longer than {max_length} characters")
            return None
        return value

    def quantity(self, column: str) -> int:
        value = self.cells.get(column, "").strip().replace("_", "")
        if not value:
            self.bad(column, "is empty")
            return 0
        if not _INT.match(value):
            kind = "a fraction" if re.match(r"^[+-]?\d*\.\d+$", value) else "not a whole number"
            if value.startswith("-"):
                kind = "negative"
            self.bad(column, f"'{value[:30]}' is {kind}; quantities are whole base units")
            return 0
        number = int(value)
        if number <= 0 and column != "counted":
            self.bad(column, "must be greater than zero")
        elif number > MAX_QUANTITY:
            self.bad(column, f"{number} is larger than the limit of {MAX_QUANTITY}")
        return number

    def parse(self, column: str, parser: Callable[[str], object], what: str) -> object | None:
        value = self.cells.get(column, "").strip()
        if not value:
            return None
        try:
            return parser(value)
        except ValueError:
            self.bad(column, f"'{value[:30]}' is not {what}")
            return None

    def choice(self, column: str, allowed: set[str], default: str | None = None) -> str | None:
        value = self.cells.get(column, "").strip().lower().replace(" ", "_").replace("-", "_")
        if not value:
            if default is None:
                self.bad(column, "is empty")
            return default
        if value not in allowed:
            self.bad(column, f"'{value[:30]}' is not one of {', '.join(sorted(allowed))}")
            return None
        return value


def _iso_date(value: str) -> date:
    day = (
        date.fromisoformat(value[:10])
        if re.match(r"^\d{4}-\d{2}-\d{2}", value)
        else date.fromisoformat(value)
    )
    if day_problem(day):
        raise ValueError(day_problem(day))
    return day


def _aware_datetime(value: str) -> datetime:
    """An ISO 8601 date-time with its zone, in the range a request may name (`Moment`):
    out of it, converting to UTC could overflow."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("no timezone")
    try:
        moment = parsed.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("out of range") from exc
    if not MOMENT_MIN <= moment <= MOMENT_MAX:
        raise ValueError("out of range")
    return moment


def _require(table: Table, required: Sequence[str], filename: str) -> None:
    missing = [name for name in required if name not in table.columns]
    if missing:
        raise InvalidInput(
            f"{filename}: missing column(s) {', '.join(missing)}.",
            problems=[
                FieldProblem((name,), "column is missing", line=1, column=name) for name in missing
            ],
        )


def parse_movements(data: bytes, filename: str, *, max_rows: int) -> list[MovementRow]:
    """The file's movement rows; any bad cell refuses the file, listing every one."""
    rows, problems = read_movements(data, filename, max_rows=max_rows)
    return _whole(rows, problems, filename)


def read_movements(
    data: bytes, filename: str, *, max_rows: int
) -> tuple[list[MovementRow], list[FieldProblem]]:
    """The rows whose cells are good, and a problem per bad cell of the others.

    A file that cannot be read as a table, or lacks a required column, is refused here."""
    table = read_table(data, filename, max_rows=max_rows)
    _require(table, MOVEMENT_REQUIRED, filename)
    problems: list[FieldProblem] = []
    out: list[MovementRow] = []
    for cells, line in zip(table.rows, table.lines, strict=True):
        row = _Row(cells, line, problems)
        before = len(problems)
        kind = row.choice("kind", MOVEMENT_KINDS)
        depot = row.text("depot", required=True, max_length=32)
        item = row.text("item", required=True, max_length=48)
        quantity = row.quantity("quantity")
        lot = row.text("lot", max_length=64)
        expiry = row.parse("expiry", _iso_date, "a date (YYYY-MM-DD)")
        to_depot = row.text("to_depot", max_length=32)
        reserve = row.choice("reserve_type", RESERVE_TYPES, default="government")
        occurred = row.parse("occurred_at", _aware_datetime, "a date-time with a timezone")
        if kind in ("receipt", "write_off") and not lot:
            row.bad("lot", f"a {kind} names its lot")
        if kind == "transfer" and not to_depot:
            row.bad("to_depot", "a transfer names its destination depot")
        if kind == "transfer" and to_depot and to_depot == depot:
            row.bad("to_depot", "is the same depot as the source")
        if len(problems) == before:
            assert kind is not None
            assert depot is not None
            assert item is not None
            out.append(
                MovementRow(
                    line=line,
                    kind=kind,
                    depot=depot,
                    item=item,
                    quantity=quantity,
                    lot=lot,
                    expiry=expiry if isinstance(expiry, date) else None,
                    to_depot=to_depot,
                    reserve_type=reserve or "government",
                    reason=row.text("reason", max_length=500),
                    reference=row.text("reference"),
                    occurred_at=occurred if isinstance(occurred, datetime) else None,
                )
            )
    return out, problems


def parse_count(data: bytes, filename: str, *, max_rows: int) -> list[CountRow]:
    """The file's count rows; any bad cell refuses the file, listing every one."""
    rows, problems = read_count(data, filename, max_rows=max_rows)
    return _whole(rows, problems, filename)


def read_count(
    data: bytes, filename: str, *, max_rows: int
) -> tuple[list[CountRow], list[FieldProblem]]:
    """The rows whose cells are good, and a problem per bad cell of the others."""
    table = read_table(data, filename, max_rows=max_rows)
    _require(table, COUNT_REQUIRED, filename)
    problems: list[FieldProblem] = []
    out: list[CountRow] = []
    seen: dict[tuple[str, str, str], int] = {}
    for cells, line in zip(table.rows, table.lines, strict=True):
        row = _Row(cells, line, problems)
        before = len(problems)
        depot = row.text("depot", required=True, max_length=32)
        item = row.text("item", required=True, max_length=48)
        lot = row.text("lot", required=True, max_length=64)
        counted = row.quantity("counted")
        if counted < 0:
            row.bad("counted", "cannot be negative")
        expiry = row.parse("expiry", _iso_date, "a date (YYYY-MM-DD)")
        reserve = row.choice("reserve_type", RESERVE_TYPES, default="government")
        if depot and item and lot:
            first = seen.setdefault((depot, item, lot), line)
            if first != line:
                row.bad(
                    "lot",
                    f"lot {lot} of {item} at {depot} is counted twice (first on line {first})",
                )
        if len(problems) == before:
            assert depot is not None
            assert item is not None
            assert lot is not None
            out.append(
                CountRow(
                    line=line,
                    depot=depot,
                    item=item,
                    lot=lot,
                    counted=counted,
                    expiry=expiry if isinstance(expiry, date) else None,
                    reserve_type=reserve or "government",
                )
            )
    return out, problems


def _whole(rows: list[_R], problems: list[FieldProblem], filename: str) -> list[_R]:
    _raise(problems, filename)
    require_rows(rows, filename)
    return rows


def require_rows(rows: Sequence[object], filename: str) -> None:
    if not rows:
        raise InvalidInput(f"{filename}: the file holds no rows.")


def _raise(problems: list[FieldProblem], filename: str) -> None:
    if problems:
        lines = len({p.line for p in problems})
        raise InvalidInput(
            f"{filename}: {lines} bad row(s); nothing was imported. Fix them and upload again.",
            problems=problems,
        )


# --- export -------------------------------------------------------------------------------


def write_table(
    records: Sequence[dict[str, object]],
    columns: Sequence[str],
    *,
    fmt: Format,
    hxl: dict[str, str] | None = None,
) -> bytes:
    """Write records as CSV (UTF-8 with BOM, so spreadsheet programs read Chinese) or XLSX."""
    frame = pd.DataFrame(list(records), columns=list(columns))
    if hxl:
        tags = pd.DataFrame([[hxl.get(c, "") for c in columns]], columns=list(columns))
        frame = pd.concat([tags, frame.astype(object)], ignore_index=True)
    buffer = io.BytesIO()
    if fmt == "csv":
        frame = frame.map(safe_cell)
        buffer.write(frame.to_csv(index=False, lineterminator="\n").encode("utf-8-sig"))
    else:
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            frame.to_excel(writer, index=False, sheet_name="stock")
            _text_not_formulas(writer.sheets["stock"])
    return buffer.getvalue()


#: What makes a spreadsheet program read a cell as a formula (OWASP's CSV-injection rule).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A text cell for a CSV file: one that a spreadsheet program would run as a formula
    (a lot number `=HYPERLINK(...)`) gets a leading `'`, which makes it plain text there.
    Numbers are left alone: a negative quantity is not a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def read_cell(text: str) -> str:
    """The value `safe_cell` wrote: the leading `'` it added is dropped on reading back."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def _text_not_formulas(sheet: Any) -> None:
    """openpyxl stores a string beginning with `=` as a formula; store every such cell as
    the text it is, marked as text (quote prefix) so that editing it keeps it text."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                cell.data_type = "s"
                cell.quotePrefix = True
