"""Distribution points and distributions through the API: a community worker hands out what
their point holds, and nothing more; another community's point is not theirs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session

from accounts import service as users
from inventory import schemas, service
from inventory.models import Distribution, Movement
from tests.inventory.factories import Small, small_district

PASSWORD = "correct horse battery staple"


@pytest.fixture
def d(session: Session) -> Small:
    return small_district(session)


def _point(client: TestClient, community_id: int, code: str = "C0-DP", **over: Any) -> int:
    body = {"code": code, "name_zh": "东湖社区居委会", "name_en": "Donghu committee"} | over
    answer = client.post(f"/communities/{community_id}/distribution-points", json=body)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def _stock(session: Session, depot_id: int, item_id: int, quantity: int) -> None:
    service.receive(
        session,
        schemas.ReceiptCreate(
            depot_id=depot_id, item_id=item_id, lot_number="T-1", quantity=quantity
        ),
        actor="seed",
    )


def _held(session: Session, depot_id: int, item_id: int) -> int:
    rows = service.list_balances(session, depot_ids=[depot_id], item_id=item_id)
    return sum(b.quantity for b in rows)


def _counts(session: Session) -> tuple[int, int]:
    return (
        session.execute(select(func.count()).select_from(Distribution)).scalar_one(),
        session.execute(select(func.count()).select_from(Movement)).scalar_one(),
    )


def test_a_point_is_registered_at_its_community_with_its_person_in_charge(
    client: TestClient, d: Small
) -> None:
    point = _point(
        client, d.community_ids[0], contact_name="王芳", contact_phone="+86 138 0000 1111"
    )
    depot = client.get(f"/depots/{point}").json()
    assert depot["kind"] == "distribution_point"
    assert depot["community_id"] == d.community_ids[0]
    assert depot["contact_name"] == "王芳"
    community = client.get(f"/communities?district_id={d.district_id}").json()[0]
    assert (depot["latitude"], depot["longitude"]) == (
        community["latitude"],
        community["longitude"],
    )
    listed = client.get(f"/districts/{d.district_id}/receiving-depots").json()
    assert point in {x["id"] for x in listed}


def test_handing_out_takes_the_stock_off_the_points_books(
    client: TestClient, session: Session, d: Small
) -> None:
    point = _point(client, d.community_ids[0])
    _stock(session, point, d.tent_id, 40)
    body = {
        "depot_id": point,
        "item_id": d.tent_id,
        "quantity": 15,
        "served_group": "elderly",
        "households": 6,
        "persons": 15,
    }
    answer = client.post("/distributions", json=body)
    assert answer.status_code == 201, answer.text
    made = answer.json()
    assert made["served_group"] == "elderly"
    assert _held(session, point, d.tent_id) == 25
    movements = service.list_movements(session, depot_id=point)
    issued = [m for m in movements if m.action_id == made["action_id"]]
    assert [(m.kind, m.quantity) for m in issued] == [("issue", -15)]
    listed = client.get(f"/distributions?depot_id={point}").json()
    assert [x["id"] for x in listed] == [made["id"]]
    assert "name" not in " ".join(listed[0])  # residents are counted, never named


BAD: list[Any] = [
    pytest.param({"quantity": 41}, 409, id="more-than-held"),
    pytest.param({"quantity": 0}, 422, id="zero"),
    pytest.param({"quantity": -3}, 422, id="negative"),
    pytest.param({"quantity": 10**18}, 422, id="huge"),
    pytest.param({"quantity": "5"}, 422, id="text-quantity"),
    pytest.param({"persons": 0}, 422, id="no-person"),
    pytest.param({"households": -1}, 422, id="negative-households"),
    pytest.param({"served_group": "everyone"}, 422, id="unknown-group"),
    pytest.param({"item_id": 999_999}, 404, id="unknown-item"),
    pytest.param({"depot_id": 999_999}, 404, id="unknown-depot"),
    pytest.param({"lot_number": "NOPE"}, 422, id="unknown-lot"),
    pytest.param({"surprise": 1}, 422, id="unknown-field"),
]


@pytest.mark.parametrize(("change", "status"), BAD)
def test_bad_distributions_are_refused_and_change_nothing(
    client: TestClient, session: Session, d: Small, change: dict[str, Any], status: int
) -> None:
    point = _point(client, d.community_ids[0])
    _stock(session, point, d.tent_id, 40)
    before = _counts(session)
    body = {"depot_id": point, "item_id": d.tent_id, "quantity": 5, "persons": 5} | change
    answer = client.post("/distributions", json=body)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert _counts(session) == before
    assert _held(session, point, d.tent_id) == 40


def test_supplies_are_handed_out_only_at_a_receiving_depot(
    client: TestClient, session: Session, d: Small
) -> None:
    _stock(session, d.warehouse_id, d.tent_id, 10)
    answer = client.post(
        "/distributions",
        json={"depot_id": d.warehouse_id, "item_id": d.tent_id, "quantity": 1, "persons": 1},
    )
    assert answer.status_code == 409
    assert "distribution point" in answer.json()["detail"]
    assert _held(session, d.warehouse_id, d.tent_id) == 10


def test_a_retry_with_the_same_key_hands_out_once(
    client: TestClient, session: Session, d: Small
) -> None:
    point = _point(client, d.community_ids[0])
    _stock(session, point, d.tent_id, 10)
    body = {"depot_id": point, "item_id": d.tent_id, "quantity": 4, "persons": 4}
    first = client.post("/distributions", json=body, headers={"Idempotency-Key": "hand-1"})
    again = client.post("/distributions", json=body, headers={"Idempotency-Key": "hand-1"})
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    assert _held(session, point, d.tent_id) == 6


def test_a_community_worker_acts_at_their_communitys_points_only(
    client: TestClient, anonymous_client: TestClient, session: Session, d: Small
) -> None:
    mine = _point(client, d.community_ids[0], code="C0-DP")
    theirs = _point(client, d.community_ids[1], code="C1-DP")
    for point in (mine, theirs):
        _stock(session, point, d.tent_id, 10)
    users.create_user(
        session,
        username="wang.fang",
        password=PASSWORD,
        role="community_worker",
        community_id=d.community_ids[0],
    )
    token = anonymous_client.post(
        "/auth/token", data={"username": "wang.fang", "password": PASSWORD}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    me = anonymous_client.get("/auth/me", headers=headers).json()
    assert me["community_id"] == d.community_ids[0]
    assert set(me["depot_ids"]) == {mine, d.depot_a_id}  # the community depot and its point

    def hand_out(point: int) -> int:
        body = {"depot_id": point, "item_id": d.tent_id, "quantity": 2, "persons": 2}
        answer: httpx.Response = anonymous_client.post("/distributions", json=body, headers=headers)
        return answer.status_code

    assert hand_out(mine) == 201
    assert hand_out(theirs) == 403
    assert hand_out(d.depot_b_id) == 403  # the other community's depot
    assert (
        anonymous_client.get(f"/distributions?depot_id={theirs}", headers=headers).status_code
        == 403
    )
    assert _held(session, theirs, d.tent_id) == 10
    receipt = {"depot_id": theirs, "item_id": d.tent_id, "lot_number": "X", "quantity": 1}
    assert (
        anonymous_client.post("/movements/receipts", json=receipt, headers=headers).status_code
        == 403
    )


def test_a_community_worker_needs_a_community_and_only_they_have_one(
    session: Session, d: Small
) -> None:
    from core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        users.create_user(session, username="w1", password=PASSWORD, role="community_worker")
    with pytest.raises(InvalidInput):
        users.create_user(
            session,
            username="w2",
            password=PASSWORD,
            role="coordinator",
            district_id=d.district_id,
            community_id=d.community_ids[0],
        )
