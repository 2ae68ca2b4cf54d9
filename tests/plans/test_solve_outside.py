"""Forecasts and allocation plans are solved with no transaction open, through the served API
on both databases.

The fits and the allocation solver are held (they wait for the test to release them), so
the test can act while they run: a depot's receipt goes through meanwhile; a scenario or
forecast changed meanwhile refuses a new plan, a draft changed meanwhile refuses its
re-solve; an Idempotency-Key replay or a concurrent duplicate never stores twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from core.clock import utcnow
from core.db import session_scope
from core.settings import Settings
from inventory.models import Movement
from optimizer import allocation
from plans import forecasts
from plans import plans as plan_rows
from plans import service as plans
from plans.models import AllocationLine, AllocationPlanRow, ForecastRun
from plans.schemas import LineUpdate, PlanCreate
from tests.held import Held, bearer, http, post
from tests.plans.helpers import district_with_history, scenario, snapshot
from tests.serve import served
from tests.waits import WAIT_S


@dataclass(frozen=True)
class World:
    district_id: int
    scenario_id: int
    plan_id: int
    depot_id: int
    item_id: int
    coordinator: dict[str, str]
    manager: dict[str, str]


@pytest.fixture
def world(fresh_engine: Engine) -> World:
    """A district with an active scenario, a forecast and a draft plan; a coordinator and a
    depot manager."""
    now = utcnow()
    with session_scope(fresh_engine) as session:
        d = district_with_history(session)
        declared = plans.declare_scenario(
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
        return World(
            district_id=d.district_id,
            scenario_id=declared.id or 0,
            plan_id=plan.id or 0,
            depot_id=d.depot_a_id,
            item_id=d.tent_id,
            coordinator=bearer(session, "coord", "coordinator", district_id=d.district_id),
            manager=bearer(session, "keeper", "depot_manager", depot_ids=[d.depot_a_id]),
        )


@pytest.fixture
def held_fits(monkeypatch: pytest.MonkeyPatch) -> Iterator[Held]:
    held = Held(forecasts._baseline)
    monkeypatch.setattr(forecasts, "_baseline", held)
    yield held
    held.release.set()  # never leave a server thread waiting


@pytest.fixture
def held_solver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Held]:
    held = Held(allocation.solve)  # the function `plan_rows` calls by that name
    monkeypatch.setattr(plan_rows, "solve", held)
    yield held
    held.release.set()


def _state(engine: Engine) -> dict[str, object]:
    with session_scope(engine) as session:
        return snapshot(session)


def _receipt_meanwhile(base: str, world: World, held: Held, quantity: int) -> None:
    """A depot manager's receipt, sent and answered while `held` waits: it did not wait for
    the solve (it could not have: the solve only goes on once the test releases it)."""
    receipt = {
        "depot_id": world.depot_id,
        "item_id": world.item_id,
        "lot_number": f"DURING-{quantity}",
        "quantity": quantity,
    }
    with http(base, world.manager) as manager:
        answer = manager.post("/movements/receipts", json=receipt)
    assert answer.status_code == 201, answer.text
    assert not held.release.is_set()


def _receipts(engine: Engine, world: World, quantity: int) -> int:
    with session_scope(engine) as session:
        return int(
            session.execute(
                select(func.count()).where(
                    col(Movement.kind) == "receipt",
                    col(Movement.depot_id) == world.depot_id,
                    col(Movement.quantity) == quantity,
                )
            ).scalar_one()
        )


def test_a_receipt_is_recorded_while_a_forecast_runs(
    fresh_engine: Engine, settings: Settings, world: World, held_fits: Held
) -> None:
    path = f"/districts/{world.district_id}/forecasts"
    with (
        served(fresh_engine, settings) as base,
        ThreadPoolExecutor(max_workers=1) as pool,
        held_fits,
    ):
        running = pool.submit(post, base, path, world.coordinator, {"horizon": 14})
        held_fits.wait_for_calls(1)
        _receipt_meanwhile(base, world, held_fits, 11)
        assert not running.done()
        held_fits.release.set()
        answer = running.result(timeout=WAIT_S)
    assert answer.status_code == 201, answer.text
    assert _receipts(fresh_engine, world, 11) == 1
    with session_scope(fresh_engine) as session:
        stored = session.get(ForecastRun, answer.json()["id"])
        assert stored is not None
        assert stored.series == answer.json()["series"] > 0


def test_a_receipt_is_recorded_while_a_plan_is_solved(
    fresh_engine: Engine, settings: Settings, world: World, held_solver: Held
) -> None:
    path = f"/districts/{world.district_id}/plans"
    before = _state(fresh_engine)["AllocationPlanRow"]
    with (
        served(fresh_engine, settings) as base,
        ThreadPoolExecutor(max_workers=1) as pool,
        held_solver,
    ):
        running = pool.submit(post, base, path, world.coordinator, {"deadline_h": 48})
        held_solver.wait_for_calls(1)
        _receipt_meanwhile(base, world, held_solver, 12)
        assert not running.done()
        held_solver.release.set()
        answer = running.result(timeout=WAIT_S)
    assert answer.status_code == 201, answer.text
    assert _receipts(fresh_engine, world, 12) == 1
    assert _state(fresh_engine)["AllocationPlanRow"] == before + 1  # type: ignore[operator]
    assert answer.json()["summary"]["delivered"] > 0


def _close_scenario(session: Session, world: World) -> None:
    plans.close_scenario(session, world.scenario_id, actor="t")


def _newer_forecast(session: Session, world: World) -> None:
    plans.run_forecast(session, world.district_id, actor="t", today=utcnow().date(), horizon=7)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            _close_scenario,
            "The district's active scenario changed while the plan was solved; "
            "create the plan again.",
        ),
        (
            _newer_forecast,
            "A newer forecast was stored while the plan was solved; create the plan again.",
        ),
    ],
)
def test_a_plan_whose_scenario_or_forecast_changed_meanwhile_is_not_stored(
    fresh_engine: Engine,
    settings: Settings,
    world: World,
    held_solver: Held,
    change: Callable[[Session, World], None],
    message: str,
) -> None:
    path = f"/districts/{world.district_id}/plans"
    with (
        served(fresh_engine, settings) as base,
        ThreadPoolExecutor(max_workers=1) as pool,
        held_solver,
    ):
        running = pool.submit(post, base, path, world.coordinator, {"deadline_h": 48})
        held_solver.wait_for_calls(1)
        with session_scope(fresh_engine) as session:  # not blocked by the running solve
            change(session, world)
        before = _state(fresh_engine)
        held_solver.release.set()
        answer = running.result(timeout=WAIT_S)
    assert answer.status_code == 409, answer.text
    assert answer.json()["detail"] == message
    assert _state(fresh_engine) == before


def _lock_a_line(session: Session, plan_id: int) -> None:
    line = _first_line(session, plan_id)
    plans.update_line(session, plan_id, line.id or 0, LineUpdate(locked=True))


def _change_a_quantity(session: Session, plan_id: int) -> None:
    line = _first_line(session, plan_id)
    plans.update_line(session, plan_id, line.id or 0, LineUpdate(quantity=line.quantity - 1))


def _approve(session: Session, plan_id: int) -> None:
    plans.approve(session, plan_id, actor="t", now=utcnow())


def _solved_again(session: Session, plan_id: int) -> None:
    """What another re-solve's store does to the row (its solver is the held one here)."""
    row = session.get(AllocationPlanRow, plan_id)
    assert row is not None
    row.revision += 1


