"""Concurrent writers against one depot × item, through the served API, on both databases."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import Engine
from sqlmodel import Session

from accounts import service as users
from core.db import session_scope
from core.settings import Settings
from inventory import schemas, service
from tests.inventory.factories import small_district
from tests.serve import served


def test_fifty_clients_end_with_the_sum_of_accepted_movements(
    fresh_engine: Engine, settings: Settings
) -> None:
    with session_scope(fresh_engine) as session:
        d = small_district(session)
        headers = bearer(session, depot_ids=[d.depot_a_id])
    rng = random.Random(7)
    plan = [("receipt" if rng.random() < 0.45 else "issue", rng.randint(1, 20)) for _ in range(50)]

    def one(job: tuple[int, tuple[str, int]]) -> tuple[str, int, int]:
        n, (kind, qty) = job
        with httpx.Client(base_url=base, timeout=60, headers=headers) as http:
            if kind == "receipt":
                body = {
                    "depot_id": d.depot_a_id,
                    "item_id": d.tent_id,
                    "lot_number": f"T-{n % 3}",
                    "quantity": qty,
                }
                answer = http.post(
                    "/movements/receipts", json=body, headers={"Idempotency-Key": f"c-{n}"}
                )
            else:
                body = {"depot_id": d.depot_a_id, "item_id": d.tent_id, "quantity": qty}
                answer = http.post(
                    "/movements/issues", json=body, headers={"Idempotency-Key": f"c-{n}"}
                )
            return kind, qty, answer.status_code

    with served(fresh_engine, settings) as base, ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(one, enumerate(plan)))

    assert {status for _, _, status in results} <= {201, 409}, results
    accepted = sum(
        qty if kind == "receipt" else -qty for kind, qty, status in results if status == 201
    )
    assert any(status == 201 for kind, _, status in results if kind == "issue")
    with session_scope(fresh_engine) as session:
        balances = service.list_balances(
            session, depot_ids=[d.depot_a_id], item_id=d.tent_id, include_empty=True
        )
        assert all(b.quantity >= 0 for b in balances)
        assert sum(b.quantity for b in balances) == accepted
        assert service.journal_discrepancies(session) == []
        journal = service.list_movements(session, depot_id=d.depot_a_id, limit=1000)
        assert len({m.action_id for m in journal}) == sum(
            1 for *_, status in results if status == 201
        )


def test_concurrent_transfers_in_opposite_directions_do_not_deadlock_or_lose_stock(
    fresh_engine: Engine, settings: Settings
) -> None:
    with session_scope(fresh_engine) as session:
        d = small_district(session)
        for depot in (d.depot_a_id, d.depot_b_id):
            service.receive(
                session,
                schemas.ReceiptCreate(
                    depot_id=depot, item_id=d.tent_id, lot_number=f"T{depot}", quantity=100
                ),
                actor="test",
            )
        headers = bearer(session, depot_ids=[d.depot_a_id, d.depot_b_id])

    def move(n: int) -> int:
        a, b = (d.depot_a_id, d.depot_b_id) if n % 2 else (d.depot_b_id, d.depot_a_id)
        with httpx.Client(base_url=base, timeout=60, headers=headers) as http:
            return http.post(
                "/movements/transfers",
                json={"from_depot_id": a, "to_depot_id": b, "item_id": d.tent_id, "quantity": 7},
            ).status_code

    with served(fresh_engine, settings) as base, ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(move, range(40)))
    assert set(statuses) <= {201, 409}
    with session_scope(fresh_engine) as session:
        total = sum(b.quantity for b in service.list_balances(session, item_id=d.tent_id))
        assert total == 200
        assert service.journal_discrepancies(session) == []


def bearer(session: Session, depot_ids: list[int]) -> dict[str, str]:
    """An API token of a depot manager of these depots."""
    user = users.create_user(
        session,
        username="scale",
        password="a long enough pass",
        role="depot_manager",
        depot_ids=depot_ids,
    )
    _, token = users.create_api_token(session, user, name="depot scale")
    return {"Authorization": f"Bearer {token}"}
