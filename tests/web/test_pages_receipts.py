"""Depot manager receipt pages: the dispatches coming to my depots and confirming one line by
line; receipts that do not add up, repeated, or for another depot change nothing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from core.settings import Settings
from dispatch.models import Manifest, ManifestLine
from ledger.models import LedgerEntry
from tests.inventory.factories import Small
from tests.plans.helpers import district_with_history
from tests.web.conftest import csrf_of, sign_in
from tests.web.flows import balance, dispatched, fast_settings, lines_to, snapshot

ONCE = re.compile(r'name="once" value="([^"]+)"')


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return fast_settings(tmp_path)


@pytest.fixture
def d(session: Session) -> Small:
    return district_with_history(session)


@pytest.fixture
def sent(session: Session, d: Small, settings: Settings) -> list[Manifest]:
    return dispatched(session, d, settings)


def to_depot(session: Session, sent: list[Manifest], depot_id: int) -> Manifest:
    """A manifest with at least two lines for `depot_id`."""
    return next(m for m in sent if len(lines_to(session, m, depot_id)) >= 2)


def form_for(web: TestClient, manifest_id: int, depot_id: int) -> dict[str, str]:
    page = f"/web/receipts/{manifest_id}/{depot_id}"
    text = web.get(page).text
    found = ONCE.search(text)
    assert found, text[:500]
    return {"csrf": csrf_of(web, page), "once": found.group(1)}


def all_received(lines: list[ManifestLine]) -> dict[str, str]:
    return {f"outcome-{x.id}": "received" for x in lines}


def test_the_incoming_page_lists_only_my_depots_dispatches(
    web: TestClient, session: Session, d: Small, people: dict[str, str], sent: list[Manifest]
) -> None:
    sign_in(web, "depot_manager")  # runs depot A
    page = web.get("/web/receipts")
    assert page.status_code == 200
    for m in sent:
        mine = lines_to(session, m, d.depot_a_id)
        theirs = lines_to(session, m, d.depot_b_id)
        link_a = f'href="/web/receipts/{m.id}/{d.depot_a_id}"'
        assert (link_a in page.text) == bool(mine)
        if theirs:
            assert f'href="/web/receipts/{m.id}/{d.depot_b_id}"' not in page.text
    assert any(lines_to(session, m, d.depot_a_id) for m in sent)


def test_confirming_a_receipt_moves_stock_from_transit_and_writes_off_the_rest(
    web: TestClient, session: Session, d: Small, people: dict[str, str], sent: list[Manifest]
) -> None:
    m = to_depot(session, sent, d.depot_a_id)
    short, damaged, *rest = lines_to(session, m, d.depot_a_id)
    in_transit = balance(session, m.transit_depot_id)
    at_a = balance(session, d.depot_a_id)
    entries = len(session.execute(select(LedgerEntry)).scalars().all())
    sign_in(web, "depot_manager")
    form = form_for(web, m.id or 0, d.depot_a_id)
    answer = web.post(
        f"/web/receipts/{m.id}/{d.depot_a_id}",
        data={
            **form,
            **all_received(rest),
            f"outcome-{short.id}": "short",
            f"quantity-{short.id}": str(short.quantity - 3),
            f"note-{short.id}": "three cartons missing",
            f"outcome-{damaged.id}": "damaged",
            f"quantity-{damaged.id}": "0",
            f"note-{damaged.id}": "soaked in the flood",
        },
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"/web/receipts?done={m.id}"
    session.expire_all()
    got = {x.id: x for x in lines_to(session, m, d.depot_a_id)}
    assert (got[short.id].outcome, got[short.id].received_quantity) == (
        "short",
        short.quantity - 3,
    )
    assert got[short.id].note == "three cartons missing"
    assert (got[damaged.id].outcome, got[damaged.id].received_quantity) == ("damaged", 0)
    assert {got[x.id].outcome for x in rest} <= {"received"}
    assert {x.received_by for x in got.values()} == {"depot_manager"}
    total = sum(x.quantity for x in got.values())
    usable = total - 3 - damaged.quantity
    assert balance(session, d.depot_a_id) == at_a + usable
    assert balance(session, m.transit_depot_id) == in_transit - total
    kinds = [e.kind for e in session.execute(select(LedgerEntry)).scalars().all()[entries:]]
    assert kinds == ["dispatch.received"]
    listing = web.get(f"/web/receipts?done={m.id}").text
    assert f'href="/web/receipts/{m.id}/{d.depot_a_id}"' in listing  # now under received
    assert "已确认收货" in listing
    shown = web.get(f"/web/receipts/{m.id}/{d.depot_a_id}").text
    assert "soaked in the flood" in shown
    assert '<form method="post" action="/web/receipts/' not in shown


def bad_forms(short: ManifestLine, other: ManifestLine) -> list[tuple[dict[str, str], str, str]]:
    """(form, field with the error, message) for receipts that do not add up."""
    ok = {f"outcome-{other.id}": "received"}
    s = short.id
    return [
        ({}, f"outcome-{s}", "请选择全部收到、短少或破损"),
        ({**ok, f"outcome-{s}": "lost"}, f"outcome-{s}", "请选择全部收到、短少或破损"),
        ({**ok, f"outcome-{s}": "short", f"note-{s}": "x"}, f"quantity-{s}", "请填写实际可用数量"),
        ({**ok, f"outcome-{s}": "short", f"quantity-{s}": "2"}, f"note-{s}", "请说明原因"),
        (
            {**ok, f"outcome-{s}": "short", f"quantity-{s}": "two", f"note-{s}": "x"},
            f"quantity-{s}",
            "请输入 0 或更大的整数",
        ),
        (
            {**ok, f"outcome-{s}": "short", f"quantity-{s}": str(short.quantity), f"note-{s}": "x"},
            f"quantity-{s}",
            f"必须少于发出的 {short.quantity}",
        ),
        (
            {**ok, f"outcome-{s}": "received", f"quantity-{s}": str(short.quantity + 1)},
            f"quantity-{s}",
            f"全部收到应为 {short.quantity}",
        ),
    ]


def test_receipts_that_do_not_add_up_are_refused_next_to_their_line_and_change_nothing(
    web: TestClient, session: Session, d: Small, people: dict[str, str], sent: list[Manifest]
) -> None:
    m = to_depot(session, sent, d.depot_a_id)
    lines = lines_to(session, m, d.depot_a_id)
    short, other = lines[0], lines[1]
    rest = all_received(lines[2:])
    sign_in(web, "depot_manager")
    before = snapshot(session)
    for data, field, message in bad_forms(short, other):
        form = form_for(web, m.id or 0, d.depot_a_id)
        answer = web.post(f"/web/receipts/{m.id}/{d.depot_a_id}", data={**form, **rest, **data})
        assert answer.status_code == 422, (data, answer.text[:300])
        assert f'id="e-{field}"' in answer.text, (data, field)
        assert message in answer.text, (data, message)
        assert 'role="alert"' in answer.text
        assert snapshot(session) == before


def test_a_receipt_already_made_is_refused_and_a_double_submit_changes_nothing(
    web: TestClient, session: Session, d: Small, people: dict[str, str], sent: list[Manifest]
) -> None:
    m = to_depot(session, sent, d.depot_a_id)
    lines = lines_to(session, m, d.depot_a_id)
    sign_in(web, "depot_manager")
    form = {**form_for(web, m.id or 0, d.depot_a_id), **all_received(lines)}
    path = f"/web/receipts/{m.id}/{d.depot_a_id}"
    assert web.post(path, data=form).status_code == 303
    after = snapshot(session)
    again = web.post(path, data=form)  # the same form sent twice
    assert again.status_code == 303
    assert snapshot(session) == after
    other: dict[str, Any] = {**form, "once": "another-form"}
    refused = web.post(path, data=other)
    assert refused.status_code == 409
    assert "已在本仓库收货" in refused.text
    assert snapshot(session) == after


def test_another_depots_dispatch_cannot_be_opened_or_confirmed(
    web: TestClient, session: Session, d: Small, people: dict[str, str], sent: list[Manifest]
) -> None:
    m = to_depot(session, sent, d.depot_b_id)
    lines = lines_to(session, m, d.depot_b_id)
    sign_in(web, "depot_manager")  # runs depot A only
    path = f"/web/receipts/{m.id}/{d.depot_b_id}"
    assert web.get(path).status_code == 403
    before = snapshot(session)
    data = {"csrf": csrf_of(web, "/web/receipts"), **all_received(lines)}
    answer = web.post(path, data=data)
    assert answer.status_code == 403
    assert snapshot(session) == before
    nothing_here = next((x for x in sent if not lines_to(session, x, d.depot_a_id)), None)
    if nothing_here is not None:
        assert web.get(f"/web/receipts/{nothing_here.id}/{d.depot_a_id}").status_code == 404


@pytest.mark.parametrize("role", ["procurement", "auditor"])
def test_roles_without_stock_rights_may_not_confirm(
    web: TestClient,
    session: Session,
    d: Small,
    people: dict[str, str],
    sent: list[Manifest],
    role: str,
) -> None:
    m = to_depot(session, sent, d.depot_a_id)
    lines = lines_to(session, m, d.depot_a_id)
    sign_in(web, role)
    assert web.get("/web/receipts").status_code == 403
    before = snapshot(session)
    data = {"csrf": csrf_of(web, "/web/audit"), **all_received(lines)}
    assert web.post(f"/web/receipts/{m.id}/{d.depot_a_id}", data=data).status_code == 403
    assert snapshot(session) == before
    outcomes = session.execute(
        select(col(ManifestLine.outcome)).where(col(ManifestLine.manifest_id) == m.id)
    ).scalars()
    assert set(outcomes) == {None}