def _first_line(session: Session, plan_id: int) -> AllocationLine:
    query = select(AllocationLine).where(col(AllocationLine.plan_id) == plan_id)
    line: AllocationLine = session.execute(
        query.order_by(col(AllocationLine.id)).limit(1)
    ).scalar_one()
    return line


CHANGED = (
    "Plan {} changed while it was solved (a line was locked or changed, or it was solved "
    "again); solve it again."
)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_lock_a_line, CHANGED),
        (_change_a_quantity, CHANGED),
        (_solved_again, CHANGED),
        (_approve, "Plan {} is approved; an approved plan does not change."),
    ],
)
def test_a_draft_changed_while_it_is_solved_again_stores_nothing(
    fresh_engine: Engine,
    settings: Settings,
    world: World,
    held_solver: Held,
    change: Callable[[Session, int], None],
    message: str,
) -> None:
    path = f"/plans/{world.plan_id}/solve"
    with (
        served(fresh_engine, settings) as base,
        ThreadPoolExecutor(max_workers=1) as pool,
        held_solver,
    ):
        running = pool.submit(post, base, path, world.coordinator)
        held_solver.wait_for_calls(1)
        with session_scope(fresh_engine) as session:  # not blocked by the running solve
            change(session, world.plan_id)
        before = _state(fresh_engine)
        held_solver.release.set()
        answer = running.result(timeout=WAIT_S)
    assert answer.status_code == 409, answer.text
    assert answer.json()["detail"] == message.format(world.plan_id)
    assert _state(fresh_engine) == before


def test_an_idempotent_plan_replay_answers_without_solving_again(
    fresh_engine: Engine, settings: Settings, world: World, held_solver: Held
) -> None:
    held_solver.release.set()
    headers = {**world.coordinator, "Idempotency-Key": "plan-once"}
    path = f"/districts/{world.district_id}/plans"
    with served(fresh_engine, settings) as base:
        first = post(base, path, headers, {"deadline_h": 48})
        again = post(base, path, headers, {"deadline_h": 48})
        other = post(base, path, headers, {"deadline_h": 24})
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    assert other.status_code == 409  # the same key for another request
    assert held_solver.calls == 1


def test_concurrent_duplicate_re_solves_store_once(
    fresh_engine: Engine, settings: Settings, world: World, held_solver: Held
) -> None:
    headers = {**world.coordinator, "Idempotency-Key": "solve-twice"}
    path = f"/plans/{world.plan_id}/solve"
    with (
        served(fresh_engine, settings) as base,
        ThreadPoolExecutor(max_workers=2) as pool,
        held_solver,
    ):
        answers = [pool.submit(post, base, path, headers) for _ in range(2)]
        held_solver.wait_for_calls(2)  # both solve: neither had stored when the other looked
        held_solver.release.set()
        first, second = (a.result(timeout=WAIT_S) for a in answers)
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    assert first.json() == second.json()
    with session_scope(fresh_engine) as session:
        plan = session.get(AllocationPlanRow, world.plan_id)
        assert plan is not None
        assert plan.revision == first.json()["revision"] == 2


def test_a_forecast_replay_answers_without_fitting_again(
    fresh_engine: Engine, settings: Settings, world: World, held_fits: Held
) -> None:
    held_fits.release.set()
    headers = {**world.coordinator, "Idempotency-Key": "forecast-once"}
    path = f"/districts/{world.district_id}/forecasts"
    with served(fresh_engine, settings) as base:
        first = post(base, path, headers, {"horizon": 14})
        again = post(base, path, headers, {"horizon": 14})
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    assert again.json() == first.json()
    assert held_fits.calls == 1
    runs = _state(fresh_engine)["ForecastRun"]
    assert runs == 2  # the world's and this one
