"""Spreadsheet import and export through the API: all rows or none."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from inventory import service
from tests.inventory.factories import Small, small_district


@pytest.fixture
def d(session: Session) -> Small:
    return small_district(session)


def upload(
    client: TestClient,
    path: str,
    text: str | bytes,
    name: str = "batch.csv",
    key: str | None = None,
):
    data = text.encode() if isinstance(text, str) else text
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(path, files={"file": (name, data, "text/csv")}, headers=headers)


def test_a_movement_file_is_recorded_as_one_action(
    client: TestClient, session: Session, d: Small
) -> None:
    text = (
        "kind,depot,item,lot,expiry,quantity,to_depot\n"
        "receipt,DA,WATER,W-1,2027-06-30,100,\n"
        "receipt,DA,TENT,T-1,,10,\n"
        "issue,DA,WATER,,,30,\n"
        "transfer,DA,TENT,,,4,DB\n"
    )
    answer = upload(client, "/imports/movements", text)
    assert answer.status_code == 201, answer.text
    assert answer.json()["rows"] == 4
    assert answer.json()["movements"] == 5
    lines = service.list_movements(session, action_id=answer.json()["action_id"])
    assert len(lines) == 5
    stock = {(b.depot_code, b.item_code): b.quantity for b in service.list_balances(session)}
    assert stock == {("DA", "WATER"): 70, ("DA", "TENT"): 6, ("DB", "TENT"): 4}


def test_a_file_with_bad_rows_is_rejected_whole_with_every_row_explained(
    client: TestClient, session: Session, d: Small
) -> None:
    text = (
        "kind,depot,item,lot,expiry,quantity\n"
        "receipt,DA,WATER,W-1,2027-06-30,100\n"  # 2 fine
        "receipt,NOPE,WATER,W-1,2027-06-30,1\n"  # 3 unknown depot
        "receipt,DA,GOLD,G-1,,1\n"  # 4 unknown item
        "issue,DA,WATER,,,500\n"  # 5 more than there will be
        "receipt,DA,WATER,W-2,,5\n"  # 6 perishable without expiry
        "issue,DA,TENT,T-9,,1\n"
    )  # 7 unknown lot
    answer = upload(client, "/imports/movements", text)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert "nothing was imported" in problem["detail"]
    assert [(e["line"], e["column"]) for e in problem["errors"]] == [
        (3, "depot"),
        (4, "item"),
        (6, "expiry"),
        (7, "lot"),
    ]
    assert service.list_movements(session) == []
    assert service.list_balances(session) == []


def test_bad_cells_and_unknown_codes_are_listed_together(
    client: TestClient, session: Session, d: Small
) -> None:
    """One upload tells everything that can be told: a fraction on one row and an unknown
    item on another are both listed (not the first kind only)."""
    text = (
        "kind,depot,item,lot,expiry,quantity\n"
        "receipt,DA,TENT,T-1,,2.5\n"  # 2 a fraction
        "receipt,DA,GOLD,G-1,,1\n"  # 3 unknown item
        "receipt,NOPE,TENT,T-2,,1\n"  # 4 unknown depot
        "receipt,DA,TENT,T-3,,4\n"  # 5 fine
        "issue,DA,TENT,T-3,,1\n"  # 6 fine: lot T-3 comes in on line 5
        "issue,DA,TENT,T-9,,1\n"  # 7 unknown lot
    )
    answer = upload(client, "/imports/movements", text)
    assert answer.status_code == 422, answer.text
    assert [(e["line"], e["column"]) for e in answer.json()["errors"]] == [
        (2, "quantity"),
        (3, "item"),
        (4, "depot"),
        (7, "lot"),
    ]
    assert service.list_movements(session) == []


def test_a_count_sheet_lists_bad_cells_and_unknown_codes_together(
    client: TestClient, session: Session, d: Small
) -> None:
    text = (
        "depot,item,lot,counted\n"
        "DA,TENT,T-1,-1\n"  # 2 negative
        "DA,GOLD,G-1,1\n"  # 3 unknown item
        "NOPE,TENT,T-1,1\n"  # 4 unknown depot
    )
    answer = upload(client, "/imports/counts", text)
    assert answer.status_code == 422, answer.text
    assert [(e["line"], e["column"]) for e in answer.json()["errors"]] == [
        (2, "counted"),
        (3, "item"),
        (4, "depot"),
    ]
    assert service.list_movements(session) == []


def test_stock_problems_are_listed_per_row_after_the_codes_check_out(
    client: TestClient, session: Session, d: Small
) -> None:
    text = (
        "kind,depot,item,lot,expiry,quantity\n"
        "receipt,DA,TENT,T-1,,10\n"
        "issue,DA,TENT,,,8\n"
        "issue,DA,TENT,,,3\n"
        "issue,DB,TENT,,,1\n"
    )
    answer = upload(client, "/imports/movements", text)
    assert answer.status_code == 422
    assert [e["line"] for e in answer.json()["errors"]] == [4, 5]
    assert service.list_balances(session) == []


def test_the_same_file_uploaded_twice_with_one_key_is_applied_once(
    client: TestClient, session: Session, d: Small
) -> None:
    text = "kind,depot,item,lot,quantity\nreceipt,DA,TENT,T-1,10\n"
    first = upload(client, "/imports/movements", text, key="upload-1")
    second = upload(client, "/imports/movements", text, key="upload-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert [b.quantity for b in service.list_balances(session)] == [10]


def test_count_sheet_import_posts_a_count(client: TestClient, session: Session, d: Small) -> None:
    upload(
        client, "/imports/movements", "kind,depot,item,lot,quantity\nreceipt,DA,TENT,T-1,10\n"
    ).raise_for_status()
    answer = upload(
        client,
        "/imports/counts",
        "depot,item,lot,counted\nDA,TENT,T-1,8\nDA,TENT,T-2,1\n",
        "count.csv",
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["movements"] == 2
    stock = {b.lot_number: b.quantity for b in service.list_balances(session)}
    assert stock == {"T-1": 8, "T-2": 1}


def test_export_reads_back_as_a_count_sheet(client: TestClient, session: Session, d: Small) -> None:
    upload(
        client,
        "/imports/movements",
        "kind,depot,item,lot,expiry,quantity\nreceipt,DA,WATER,W-1,2027-06-30,100\n",
    ).raise_for_status()
    for fmt in ("csv", "xlsx"):
        answer = client.get("/exports/stock", params={"format": fmt, "district_id": d.district_id})
        assert answer.status_code == 200
        if fmt == "csv":
            frame = pd.read_csv(io.BytesIO(answer.content), dtype=str, encoding="utf-8-sig")
        else:
            frame = pd.read_excel(io.BytesIO(answer.content), dtype=str)
        assert list(frame.iloc[0]) == [
            "#loc+depot+code",
            "#item+code",
            "#item+lot",
            "#date+expiry",
            "#x_reserve+type",
            "#x_quantity",
        ]
        assert list(frame.iloc[1]) == ["DA", "WATER", "W-1", "2027-06-30", "government", "100"]


def test_an_oversized_upload_is_refused(client: TestClient, d: Small) -> None:
    client.app.state.settings.import_max_bytes = 1024  # type: ignore[attr-defined]
    answer = upload(
        client, "/imports/movements", "kind,depot,item,quantity\n" + "issue,DA,TENT,1\n" * 200
    )
    assert answer.status_code == 422
    assert "larger than the limit" in answer.json()["detail"]


def test_large_imports_are_sent_in_chunks_under_the_bound_value_limit(
    client: TestClient, session: Session, d: Small, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inventory import stock

    monkeypatch.setattr(stock, "_MAX_BOUND_VALUES", 10)  # 2 lots per insert, 10 per look-up
    rows = "".join(f"receipt,DA,TENT,T-{n},,{n + 1}\n" for n in range(37))
    answer = upload(client, "/imports/movements", "kind,depot,item,lot,expiry,quantity\n" + rows)
    assert answer.status_code == 201, answer.text
    held = {b.lot_number: b.quantity for b in service.list_balances(session)}
    assert len(held) == 37
    assert held["T-36"] == 37


def test_an_imported_transfer_cannot_leave_the_district(
    client: TestClient, session: Session, d: Small
) -> None:
    other = small_district(session, suffix="X")
    del other
    upload(
        client, "/imports/movements", "kind,depot,item,lot,quantity\nreceipt,DA,TENT,T-1,10\n"
    ).raise_for_status()
    answer = upload(
        client, "/imports/movements", "kind,depot,item,quantity,to_depot\ntransfer,DA,TENT,3,DAX\n"
    )
    assert answer.status_code == 422
    assert "another district" in answer.text
    assert {b.depot_code: b.quantity for b in service.list_balances(session)} == {"DA": 10}
