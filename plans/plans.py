"""Allocation plans: build from the database, solve, store as a draft, adjust, approve.

A plan keeps the problem it was built from, so a re-solve answers the same question with the
coordinator's locked lines held fixed (taken out of their lot's or contract's supply and out
of their community's demand before the solver runs; fills count them back in). A changed
line marks the plan stale until it is re-solved; only a fresh draft can be approved, and an
approved plan never changes again.

`create` and `resolve` do everything in the caller's unit of work (the command line, the
demo). The API splits each into `prepare_*` (reads), `solve_plan` (no database) and
`store_*` (writes), so no transaction is open during the solve (`core.solves`). A new plan
is a plan as of the moment its stock was read, like any draft whose stock moves on after
it was made (approval and dispatch check the stock again); it is refused only if the
district's active scenario or latest forecast changed meanwhile. A re-solve is refused if
the draft changed meanwhile (a line locked or changed, another re-solve, an approval).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session, col

from core.errors import Conflict, NotFound
from inventory import service as inventory
from ledger.canonical import canonical_json
from optimizer.allocation import AllocationPlan, AllocationProblem, Tier, solve
from plans import forecasts, problem, scenarios
from plans.models import AllocationFill, AllocationLine, AllocationPlanRow
from plans.schemas import FillPublic, LinePublic, LineUpdate, PlanCreate, PlanPublic


@dataclass(frozen=True)
class PreparedPlan:
    """What an allocation solve needs, read from the database as plain data."""

    district_id: int
    scenario_id: int
    forecast_run_id: int
    deadline_h: int
    built: problem.Built
    """The problem (a new plan's, built now; a re-solve's, as the draft stored it)."""
    locks: tuple[problem.Lock, ...]
    plan_id: int | None
    """None for a new plan."""
    fingerprint: str
    """A re-solve's `draft_fingerprint` as read; empty for a new plan."""


def create_plan(
    session: Session,
    district_id: int,
    data: PlanCreate,
    *,
    actor: str,
    now: datetime,
    time_limit_s: float,
) -> AllocationPlanRow:
    """Plan for the district's active scenario and its latest forecast run, as a draft."""
    prepared = prepare_create(session, district_id, data, now=now)
    solution = solve_plan(prepared, time_limit_s=time_limit_s)
    return store_create(session, prepared, solution, actor=actor, now=now)


def prepare_create(
    session: Session, district_id: int, data: PlanCreate, *, now: datetime
) -> PreparedPlan:
    """Build a new plan's problem from the stock, agreements and forecast (reads only)."""
    inventory.get_district(session, district_id)
    declared = scenarios.active_scenario(session, district_id)
    if declared is None:
        raise Conflict("The district has no active scenario; declare one first.")
    run = forecasts.latest_run(session, district_id, declared.id or 0)
    built = problem.build(
        session,
        district_id,
        run,
        declared,
        scenarios.scenario_of(declared),
        deadline_h=data.deadline_h,
        cost_per_tonne_km=data.transport_cost_per_tonne_km,
        now=now,
    )
    return PreparedPlan(
        district_id=district_id,
        scenario_id=declared.id or 0,
        forecast_run_id=run.id or 0,
        deadline_h=data.deadline_h,
        built=built,
        locks=(),
        plan_id=None,
        fingerprint="",
    )


def solve_plan(prepared: PreparedPlan, *, time_limit_s: float) -> AllocationPlan:
    """Allocate, with the locked lines held fixed (no database)."""
    return solve(
        problem.with_locks(prepared.built.problem, prepared.locks), time_limit_s=time_limit_s
    )


