"""The hand-out form (发放登记) and the supplier delivery pages, through the web client."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session

from accounts import service as users
from core.clock import utcnow
from core.settings import Settings
from dispatch import service as dispatch
from dispatch.models import DeliveryOrder
from inventory import schemas
from inventory import service as inventory
from ledger import keys
from tests.inventory.factories import Small
from tests.web.conftest import PASSWORD, csrf_of, sign_in
from tests.web.flows import draft_plan, qualified_reserve, snapshot


def _form(web: TestClient, path: str) -> dict[str, str]:
    page = web.get(path).text
    fields = dict(re.findall(r'name="(csrf|once)" value="([^"]+)"', page))
    if not fields:
        fields = {"csrf": csrf_of(web, path)}
    return fields


def test_a_depot_manager_hands_out_on_the_page_and_a_bad_count_is_shown(
    web: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    inventory.receive(
        session,
        schemas.ReceiptCreate(depot_id=d.depot_a_id, item_id=d.tent_id, lot_number="T", quantity=9),
        actor="seed",
    )
    sign_in(web, "depot_manager")
    path = f"/web/depot/{d.depot_a_id}/move?kind=distribution"
    page = web.get(path)
    assert page.status_code == 200
    assert 'name="persons"' in page.text
    form = _form(web, path)
    body = {**form, "item_id": str(d.tent_id), "quantity": "4", "served_group": "elderly"}
    refused = web.post(f"/web/depot/{d.depot_a_id}/move/distribution", data=body)
    assert refused.status_code == 422
    done = web.post(
        f"/web/depot/{d.depot_a_id}/move/distribution",
        data={**body, "persons": "4", "households": "2"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    [given] = inventory.list_distributions(session, depot_ids=[d.depot_a_id])
    assert (given.quantity, given.persons) == (4, 4)


def _with_orders(session: Session, settings: Settings) -> tuple[Small, list[DeliveryOrder]]:
    from tests.plans.helpers import district_with_history

    d = district_with_history(session)
    qualified_reserve(session, d, settings)
    plan_id = draft_plan(session, d)
    signer = keys.load_or_create(settings.resolved_ledger_key_file, settings.ledger_origin)
    dispatch.approve_plan(session, plan_id, signer, actor="seed", now=utcnow())
    return d, dispatch.list_orders(session, plan_id=plan_id)


def test_a_supplier_delivery_is_confirmed_on_the_page_once_and_refusals_are_shown(
    web: TestClient, session: Session, settings: Settings
) -> None:
    d, orders = _with_orders(session, settings)
    order = orders[0]
    users.create_user(
        session,
        username="worker",
        password=PASSWORD,
        role="community_worker",
        community_id=order.community_id,
    )
    other = next(c for c in d.community_ids if c != order.community_id)
    users.create_user(
        session,
        username="neighbour",
        password=PASSWORD,
        role="community_worker",
        community_id=other,
    )
    sign_in(web, "neighbour")
    assert web.get(f"/web/deliveries/{order.id}").status_code == 403
    assert f"/web/deliveries/{order.id}" not in web.get("/web/deliveries").text
    web.cookies.clear()
    sign_in(web, "worker")
    listed = web.get("/web/deliveries").text
    assert f"/web/deliveries/{order.id}" in listed
    path = f"/web/deliveries/{order.id}"
    form = _form(web, path)
    before = snapshot(session)
    too_many = web.post(
        path,
        data={**form, "accepted_quantity": str(order.quantity + 1), "lot_number": "AG-P-1"},
    )
    assert too_many.status_code == 422
    assert "不能按它验收和拒收" in too_many.text  # in Chinese, with nothing recorded
    no_lot = web.post(path, data={**form, "accepted_quantity": "5"})
    assert no_lot.status_code == 422
    assert "请填写验收入库物资的批次号" in no_lot.text
    assert snapshot(session) == before
    body = {**form, "accepted_quantity": str(order.quantity), "lot_number": "AG-P-1"}
    item = inventory.get_item(session, order.item_id)
    if item.shelf_life_days:
        body["expiry_date"] = "2031-01-01"
    done = web.post(path, data=body)
    assert done.status_code == 303, done.text
    again = web.post(path, data=body)  # the same form sent again: the first answer
    assert again.status_code == 303
    session.expire_all()
    assert dispatch.get_order(session, order.id or 0).accepted_quantity == order.quantity
    assert "已确认到货" in web.get(path).text


def test_a_coordinator_registers_a_distribution_point_on_the_district_page(
    web: TestClient, session: Session, d: Small, people: dict[str, str]
) -> None:
    sign_in(web, "coordinator")
    page = web.get("/web/district")
    assert page.status_code == 200
    assert "登记发放点" in page.text
    form = _form(web, "/web/district")
    body = {
        **form,
        "community_id": str(d.community_ids[1]),
        "code": "C1-SCHOOL",
        "name_zh": "西岭小学",
        "name_en": "Xiling school",
        "contact_name": "李强",
        "contact_phone": "+86 139 0000 2222",
    }
    bad = web.post("/web/district/points", data={**body, "contact_phone": "call me"})
    assert bad.status_code == 422
    assert not [x for x in inventory.list_points(session, d.district_id) if x.code == "C1-SCHOOL"]
    done = web.post("/web/district/points", data=body)
    assert done.status_code == 303, done.text
    [point] = [x for x in inventory.list_points(session, d.district_id) if x.code == "C1-SCHOOL"]
    assert (point.kind, point.community_id, point.contact_name) == (
        "distribution_point",
        d.community_ids[1],
        "李强",
    )
    assert "西岭小学" in web.get("/web/district").text


def test_the_district_page_shows_the_balance_of_the_approved_plan(
    web: TestClient, session: Session, settings: Settings
) -> None:
    d, orders = _with_orders(session, settings)
    users.create_user(
        session,
        username="coord",
        password=PASSWORD,
        role="coordinator",
        district_id=d.district_id,
    )
    sign_in(web, "coord")
    page = web.get("/web/district").text
    assert "每一件已分配的物资都有去向" in page
    ordered = sum(o.quantity for o in orders)
    assert f"协议供应商直送 {ordered:,}" in page
