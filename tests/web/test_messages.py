"""The services' messages with values reach Chinese pages in Chinese; the API keeps English."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.web.messages import FIXED, PATTERNS, placeholders, translate_message
from core.errors import DomainError
from inventory import schemas
from inventory import service as inventory
from ledger.keys import LogSigner
from tests.inventory.factories import Small
from tests.web.conftest import csrf_of, post, sign_in
from tests.web.flows import snapshot

ROOT = Path(__file__).resolve().parents[2]

#: The service modules whose messages reach a page (depot forms, upload, counts, receipts,
#: plans and routes, suppliers' decisions and spot checks, alerts).
PAGE_MODULES = (
    "inventory/counts.py",
    "inventory/distributions.py",
    "inventory/imports.py",
    "inventory/planner.py",
    "inventory/movements.py",
    "inventory/registry.py",
    "inventory/rules.py",
    "inventory/spreadsheet.py",
    "inventory/stock.py",
    "inventory/transit.py",
    "optimizer/allocation/reasons.py",
    "alerts/service.py",
    "dispatch/manifests.py",
    "dispatch/orders.py",
    "dispatch/planning.py",
    "dispatch/receipts.py",
    "dispatch/routes.py",
    "plans/forecasts.py",
    "plans/plans.py",
    "plans/problem.py",
    "suppliers/agreements.py",
    "suppliers/qualification.py",
)
#: Messages put together from pieces (a pattern per whole sentence covers them; the page
#: tests below check them as the service writes them).
COMPOSED = {
    "Cannot take {}{}: {} holds only {}.",  # " of ITEM" and "usable stock" / "lot L"
    "{}: {}",  # a column and its problem, joined for the API
    "{}{}",
}
ERRORS = {"InvalidInput", "Conflict", "NotFound", "InsufficientStock", "NotPermitted"}


def test_every_pattern_has_the_same_placeholders_in_chinese() -> None:
    for english, chinese in PATTERNS:
        names = placeholders(english)
        assert names, english
        assert len(set(names)) == len(names), english
        assert sorted(names) == sorted(placeholders(chinese)), english


def test_an_unknown_message_falls_back_to_english_unchanged() -> None:
    assert translate_message("a sentence nobody wrote {x}", "zh-CN") == (
        "a sentence nobody wrote {x}"
    )
    assert translate_message("Cannot take 5", "zh-CN") == "Cannot take 5"
    text = "Cannot take 5 of WATER: usable stock holds only 3."
    assert translate_message(text, "en") == text
    assert translate_message(text, "zh-CN") == "无法取出 WATER 5：可用库存只有 3。"


def _template(node: ast.expr) -> str | None:
    """A literal or f-string as a template with `{}` for each value; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(str(v.value) if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def _messages(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """The messages a module raises or reports: errors' details, FieldProblem messages,
    spreadsheet rows' `bad(...)`, `(index, message)` problems and allocation Reasons."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        args: list[ast.expr] = []
        if name in ERRORS and node.args:
            args = [node.args[0]]
        elif (name == "FieldProblem" and len(node.args) > 1) or (
            name in ("bad", "Reason") and len(node.args) > 1
        ):
            args = [node.args[1]]
        elif name == "append" and node.args and isinstance(node.args[0], ast.Tuple):
            args = node.args[0].elts[1:2]
        for arg in args:
            text = _template(arg)
            if text is not None:
                yield node.lineno, text


def _sample(template: str) -> str:
    return template.replace("{}", "7")


def test_every_message_that_reaches_a_page_has_a_chinese_pattern() -> None:
    missing = []
    seen = 0
    for module in PAGE_MODULES:
        tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
        for line, text in _messages(tree):
            seen += 1
            if text in COMPOSED or text in FIXED:
                continue
            if translate_message(_sample(text), "zh-CN") == _sample(text):
                missing.append(f"{module}:{line}: {text}")
    assert seen > 100, "the scan found too few messages to be trusted"
    assert missing == []


# --- pages: a real service error, then the same action on the page ----------------------


def _refusal(session: Session, action: Callable[[], Any]) -> DomainError:
    """What the service says to `action`, with everything it did rolled back."""
    with pytest.raises(DomainError) as caught, session.begin_nested():
        action()
    return caught.value


def _chinese(english: str) -> str:
    chinese = translate_message(english, "zh-CN")
    assert chinese != english, f"no Chinese for {english!r}"
    return chinese


def test_an_issue_beyond_the_stock_is_refused_in_chinese_and_changes_nothing(
    web: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    inventory.receive(
        session,
        schemas.ReceiptCreate(
            depot_id=d.depot_a_id, item_id=d.tent_id, lot_number="T-1", quantity=3
        ),
        actor="test",
    )
    refused = _refusal(
        session,
        lambda: inventory.issue(
            session,
            schemas.IssueCreate(depot_id=d.depot_a_id, item_id=d.tent_id, quantity=50),
            actor="test",
        ),
    )
    assert refused.detail.startswith("Cannot take 50")
    before = snapshot(session)
    sign_in(web, "depot_manager")
    answer = post(
        web,
        f"/web/depot/{d.depot_a_id}/move/issue",
        {"item_id": str(d.tent_id), "quantity": "50"},
        "/web/depot",
    )
    assert answer.status_code == 409, answer.text[:300]
    assert _chinese(refused.detail) in answer.text
    assert refused.detail not in answer.text
    assert snapshot(session) == before


def test_a_receipt_of_a_known_lot_with_another_expiry_is_refused_in_chinese(
    web: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    def receive(expiry: str) -> Any:
        return inventory.receive(
            session,
            schemas.ReceiptCreate.model_validate(
                {
                    "depot_id": d.depot_a_id,
                    "item_id": d.water_id,
                    "lot_number": "W-9",
                    "expiry_date": expiry,
                    "quantity": 5,
                }
            ),
            actor="test",
        )

    receive("2030-01-01")
    refused = _refusal(session, lambda: receive("2031-06-30"))
    before = snapshot(session)
    sign_in(web, "depot_manager")
    answer = post(
        web,
        f"/web/depot/{d.depot_a_id}/move/receipt",
        {
            "item_id": str(d.water_id),
            "quantity": "5",
            "lot_number": "W-9",
            "expiry_date": "2031-06-30",
        },
        "/web/depot",
    )
    assert answer.status_code == 409, answer.text[:300]
    assert _chinese(refused.detail) in answer.text
    assert snapshot(session) == before


#: Sheets refused row by row: cells that do not parse, then codes that are not known.
BAD_SHEETS = (
    (
        b"kind,depot,item,quantity,lot,expiry\n"
        b"receipt,DA,TENT,1.5,T-1,\n"
        b"issue,DA,TENT,-3,,\n"
        b"receipt,DA,WATER,5,W-1,31/12/2030\n"
    ),
    (
        b"kind,depot,item,quantity,lot,expiry\n"
        b"receipt,DA,NOPE,4,T-2,\n"
        b"receipt,ZZ,TENT,4,T-3,\n"
        b"receipt,DA,WATER,5,W-1,\n"
    ),
)


@pytest.mark.parametrize("sheet", BAD_SHEETS, ids=["cells", "codes"])
def test_bad_rows_of_an_upload_are_listed_in_chinese_and_nothing_is_recorded(
    web: TestClient, session: Session, d: Small, people: dict[str, str], sheet: bytes
) -> None:
    refused = _refusal(
        session,
        lambda: inventory.import_movements(
            session,
            sheet,
            "sheet.csv",
            actor="test",
            max_rows=100,
            signer=LogSigner.generate("test.example/log"),
        ),
    )
    assert len(refused.problems) >= 2
    before = snapshot(session)
    sign_in(web, "depot_manager")
    answer = web.post(
        "/web/depot/upload",
        data={"csrf": csrf_of(web, "/web/depot/upload")},
        files={"file": ("sheet.csv", sheet, "text/csv")},
    )
    assert answer.status_code == 422, answer.text[:300]
    page = answer.text.replace("&#34;", '"').replace("&#39;", "'")
    assert _chinese(refused.detail) in page
    for problem in refused.problems:
        assert _chinese(problem.msg) in page, problem.msg
        assert problem.msg not in page
    assert snapshot(session) == before
