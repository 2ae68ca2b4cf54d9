"""Procurement pages: recording a qualification decision and an agreement reserve's spot
check, each signed into the ledger; bad forms and refused changes change nothing."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session

from ledger import service as ledger
from ledger.models import LedgerEntry
from suppliers import service as suppliers
from suppliers.models import QualificationDecision, SpotCheck
from tests.inventory.factories import Small
from tests.web.conftest import csrf_of, sign_in
from tests.web.flows import supplier_with_reserve

ONCE = re.compile(r'name="once" value="([^"]+)"')


def rows(session: Session) -> tuple[int, int, int]:
    session.expire_all()
    return tuple(  # type: ignore[return-value]
        int(session.execute(select(func.count()).select_from(m)).scalar_one())
        for m in (QualificationDecision, SpotCheck, LedgerEntry)
    )


def form_of(web: TestClient, supplier_id: int) -> dict[str, str]:
    page = f"/web/suppliers/{supplier_id}"
    found = ONCE.search(web.get(page).text)
    assert found
    return {"csrf": csrf_of(web, page), "once": found.group(1)}


def test_the_supplier_page_shows_its_reserve_with_a_spot_check_form(
    web: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    supplier_id, contract_id = supplier_with_reserve(session, d)
    sign_in(web, "procurement")
    page = web.get(f"/web/suppliers/{supplier_id}")
    assert page.status_code == 200
    assert "AG-1" in page.text
    assert (
        f'action="/web/suppliers/{supplier_id}/agreements/{contract_id}/spot-checks"' in page.text
    )
    assert "还没有抽查" in page.text


def test_a_spot_check_through_the_page_is_recorded_and_signed_once(
    web: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    supplier_id, contract_id = supplier_with_reserve(session, d)
    sign_in(web, "procurement")
    decisions, checks, entries = rows(session)
    form = {**form_of(web, supplier_id), "found": "4200", "note": "warehouse 3, counted pallets"}
    path = f"/web/suppliers/{supplier_id}/agreements/{contract_id}/spot-checks"
    answer = web.post(path, data=form)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == (
        f"/web/suppliers/{supplier_id}?done=spot-check#contract-{contract_id}"
    )
    [check] = suppliers.list_spot_checks(session, contract_id)
    assert (check.found, check.expected, check.checked_by) == (4200, 5000, "procurement")
    assert check.note == "warehouse 3, counted pallets"
    assert rows(session) == (decisions, checks + 1, entries + 1)
    entry = ledger.get_entry(session, check.ledger_seq)
    assert entry.kind == "reserve.spot_check"
    assert entry.payload["found"] == 4200
    assert web.post(path, data=form).status_code == 303  # sent twice: recorded once
    assert rows(session) == (decisions, checks + 1, entries + 1)
    page = web.get(f"/web/suppliers/{supplier_id}").text
    assert "4,200" in page
    assert "warehouse 3, counted pallets" in page


@pytest.mark.parametrize(
    ("found", "message"),
    [("", "此项必填"), ("many", "请输入整数"), ("-5", "请输入 0 或更大的数")],
)
def test_a_bad_spot_check_shows_its_error_and_changes_nothing(
    web: TestClient,
    session: Session,
    d: Small,
    people: dict[str, str],
    found: str,
    message: str,
) -> None:
    supplier_id, contract_id = supplier_with_reserve(session, d)
    sign_in(web, "procurement")
    before = rows(session)
    path = f"/web/suppliers/{supplier_id}/agreements/{contract_id}/spot-checks"
    answer = web.post(path, data={**form_of(web, supplier_id), "found": found})
    assert answer.status_code == 422
    assert f'id="e-found-{contract_id}"' in answer.text
    assert message in answer.text
    assert rows(session) == before


def test_a_spot_check_of_another_suppliers_agreement_is_not_found(
    web: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    supplier_id, contract_id = supplier_with_reserve(session, d)
    sign_in(web, "procurement")
    before = rows(session)
    path = f"/web/suppliers/{supplier_id + 1000}/agreements/{contract_id}/spot-checks"
    answer = web.post(path, data={**form_of(web, supplier_id), "found": "1"})
    assert answer.status_code == 404
    assert rows(session) == before


def test_a_qualification_decision_through_the_page_and_a_refused_one(
    web: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    supplier_id, _ = supplier_with_reserve(session, d)
    sign_in(web, "procurement")
    decisions, checks, entries = rows(session)
    path = f"/web/suppliers/{supplier_id}/decisions"
    form = {**form_of(web, supplier_id), "to_status": "under_review", "reason": "documents in"}
    answer = web.post(path, data=form)
    assert answer.status_code == 303, answer.text
    session.expire_all()
    assert suppliers.get_supplier(session, supplier_id).status == "under_review"
    assert rows(session) == (decisions + 1, checks, entries + 1)
    # qualifying without the documents the rules require is refused and changes nothing
    form = {**form_of(web, supplier_id), "to_status": "qualified", "reason": "looks fine"}
    refused = web.post(path, data=form)
    assert refused.status_code == 409, refused.text
    assert "cannot be qualified" in refused.text
    session.expire_all()
    assert suppliers.get_supplier(session, supplier_id).status == "under_review"
    assert rows(session) == (decisions + 1, checks, entries + 1)


@pytest.mark.parametrize("role", ["depot_manager", "coordinator", "auditor"])
def test_other_roles_may_not_record_spot_checks(
    web: TestClient, session: Session, d: Small, people: dict[str, str], role: str
) -> None:
    supplier_id, contract_id = supplier_with_reserve(session, d)
    sign_in(web, role)
    before = rows(session)
    path = f"/web/suppliers/{supplier_id}/agreements/{contract_id}/spot-checks"
    answer = web.post(path, data={"csrf": csrf_of(web, "/web/audit"), "found": "1"})
    assert answer.status_code == 403
    assert rows(session) == before