def store_create(
    session: Session,
    prepared: PreparedPlan,
    solution: AllocationPlan,
    *,
    actor: str,
    now: datetime,
) -> AllocationPlanRow:
    """Store a new draft; refused if the active scenario or its latest forecast changed."""
    declared = scenarios.active_scenario(session, prepared.district_id)
    if declared is None or declared.id != prepared.scenario_id:
        raise Conflict(
            "The district's active scenario changed while the plan was solved; "
            "create the plan again."
        )
    run = forecasts.latest_run(session, prepared.district_id, prepared.scenario_id)
    if run.id != prepared.forecast_run_id:
        raise Conflict(
            "A newer forecast was stored while the plan was solved; create the plan again."
        )
    plan = AllocationPlanRow(
        district_id=prepared.district_id,
        scenario_id=prepared.scenario_id,
        forecast_run_id=prepared.forecast_run_id,
        deadline_h=prepared.deadline_h,
        problem=problem.to_document(prepared.built.problem),
        refs=prepared.built.refs,
        summary={},
        reasons=[],
        created_by=actor,
        created_at=now,
        solved_at=now,
    )
    session.add(plan)
    session.flush()
    _write_solution(
        session, plan, prepared.built.problem, [], locked_cost=0, solution=solution, now=now
    )
    return plan


def get_plan(session: Session, plan_id: int, *, for_update: bool = False) -> AllocationPlanRow:
    query = select(AllocationPlanRow).where(col(AllocationPlanRow.id) == plan_id)
    query = query.with_for_update() if for_update else query
    found: AllocationPlanRow | None = session.execute(query).scalar_one_or_none()
    if found is None:
        raise NotFound(f"Plan {plan_id} does not exist.")
    return found


def list_plans(session: Session, district_id: int) -> Sequence[AllocationPlanRow]:
    query = select(AllocationPlanRow).where(col(AllocationPlanRow.district_id) == district_id)
    return session.execute(query.order_by(col(AllocationPlanRow.id))).scalars().all()


def _draft(session: Session, plan_id: int) -> AllocationPlanRow:
    plan = get_plan(session, plan_id, for_update=True)
    if plan.status != "draft":
        raise Conflict(f"Plan {plan_id} is {plan.status}; an approved plan does not change.")
    return plan


def _lines(session: Session, plan_id: int) -> list[AllocationLine]:
    query = select(AllocationLine).where(col(AllocationLine.plan_id) == plan_id)
    return list(session.execute(query.order_by(col(AllocationLine.id))).scalars())


def _fills(session: Session, plan_id: int) -> list[AllocationFill]:
    query = select(AllocationFill).where(col(AllocationFill.plan_id) == plan_id)
    return list(session.execute(query.order_by(col(AllocationFill.id))).scalars())


def _lock_of(plan: AllocationPlanRow, line: AllocationLine) -> problem.Lock:
    refs = plan.refs
    community = _key(refs["communities"], line.community_id)
    item = _key(refs["items"], line.item_id)
    lot = None if line.lot_id is None else _key(refs["lots"], line.lot_id).split("/", 1)[1]
    contract = None if line.agreement_id is None else _key(refs["contracts"], line.agreement_id)
    return problem.Lock(line.source, community, item, line.quantity, lot, contract)


def _key(mapping: dict[str, Any], value: int) -> str:
    return next(k for k, v in mapping.items() if v == value)


def update_line(
    session: Session, plan_id: int, line_id: int, data: LineUpdate
) -> AllocationPlanRow:
    """Lock or unlock a line, or set its quantity (which locks it); the plan becomes stale
    until re-solved. A quantity that the plan's problem cannot hold is refused."""
    plan = _draft(session, plan_id)
    line = session.get(AllocationLine, line_id)
    if line is None or line.plan_id != plan_id:
        raise NotFound(f"Plan {plan_id} has no line {line_id}.")
    if data.quantity is not None:
        line.cost = round(line.cost * data.quantity / line.quantity)
        line.quantity = data.quantity
        line.locked = True
    else:
        line.locked = data.locked
    locks = [_lock_of(plan, x) for x in _lines(session, plan_id) if x.locked]
    problem.with_locks(problem.from_document(plan.problem), locks)
    plan.summary = {**plan.summary, "stale": True}
    session.flush()
    return plan


def resolve(
    session: Session, plan_id: int, *, now: datetime, time_limit_s: float
) -> AllocationPlanRow:
    """Solve the draft again on its own problem, keeping every locked line."""
    prepared = prepare_resolve(session, plan_id)
    solution = solve_plan(prepared, time_limit_s=time_limit_s)
    return store_resolve(session, prepared, solution, now=now)


