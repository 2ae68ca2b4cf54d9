"""The spreadsheet upload page: a good CSV or XLSX is recorded and the stock changes; a file
with bad rows lists every one (line and column) and records nothing; an empty, wrong, too
large or too long file is refused with a message; nobody imports into a depot not theirs."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import httpx
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select
from sqlmodel import Session, col

from core.settings import Settings
from inventory import service as inventory
from inventory.models import Movement
from tests.inventory.factories import Small
from tests.web.conftest import csrf_of, post, sign_in
from tests.web.stock import balances, problem_rows, receive, snapshot

PAGE = "/web/depot/upload"
MAX_BYTES = 8 * 1024  # a small workbook fits, a big one does not
MAX_ROWS = 40
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path / "data",
        database_url="sqlite://",
        token_secret=SecretStr("test-secret-" + "x" * 40),
        import_max_bytes=MAX_BYTES,
        import_max_rows=MAX_ROWS,
    )


def signed_in(web: TestClient, username: str = "depot_manager") -> None:
    """Signed in, pages in English: the import's messages are asserted as written."""
    sign_in(web, username)
    assert post(web, "/web/language", {"lang": "en", "back": "/web/audit"}).status_code == 303


def why(answer: httpx.Response) -> object:
    """What a refused upload said: its alert and its rows to fix."""
    text = answer.text
    return text[text.find('role="alert"') :][:300], problem_rows(text)


def upload(
    web: TestClient, name: str, data: bytes | str, content_type: str = "text/csv"
) -> httpx.Response:
    body = data.encode() if isinstance(data, str) else data
    answer: httpx.Response = web.post(
        PAGE,
        data={"csrf": csrf_of(web, PAGE)},
        files={"file": (name, body, content_type)},
    )
    return answer


def imported(session: Session) -> list[Movement]:
    session.expire_all()
    return list(session.execute(select(Movement).order_by(col(Movement.id))).scalars())


GOOD_CSV = (
    "kind,depot,item,lot,expiry,quantity,to_depot,reason\n"
    "receipt,DA,TENT,T-1,,10,,donation\n"
    "receipt,DA,WATER,W-1,2030-01-01,20,,\n"
    "issue,DA,TENT,,,3,,flood shelter\n"
    "transfer,DA,TENT,,,2,DB,\n"
)


def test_the_upload_page_is_for_stock_roles_only(web: TestClient, people: dict[str, str]) -> None:
    for role, status in (("depot_manager", 200), ("coordinator", 200), ("procurement", 403)):
        web.cookies.clear()
        sign_in(web, role)
        answer = web.get(PAGE)
        assert answer.status_code == status, role
        if status == 200:
            assert 'enctype="multipart/form-data"' in answer.text


