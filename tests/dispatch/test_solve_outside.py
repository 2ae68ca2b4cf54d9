"""Routes are solved with no transaction open, through the served API on both databases.

The solver is made slow (it waits for the test to release it), so the test can act while a
solve runs: a depot's receipt goes through meanwhile, a plan changed meanwhile refuses the
store, and an Idempotency-Key replay or duplicate never solves or stores twice.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from core.clock import utcnow
from core.db import session_scope
from core.settings import Settings
from dispatch import planning, routes
from dispatch import service as dispatch
from dispatch.models import RoutePlan
from dispatch.schemas import VehicleCreate, VehicleUpdate
from inventory import service as inventory
from inventory.models import Movement
from plans import service as plans
from plans.models import AllocationLine, AllocationPlanRow
from plans.schemas import PlanCreate
from tests.held import Held, bearer, http, post
from tests.plans.helpers import district_with_history, scenario
from tests.serve import served
from tests.waits import WAIT_S


@pytest.fixture
def solver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Held]:
    slow = Held(planning.route_waves)  # the function `routes` calls by that name
    monkeypatch.setattr(routes, "route_waves", slow)
    yield slow
    slow.release.set()  # never leave a server thread waiting


@dataclass(frozen=True)
class World:
    plan_id: int
    depot_id: int
    item_id: int
    coordinator: dict[str, str]
    manager: dict[str, str]


@pytest.fixture
def world(fresh_engine: Engine) -> World:
    """An approved plan with a truck at the warehouse, a coordinator and a depot manager."""
    now = utcnow()
    with session_scope(fresh_engine) as session:
        d = district_with_history(session)
        plans.declare_scenario(
            session,
            d.district_id,
            scenario(),
            origin="test",
            start=None,
            actor="t",
            today=now.date(),
        )
        plans.run_forecast(session, d.district_id, actor="t", today=now.date(), horizon=14)
        plan = plans.create_plan(
            session, d.district_id, PlanCreate(deadline_h=48), actor="t", now=now, time_limit_s=10
        )
        plans.approve(session, plan.id or 0, actor="t", now=now)
        dispatch.create_vehicle(
            session,
            d.district_id,
            VehicleCreate(
                code="T1",
                name="truck",
                weight_capacity_kg=5000,
                volume_capacity_l=20_000,
                start_depot_id=d.warehouse_id,
            ),
        )
        return World(
            plan_id=plan.id or 0,
            depot_id=d.depot_a_id,
            item_id=d.tent_id,
            coordinator=bearer(session, "coord", "coordinator", district_id=d.district_id),
            manager=bearer(session, "keeper", "depot_manager", depot_ids=[d.depot_a_id]),
        )


def _route_plans(engine: Engine) -> list[RoutePlan]:
    with session_scope(engine) as session:
        return list(session.execute(select(RoutePlan)).scalars())


@pytest.fixture
def fast(settings: Settings) -> Settings:
    return settings.model_copy(update={"routing_time_limit_s": 0.5})


def test_a_receipt_is_recorded_while_routes_are_solved(
    fresh_engine: Engine, fast: Settings, world: World, solver: Held
) -> None:
    with served(fresh_engine, fast) as base, ThreadPoolExecutor(max_workers=1) as pool, solver:
        routing: Future[httpx.Response] = pool.submit(
            post, base, f"/plans/{world.plan_id}/routes", world.coordinator, {}
        )
        solver.wait_for_calls(1)
        receipt = {
            "depot_id": world.depot_id,
            "item_id": world.item_id,
            "lot_number": "DURING-SOLVE",
            "quantity": 7,
        }
        with http(base, world.manager) as manager:
            answer = manager.post("/movements/receipts", json=receipt)
        # Answered while the solver is still held: the receipt did not wait for the solve
        # (it could not have: the solve only goes on once the test releases it).
        assert answer.status_code == 201, answer.text
        assert not routing.done()
        assert not solver.release.is_set()
        solver.release.set()
        routed = routing.result(timeout=WAIT_S)
    assert routed.status_code == 201, routed.text
    with session_scope(fresh_engine) as session:
        received = session.execute(
            select(func.count()).where(
                col(Movement.kind) == "receipt",
                col(Movement.depot_id) == world.depot_id,
                col(Movement.quantity) == 7,
            )
        ).scalar_one()
        assert received == 1
    [stored] = _route_plans(fresh_engine)
    assert stored.id == routed.json()["id"]


def _bump_revision(session: Session, plan_id: int) -> None:
    row = session.get(AllocationPlanRow, plan_id)
    assert row is not None
    row.revision += 1


def _change_a_line(session: Session, plan_id: int) -> None:
    line = session.execute(
        select(AllocationLine).where(col(AllocationLine.plan_id) == plan_id).limit(1)
    ).scalar_one()
    line.quantity -= 1


def _reopen(session: Session, plan_id: int) -> None:
    row = session.get(AllocationPlanRow, plan_id)
    assert row is not None
    row.status = "draft"


@pytest.mark.parametrize("change", [_bump_revision, _change_a_line, _reopen])
def test_a_plan_changed_while_routes_are_solved_stores_nothing(
    fresh_engine: Engine,
    fast: Settings,
    world: World,
    solver: Held,
    change: Callable[[Session, int], None],
) -> None:
    with served(fresh_engine, fast) as base, ThreadPoolExecutor(max_workers=1) as pool, solver:
        routing = pool.submit(post, base, f"/plans/{world.plan_id}/routes", world.coordinator, {})
        solver.wait_for_calls(1)
        with session_scope(fresh_engine) as session:  # not blocked by the running solve
            change(session, world.plan_id)
        solver.release.set()
        answer = routing.result(timeout=WAIT_S)
    assert answer.status_code == 409, answer.text
    assert answer.json()["detail"] == (
        f"Plan {world.plan_id} changed while routes were computed; compute them again."
    )
    assert _route_plans(fresh_engine) == []


def _deactivate_the_truck(session: Session, world: World) -> None:
    [truck] = dispatch.list_vehicles(session, _district_of(session, world.plan_id))
    dispatch.update_vehicle(session, truck.id or 0, VehicleUpdate(active=False))


def _upload_a_travel_table(session: Session, world: World) -> None:
    district_id = _district_of(session, world.plan_id)
    codes = [d.code for d in inventory.list_depots(session, district_id)]
    codes += [c.code for c in inventory.list_communities(session, district_id)]
    rows = [f"{a},{b},{1000 + i}" for i, (a, b) in enumerate(itertools.permutations(codes, 2))]
    body = "from,to,distance_m\n" + "\n".join(rows) + "\n"
    dispatch.import_travel_matrix(session, district_id, body.encode(), actor="t", now=utcnow())


def _district_of(session: Session, plan_id: int) -> int:
    return plans.get_plan(session, plan_id).district_id


@pytest.mark.parametrize(
    ("change", "what"),
    [(_deactivate_the_truck, "vehicles"), (_upload_a_travel_table, "travel table")],
)
def test_routes_whose_fleet_or_travel_table_changed_meanwhile_are_not_stored(
    fresh_engine: Engine,
    fast: Settings,
    world: World,
    solver: Held,
    change: Callable[[Session, World], None],
    what: str,
) -> None:
    with served(fresh_engine, fast) as base, ThreadPoolExecutor(max_workers=1) as pool, solver:
        routing = pool.submit(post, base, f"/plans/{world.plan_id}/routes", world.coordinator, {})
        solver.wait_for_calls(1)
        with session_scope(fresh_engine) as session:
            change(session, world)
        solver.release.set()
        answer = routing.result(timeout=WAIT_S)
    assert answer.status_code == 409, answer.text
    assert answer.json()["detail"] == (
        f"The district's {what} changed while routes were computed; compute them again."
    )
    assert _route_plans(fresh_engine) == []


def test_an_idempotent_replay_answers_without_solving_again(
    fresh_engine: Engine, fast: Settings, world: World, solver: Held
) -> None:
    solver.release.set()
    headers = {**world.coordinator, "Idempotency-Key": "route-once"}
    path = f"/plans/{world.plan_id}/routes"
    with served(fresh_engine, fast) as base:
        first = post(base, path, headers, {"seed": 3})
        again = post(base, path, headers, {"seed": 3})
        other = post(base, path, headers, {"seed": 4})
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    assert other.status_code == 409  # the same key for another request
    assert solver.calls == 1
    assert [r.id for r in _route_plans(fresh_engine)] == [first.json()["id"]]


def test_concurrent_duplicates_store_once(
    fresh_engine: Engine, fast: Settings, world: World, solver: Held
) -> None:
    headers = {**world.coordinator, "Idempotency-Key": "route-twice"}
    path = f"/plans/{world.plan_id}/routes"
    with served(fresh_engine, fast) as base, ThreadPoolExecutor(max_workers=2) as pool, solver:
        answers = [pool.submit(post, base, path, headers, {}) for _ in range(2)]
        solver.wait_for_calls(2)  # both solve: neither had stored when the other looked
        solver.release.set()
        first, second = (a.result(timeout=WAIT_S) for a in answers)
    assert first.status_code == second.status_code == 201, (first.text, second.text)
    assert first.json() == second.json()
    assert [r.id for r in _route_plans(fresh_engine)] == [first.json()["id"]]
