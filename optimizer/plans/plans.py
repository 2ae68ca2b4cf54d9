"""Allocation plans: build from the database, solve, store as a draft, adjust, approve.

A plan keeps the problem it was built from, so a re-solve answers the same question with the
coordinator's locked lines held fixed (taken out of their lot's or contract's supply and out
of their community's demand before the solver runs; fills count them back in). A changed
line marks the plan stale until it is re-solved; only a fresh draft can be approved, and an
approved plan never changes again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session, col

from core.errors import Conflict, NotFound
from inventory import service as inventory
from optimizer.allocation import AllocationPlan, AllocationProblem, Tier, solve
from optimizer.plans import forecasts, problem, scenarios
from optimizer.plans.models import AllocationFill, AllocationLine, AllocationPlanRow
from optimizer.plans.schemas import FillPublic, LinePublic, LineUpdate, PlanCreate, PlanPublic


def create(
    session: Session,
    district_id: int,
    data: PlanCreate,
    *,
    actor: str,
    now: datetime,
    time_limit_s: float,
) -> AllocationPlanRow:
    """Plan for the district's active scenario and its latest forecast run, as a draft."""
    inventory.get_district(session, district_id)
    declared = scenarios.active(session, district_id)
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
    plan = AllocationPlanRow(
        district_id=district_id,
        scenario_id=declared.id or 0,
        forecast_run_id=run.id or 0,
        deadline_h=data.deadline_h,
        problem=problem.to_document(built.problem),
        refs=built.refs,
        summary={},
        reasons=[],
        created_by=actor,
        created_at=now,
        solved_at=now,
    )
    session.add(plan)
    session.flush()
    _solve_into(session, plan, built.problem, [], locked_cost=0, time_limit_s=time_limit_s, now=now)
    return plan


def get(session: Session, plan_id: int, *, for_update: bool = False) -> AllocationPlanRow:
    query = select(AllocationPlanRow).where(col(AllocationPlanRow.id) == plan_id)
    query = query.with_for_update() if for_update else query
    found: AllocationPlanRow | None = session.execute(query).scalar_one_or_none()
    if found is None:
        raise NotFound(f"Plan {plan_id} does not exist.")
    return found


def list_for(session: Session, district_id: int) -> Sequence[AllocationPlanRow]:
    query = select(AllocationPlanRow).where(col(AllocationPlanRow.district_id) == district_id)
    return session.execute(query.order_by(col(AllocationPlanRow.id))).scalars().all()


def _draft(session: Session, plan_id: int) -> AllocationPlanRow:
    plan = get(session, plan_id, for_update=True)
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
    plan = _draft(session, plan_id)
    locked = [x for x in _lines(session, plan_id) if x.locked]
    locks = [_lock_of(plan, x) for x in locked]
    session.execute(
        delete(AllocationLine).where(
            col(AllocationLine.plan_id) == plan_id, col(AllocationLine.locked).is_(False)
        )
    )
    session.execute(delete(AllocationFill).where(col(AllocationFill.plan_id) == plan_id))
    base = problem.from_document(plan.problem)
    plan.revision += 1
    locked_cost = sum(x.cost for x in locked)
    _solve_into(
        session, plan, base, locks, locked_cost=locked_cost, time_limit_s=time_limit_s, now=now
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


def _solve_into(
    session: Session,
    plan: AllocationPlanRow,
    base: AllocationProblem,
    locks: Sequence[problem.Lock],
    *,
    locked_cost: int,
    time_limit_s: float,
    now: datetime,
) -> None:
    solution = solve(problem.with_locks(base, locks), time_limit_s=time_limit_s)
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


def public(session: Session, plan: AllocationPlanRow) -> PlanPublic:
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
