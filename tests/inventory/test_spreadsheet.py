"""Reading movement and count sheets: every bad row is reported, with line and column."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import pytest

from core.errors import InvalidInput
from inventory.spreadsheet import detect_format, parse_count, parse_movements, write_table

HEADER = "kind,depot,item,lot,expiry,quantity,to_depot,reason\n"


def movements(text: str, name: str = "m.csv") -> list[Any]:
    return parse_movements(text.encode(), name, max_rows=1000)


def problems_of(text: str | bytes, name: str = "m.csv") -> list[tuple[int | None, str | None, str]]:
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(InvalidInput) as refused:
        parse_movements(data, name, max_rows=1000)
    return [(p.line, p.column, p.msg) for p in refused.value.problems] or [
        (None, None, refused.value.detail)
    ]


def test_reads_a_clean_file() -> None:
    rows = movements(
        HEADER + "receipt,DA,WATER,W-1,2027-06-30,100,,donation\nissue,DA,WATER,,,5,,\n"
        "transfer,DA,WATER,,,7,DB,\n"
    )
    assert [(r.line, r.kind, r.quantity, r.to_depot) for r in rows] == [
        (2, "receipt", 100, None),
        (3, "issue", 5, None),
        (4, "transfer", 7, "DB"),
    ]
    assert rows[0].expiry is not None
    assert rows[0].expiry.isoformat() == "2027-06-30"


def test_hxl_hashtags_map_columns_whatever_the_headers_say() -> None:
    text = (
        "Type,Store,Article,Batch,Best before,Amount\n"
        "#x_movement+type,#loc+code+depot,#item+code,#item+lot,#date+expiry,#x_quantity\n"
        "receipt,DA,WATER,W-1,2027-06-30,100\n"
    )
    [row] = movements(text)
    assert (row.line, row.depot, row.item, row.lot, row.quantity) == (3, "DA", "WATER", "W-1", 100)


def test_chinese_headers_and_gb18030_encoding() -> None:
    text = "类型,仓库编码,物资编码,批号,有效期至,数量\nreceipt,DA,WATER,W-1,2027-06-30,100\n"
    [row] = parse_movements(text.encode("gb18030"), "盘点.csv", max_rows=10)
    assert row.quantity == 100


def test_every_bad_row_is_listed_with_line_and_column() -> None:
    text = HEADER + (
        "receipt,DA,WATER,W-1,2027-06-30,100,,\n"  # line 2: fine
        "receipt,DA,WATER,,2027-06-30,5,,\n"  # 3: receipt without lot
        "issue,DA,WATER,,,-4,,\n"  # 4: negative
        "issue,DA,WATER,,,2.5,,\n"  # 5: fraction
        "issue,DA,WATER,,,99999999999,,\n"  # 6: absurd
        "borrow,DA,WATER,,,1,,\n"  # 7: unknown kind
        "transfer,DA,WATER,,,1,,\n"  # 8: no destination
        "receipt,DA,WATER,W-2,30/06/2027,1,,\n"  # 9: bad date
        ",,,,,,,\n"  # blank line: not a row
        "issue,,WATER,,,1,,\n"  # 11: no depot
    )
    found = problems_of(text)
    assert [(line, column) for line, column, _ in found] == [
        (3, "lot"),
        (4, "quantity"),
        (5, "quantity"),
        (6, "quantity"),
        (7, "kind"),
        (8, "to_depot"),
        (9, "expiry"),
        (11, "depot"),
    ]
    messages = {(line, column): msg for line, column, msg in found}
    assert "negative" in messages[(4, "quantity")]
    assert "fraction" in messages[(5, "quantity")]
    assert "larger than the limit" in messages[(6, "quantity")]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        pytest.param(b"", "empty", id="empty"),
        pytest.param(b"kind,depot\nreceipt,DA\n", "missing column", id="missing-columns"),
        pytest.param(b"foo,bar\n1,2\n", "no known column", id="no-known-columns"),
        pytest.param(
            (HEADER + 'receipt,DA,WATER,"W-1,2027').encode(), "well-formed", id="truncated-quote"
        ),
        pytest.param(
            "kind,depot,item,quantity\nreceipt,DA,WATER,1\n".encode("utf-16"), "UTF-16", id="utf16"
        ),
        pytest.param(
            b"kind,depot,item,quantity\n\xff\xfe\x80,DA,WATER,1\n", "UTF-8", id="wrong-encoding"
        ),
        pytest.param(HEADER.encode(), "no rows", id="header-only"),
    ],
)
def test_malformed_files_get_a_clear_error(data: bytes, says: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_movements(data, "m.csv", max_rows=1000)
    assert says in refused.value.detail or any(says in p.msg for p in refused.value.problems)


@pytest.mark.parametrize(
    ("name", "data", "fmt"),
    [
        ("stock.csv", b"a,b\n", "csv"),
        ("STOCK.CSV", b"a,b\n", "csv"),
        ("stock.txt", b"a\tb\n", "csv"),
        ("stock", b"a,b\n", "csv"),
        ("", b"a,b\n", "csv"),
        ("stock.xlsx", b"anything", "xlsx"),
        ("saved-as.csv", b"PK\x03\x04rest", "xlsx"),  # a workbook whatever its name says
        ("stock.pdf", b"%PDF-1.4", None),
        ("stock.docx", b"PK\x03\x04rest", None),
        ("stock.json", b"{}", None),
    ],
)
def test_the_format_follows_the_name_and_other_kinds_of_file_are_refused(
    name: str, data: bytes, fmt: str | None
) -> None:
    if fmt is not None:
        assert detect_format(name, data) == fmt
        return
    with pytest.raises(InvalidInput, match=r"only \.csv and \.xlsx files can be imported"):
        detect_format(name, data)


def test_truncated_row_is_reported_not_guessed() -> None:
    found = problems_of(HEADER + "receipt,DA,WATER,W-1,2027-06-30,100,,\nreceipt,DA,WAT")
    assert found[0][0] == 3


def test_xlsx_round_trip_with_hxl_row() -> None:
    data = write_table(
        [
            {
                "kind": "receipt",
                "depot": "DA",
                "item": "WATER",
                "lot": "W-1",
                "expiry": "2027-06-30",
                "quantity": 3,
            }
        ],
        ["kind", "depot", "item", "lot", "expiry", "quantity"],
        fmt="xlsx",
        hxl={
            "kind": "#x_movement+type",
            "depot": "#loc+depot+code",
            "item": "#item+code",
            "lot": "#item+lot",
            "expiry": "#date+expiry",
            "quantity": "#x_quantity",
        },
    )
    [row] = parse_movements(data, "m.xlsx", max_rows=10)
    assert (row.line, row.quantity, row.lot) == (3, 3, "W-1")


def test_a_corrupt_xlsx_is_refused() -> None:
    buffer = io.BytesIO()
    pd.DataFrame({"kind": ["receipt"]}).to_excel(buffer, index=False)
    with pytest.raises(InvalidInput, match="not a readable XLSX"):
        parse_movements(buffer.getvalue()[:200], "m.xlsx", max_rows=10)


def test_row_limit() -> None:
    with pytest.raises(InvalidInput, match="more than the limit"):
        parse_movements((HEADER + "issue,DA,WATER,,,1,,\n" * 5).encode(), "m.csv", max_rows=4)


def test_count_sheet_refuses_duplicates_and_negative_counts() -> None:
    text = (
        "depot,item,lot,counted\nDA,WATER,W-1,5\nDA,WATER,W-1,6\nDA,WATER,W-2,-1\nDA,WATER,W-3,0\n"
    )
    with pytest.raises(InvalidInput) as refused:
        parse_count(text.encode(), "count.csv", max_rows=10)
    assert [(p.line, p.column) for p in refused.value.problems] == [(3, "lot"), (4, "counted")]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("occurred_at", "0001-01-01T00:30:00+01:00"),  # year 0 once in UTC: overflowed
        ("occurred_at", "9999-12-31T23:30:00-01:00"),  # year 10000 in UTC
        ("occurred_at", "1000-01-01T00:30:00Z"),  # in Python's range, not in ours
        ("expiry", "9999-12-31"),
        ("expiry", "1899-12-31"),
    ],
)
def test_times_and_dates_out_of_range_are_refused_by_cell(column: str, value: str) -> None:
    header = "kind,depot,item,lot,expiry,quantity,occurred_at\n"
    cells = {"expiry": "2027-06-30", "occurred_at": "2026-03-01T08:00:00Z", column: value}
    text = header + f"receipt,DA,WATER,W-1,{cells['expiry']},5,{cells['occurred_at']}\n"
    assert [(line, where) for line, where, _ in problems_of(text)] == [(2, column)]