def test_a_good_csv_is_recorded_and_the_stock_changes(
    web: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    signed_in(web)
    answer = upload(web, "monday.csv", GOOD_CSV)
    assert answer.status_code == 303, why(answer)
    assert answer.headers["location"] == "/web/depot?done=import"
    assert balances(session, d.depot_a_id) == {(d.tent_id, "T-1"): 5, (d.water_id, "W-1"): 20}
    assert balances(session, d.depot_b_id) == {(d.tent_id, "T-1"): 2}
    lines = imported(session)
    assert sorted((m.kind, m.depot_id, m.quantity) for m in lines) == sorted(
        [
            ("receipt", d.depot_a_id, 10),
            ("receipt", d.depot_a_id, 20),
            ("issue", d.depot_a_id, -3),
            ("transfer_out", d.depot_a_id, -2),
            ("transfer_in", d.depot_b_id, 2),
        ]
    )
    assert len({m.action_id for m in lines}) == 1  # one action, all or nothing
    assert {m.actor for m in lines} == {"depot_manager"}
    assert {m.reference for m in lines} == {"monday.csv"}
    assert {m.reason for m in lines} >= {"donation", "flood shelter"}
    assert "Saved: import" in web.get(answer.headers["location"]).text


def test_a_good_xlsx_with_chinese_headers_and_hxl_tags_is_recorded(
    web: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    receive(session, d.depot_a_id, d.tent_id, "T-0", 4)
    sheet = pd.DataFrame(
        [
            [
                "#x_movement+type",
                "#loc+depot+code",
                "#item+code",
                "#item+lot",
                "#date+expiry",
                "#x_quantity",
            ],
            ["receipt", "DA", "WATER", "W-7", date(2031, 3, 31), 48],
            ["receipt", "DA", "MASK", "M-1", date(2029, 12, 1), 500],
            ["write_off", "DA", "TENT", "T-0", None, 1],
        ],
        columns=["类型", "仓库编码", "物资编码", "批号", "有效期至", "数量"],
    )
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        sheet.to_excel(writer, index=False, sheet_name="入库")
    signed_in(web)
    answer = upload(web, "入库单.xlsx", buffer.getvalue(), XLSX)
    assert answer.status_code == 303, why(answer)
    assert balances(session, d.depot_a_id) == {
        (d.tent_id, "T-0"): 3,
        (d.water_id, "W-7"): 48,
        (d.mask_id, "M-1"): 500,
    }
    rows = inventory.list_balances(session, depot_ids=[d.depot_a_id])
    stock = {b.lot_number: b.expiry_date for b in rows}
    assert stock["W-7"] == date(2031, 3, 31)
    assert stock["M-1"] == date(2029, 12, 1)
    assert sorted(m.kind for m in imported(session)) == [
        "receipt",  # the seeded T-0
        "receipt",
        "receipt",
        "write_off",
    ]


def test_rows_that_cannot_be_read_are_all_listed_and_nothing_is_recorded(
    web: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    text = (
        "kind,depot,item,lot,expiry,quantity,to_depot\n"
        "receipt,DA,TENT,T-1,,10,\n"  # 2 fine
        "gift,DA,TENT,T-1,,1,\n"  # 3 not a kind of movement
        "issue,DA,TENT,,,-5,\n"  # 4 negative
        "receipt,DA,TENT,T-1,,2.5,\n"  # 5 a fraction
        "receipt,DA,TENT,,,4,\n"  # 6 a receipt names its lot
        "receipt,DA,WATER,W-1,31/12/2030,4,\n"  # 7 not an ISO date
        "transfer,DA,TENT,,,1,\n"  # 8 a transfer names its destination
    )
    signed_in(web)
    before = snapshot(session)
    answer = upload(web, "bad.csv", text)
    assert answer.status_code == 422
    rows = problem_rows(answer.text)
    assert [(line, column) for line, column, _ in rows] == [
        ("3", "kind"),
        ("4", "quantity"),
        ("5", "quantity"),
        ("6", "lot"),
        ("7", "expiry"),
        ("8", "to_depot"),
    ]
    reasons = {(line, column): msg for line, column, msg in rows}
    assert "'gift' is not one of" in reasons[("3", "kind")]
    assert "negative" in reasons[("4", "quantity")]
    assert "fraction" in reasons[("5", "quantity")]
    assert "not a date" in reasons[("7", "expiry")]
    assert "bad.csv: 6 bad row(s); nothing was imported" in answer.text
    assert 'role="alert"' in answer.text
    assert snapshot(session) == before


def test_rows_naming_what_is_not_there_or_not_mine_are_all_listed_and_nothing_is_recorded(
    web: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    text = (
        "kind,depot,item,lot,expiry,quantity\n"
        "receipt,DA,TENT,T-1,,10\n"  # 2 fine
        "receipt,NOPE,TENT,T-2,,1\n"  # 3 unknown depot
        "receipt,DA,GOLD,G-1,,1\n"  # 4 unknown item
        "receipt,DB,TENT,T-3,,1\n"  # 5 depot B is not this manager's
        "receipt,DA,WATER,W-9,,5\n"  # 6 water keeps: its expiry date is needed
        "issue,DA,TENT,T-404,,1\n"  # 7 no such lot
    )
    signed_in(web)
    before = snapshot(session)
    answer = upload(web, "codes.csv", text)
    assert answer.status_code == 422
    rows = problem_rows(answer.text)
    assert [(line, column) for line, column, _ in rows] == [
        ("3", "depot"),
        ("4", "item"),
        ("5", "depot"),
        ("6", "expiry"),
        ("7", "lot"),
    ]
    reasons = [msg for _, _, msg in rows]
    assert reasons[0] == "unknown depot 'NOPE'"
    assert reasons[1] == "unknown item 'GOLD'"
    assert reasons[2] == "you may not change depot 'DB'"
    assert "codes.csv: 5 bad row(s)" in answer.text
    assert snapshot(session) == before  # not even the good row's lot T-1


def test_rows_that_would_take_stock_below_zero_are_all_listed_and_nothing_is_recorded(
    web: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    receive(session, d.depot_a_id, d.tent_id, "T-1", 5)
    text = (
        "kind,depot,item,lot,expiry,quantity\n"
        "receipt,DA,TENT,T-2,,10\n"  # 2 fine, and recorded first
        "issue,DA,TENT,T-1,,8\n"  # 3 the lot holds 5
        "issue,DA,WATER,,,1\n"  # 4 no water at all
    )
    signed_in(web)
    before = snapshot(session)
    answer = upload(web, "short.csv", text)
    assert answer.status_code == 422, why(answer)
    assert [(line, column) for line, column, _ in problem_rows(answer.text)] == [
        ("3", "quantity"),
        ("4", "quantity"),
    ]
    assert snapshot(session) == before  # the receipt on line 2 was rolled back too
    assert balances(session, d.depot_a_id) == {(d.tent_id, "T-1"): 5}


def a_file_of_exactly(size: int) -> str:
    """A good movement file of `size` bytes: receipts of one tent each, reasons filling it."""
    head = "kind,depot,item,lot,expiry,quantity,reason\n"
    row = "receipt,DA,TENT,T-1,,1,{}\n"
    room = size - len(head)
    per_row = len(row.format("")) + 400
    rows = -(-room // per_row)
    reasons = room - rows * len(row.format(""))
    text = head + "".join(
        row.format("x" * (reasons // rows + (1 if i < reasons % rows else 0))) for i in range(rows)
    )
    assert len(text.encode()) == size
    return text


def rows_in(text: str) -> int:
    return text.count("\n") - 1


REFUSED_FILES = [
    pytest.param("empty.csv", b"", "empty.csv is empty.", id="empty"),
    pytest.param("blank.csv", b"\n  \n", "blank.csv is empty.", id="blank-lines"),
    pytest.param(
        "header.csv",
        b"kind,depot,item,quantity\n",
        "header.csv: the file holds no rows.",
        id="header-only",
    ),
    pytest.param(
        "stock.pdf",
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n",
        "stock.pdf: only .csv and .xlsx files can be imported.",
        id="pdf",
    ),
    pytest.param(
        "stock.docx",
        b"PK\x03\x04word/document.xml",
        "stock.docx: only .csv and .xlsx files can be imported.",
        id="docx",
    ),
    pytest.param(
        "stock.xlsx",
        b"PK\x03\x04 not really a workbook",
        "stock.xlsx: not a readable XLSX workbook",
        id="broken-xlsx",
    ),
    pytest.param(
        "utf16.csv",
        "kind,depot,item,quantity\nreceipt,DA,TENT,1\n".encode("utf-16"),
        "utf16.csv: binary data is not a CSV file",
        id="utf-16",
    ),
    pytest.param(
        "columns.csv",
        b"kind,depot,item\nreceipt,DA,TENT\n",
        "columns.csv: missing column(s) quantity.",
        id="missing-column",
    ),
    pytest.param(
        "big.csv",
        a_file_of_exactly(MAX_BYTES + 1).encode(),
        f"The file is larger than {MAX_BYTES} bytes.",
        id="over-the-size-limit",
    ),
    pytest.param(
        "long.csv",
        ("kind,depot,item,lot,quantity\n" + "receipt,DA,TENT,T-1,1\n" * (MAX_ROWS + 1)).encode(),
        f"long.csv: {MAX_ROWS + 1} rows is more than the limit of {MAX_ROWS}.",
        id="over-the-row-limit",
    ),
]


@pytest.mark.parametrize(("name", "data", "message"), REFUSED_FILES)
def test_a_file_that_cannot_be_imported_is_refused_with_a_message_and_changes_nothing(
    web: TestClient,
    session: Session,
    d: Small,
    people: dict[str, str],
    name: str,
    data: bytes,
    message: str,
) -> None:
    receive(session, d.depot_a_id, d.tent_id, "T-1", 5)
    signed_in(web)
    before = snapshot(session)
    answer = upload(web, name, data)
    assert answer.status_code == 422, why(answer)
    page = answer.text.replace("&#39;", "'")
    assert 'role="alert"' in page
    assert message in page, page[page.find('role="alert"') :][:300]
    assert 'name="file"' in page  # the form is there to send a better file
    assert snapshot(session) == before


def test_a_file_of_exactly_the_size_limit_is_recorded(
    web: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    signed_in(web)
    text = a_file_of_exactly(MAX_BYTES)
    answer = upload(web, "full.csv", text)
    assert answer.status_code == 303, why(answer)
    assert balances(session, d.depot_a_id) == {(d.tent_id, "T-1"): rows_in(text)}


def test_a_depot_manager_cannot_import_into_a_depot_not_theirs(
    web: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    receive(session, d.depot_b_id, d.tent_id, "T-B", 9)
    text = (
        "kind,depot,item,lot,expiry,quantity,to_depot\n"
        "receipt,DB,TENT,T-B,,5,\n"
        "issue,DB,TENT,T-B,,9,\n"
        "transfer,DB,TENT,T-B,,1,DA\n"
    )
    signed_in(web)  # runs depot A only
    before = snapshot(session)
    answer = upload(web, "theirs.csv", text)
    assert answer.status_code == 422
    rows = problem_rows(answer.text)
    assert [(line, column) for line, column, _ in rows] == [
        ("2", "depot"),
        ("3", "depot"),
        ("4", "depot"),
    ]
    assert {msg for _, _, msg in rows} == {"you may not change depot 'DB'"}
    assert snapshot(session) == before
    # The district's coordinator may.
    web.cookies.clear()
    signed_in(web, "coordinator")
    assert upload(web, "theirs.csv", text).status_code == 303
    assert balances(session, d.depot_b_id) == {(d.tent_id, "T-B"): 4}
    assert balances(session, d.depot_a_id) == {(d.tent_id, "T-B"): 1}


def test_an_upload_without_the_csrf_token_or_by_another_role_changes_nothing(
    web: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    files = {"file": ("monday.csv", GOOD_CSV.encode(), "text/csv")}
    sign_in(web, "depot_manager")
    before = snapshot(session)
    assert web.post(PAGE, files=files).status_code == 403
    assert web.post(PAGE, data={"csrf": "0" * 64}, files=files).status_code == 403
    web.cookies.clear()
    sign_in(web, "procurement")
    answer = web.post(PAGE, data={"csrf": csrf_of(web, "/web/audit")}, files=files)
    assert answer.status_code == 403
    assert snapshot(session) == before