def draft_fingerprint(plan: AllocationPlanRow, lines: Sequence[AllocationLine]) -> str:
    """SHA-256 of what a re-solve depends on: status, revision and every line's lock."""
    doc = {
        "plan": plan.id,
        "status": plan.status,
        "revision": plan.revision,
        "lines": sorted([x.id, x.locked, x.quantity] for x in lines),
    }
    return hashlib.sha256(canonical_json(doc)).hexdigest()


def prepare_resolve(session: Session, plan_id: int) -> PreparedPlan:
    """Read a draft's problem and its locked lines (reads only)."""
    plan = get_plan(session, plan_id)
    if plan.status != "draft":
        raise Conflict(f"Plan {plan_id} is {plan.status}; an approved plan does not change.")
    lines = _lines(session, plan_id)
    return PreparedPlan(
        district_id=plan.district_id,
        scenario_id=plan.scenario_id,
        forecast_run_id=plan.forecast_run_id,
        deadline_h=plan.deadline_h,
        built=problem.Built(problem.from_document(plan.problem), plan.refs),
        locks=tuple(_lock_of(plan, x) for x in lines if x.locked),
        plan_id=plan_id,
        fingerprint=draft_fingerprint(plan, lines),
    )


def store_resolve(
    session: Session, prepared: PreparedPlan, solution: AllocationPlan, *, now: datetime
) -> AllocationPlanRow:
    """Replace the draft's unlocked lines and fills; refused if the draft changed since it
    was read (the row is locked first)."""
    plan_id = prepared.plan_id or 0
    plan = _draft(session, plan_id)
    lines = _lines(session, plan_id)
    if draft_fingerprint(plan, lines) != prepared.fingerprint:
        raise Conflict(
            f"Plan {plan_id} changed while it was solved (a line was locked or changed, or "
            "it was solved again); solve it again."
        )
    locked_cost = sum(x.cost for x in lines if x.locked)
    session.execute(
        delete(AllocationLine).where(
            col(AllocationLine.plan_id) == plan_id, col(AllocationLine.locked).is_(False)
        )
    )
    session.execute(delete(AllocationFill).where(col(AllocationFill.plan_id) == plan_id))
    plan.revision += 1
    _write_solution(
        session,
        plan,
        prepared.built.problem,
        prepared.locks,
        locked_cost=locked_cost,
        solution=solution,
        now=now,
    )
    return plan


def approve(session: Session, plan_id: int, *, actor: str, now: datetime) -> AllocationPlanRow:
    """Approve a fresh draft; approving twice, or a stale draft, is refused."""
    plan = _draft(session, plan_id)
    if plan.summary.get("stale"):
        raise Conflict(f"Plan {plan_id} has changed lines; re-solve it before approving.")
    plan.status = "approved"
    plan.approved_by = actor
    plan.approved_at = now
    session.flush()
    return plan


def _write_solution(
    session: Session,
    plan: AllocationPlanRow,
    base: AllocationProblem,
    locks: Sequence[problem.Lock],
    *,
    locked_cost: int,
    solution: AllocationPlan,
    now: datetime,
) -> None:
    refs = plan.refs
    for s in solution.shipments:
        source = refs["sources"][s.source]
        session.add(
            AllocationLine(
                plan_id=plan.id or 0,
                source=s.source,
                depot_id=source.get("depot_id"),
                lot_id=None if s.lot is None else refs["lots"][f"{s.item}/{s.lot}"],
                agreement_id=None if s.contract is None else refs["contracts"][s.contract],
                community_id=refs["communities"][s.community],
                item_id=refs["items"][s.item],
                quantity=s.quantity,
                cost=s.cost,
            )
        )
    locked_by_tier = _locked_by_tier(base, locks)
    fills = []
    for f in solution.fills:
        kept = locked_by_tier.get((f.community, f.item, f.tier), 0)
        demanded = f.demanded + kept
        fair = (kept + f.fair_level * f.demanded) / demanded if demanded else 1.0
        fills.append(
            AllocationFill(
                plan_id=plan.id or 0,
                community_id=refs["communities"][f.community],
                item_id=refs["items"][f.item],
                tier=str(f.tier),
                demanded=demanded,
                delivered=f.delivered + kept,
                locked=kept,
                fair_level=round(min(1.0, max(0.0, fair)), 6),
                deadline_h=f.deadline_h,
            )
        )
    session.add_all(fills)
    plan.summary = _summary(solution, fills, locks, locked_cost)
    plan.reasons = _reasons(solution, locks)
    plan.solved_at = now
    session.flush()


def _locked_by_tier(
    base: AllocationProblem, locks: Sequence[problem.Lock]
) -> dict[tuple[str, str, Tier], int]:
    """How much of each demand the locked lines cover: the priority tier first."""
    left: dict[tuple[str, str], int] = defaultdict(int)
    for lock in locks:
        left[(lock.community, lock.item)] += lock.quantity
    out: dict[tuple[str, str, Tier], int] = {}
    for tier in (Tier.PRIORITY, Tier.GENERAL):
        for d in base.demands:
            if d.tier is tier:
                cut = min(d.quantity, left[(d.community, d.item)])
                left[(d.community, d.item)] -= cut
                out[(d.community, d.item, tier)] = cut
    return out


def _summary(
    solution: AllocationPlan,
    fills: Sequence[AllocationFill],
    locks: Sequence[problem.Lock],
    locked_cost: int,
) -> dict[str, Any]:
    def smallest(tier: str) -> float:
        rates = [f.delivered / f.demanded for f in fills if f.tier == tier and f.demanded]
        return round(min(rates, default=1.0), 6)

    return {
        "demanded": sum(f.demanded for f in fills),
        "delivered": sum(f.delivered for f in fills),
        "locked": sum(lock.quantity for lock in locks),
        "cost": solution.cost + locked_cost,
        "min_priority_fill": smallest("priority"),
        "min_general_fill": smallest("general"),
        "solve_seconds": round(solution.solve_seconds, 3),
        "stale": False,
    }


def _reasons(solution: AllocationPlan, locks: Sequence[problem.Lock]) -> list[dict[str, Any]]:
    locked: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for lock in locks:
        locked[lock.community][lock.item] += lock.quantity
    out = []
    for report in solution.communities:
        reasons = [
            {"code": str(r.code), "text": r.text, "item": r.item, "source": r.source}
            for r in report.reasons
        ]
        for item, quantity in sorted(locked[report.community].items()):
            reasons.append(
                {
                    "code": "locked",
                    "text": f"{quantity:,} of {item} kept on lines locked by the coordinator",
                    "item": item,
                    "source": None,
                }
            )
        out.append({"community": report.community, "summary": report.summary, "reasons": reasons})
    return out


def plan_public(session: Session, plan: AllocationPlanRow) -> PlanPublic:
    """The plan with its lines and fills, as the API answers it."""
    plan_id = plan.id or 0
    return PlanPublic(
        id=plan_id,
        district_id=plan.district_id,
        scenario_id=plan.scenario_id,
        forecast_run_id=plan.forecast_run_id,
        status="approved" if plan.status == "approved" else "draft",
        revision=plan.revision,
        deadline_h=plan.deadline_h,
        summary=plan.summary,
        communities=plan.reasons,
        lines=[LinePublic.model_validate(x) for x in _lines(session, plan_id)],
        fills=[FillPublic.model_validate(x) for x in _fills(session, plan_id)],
        created_by=plan.created_by,
        created_at=plan.created_at,
        solved_at=plan.solved_at,
        approved_by=plan.approved_by,
        approved_at=plan.approved_at,
    )


def demand_by_day(session: Session, plan_id: int) -> dict[tuple[int, int], dict[date, float]]:
    """The demand the plan covers, per community × item and day (from its forecast run)."""
    row = get_plan(session, plan_id)
    run = forecasts.get_run(session, row.forecast_run_id)
    return problem.demand_by_day(session, run, scenarios.get_scenario(session, row.scenario_id))
