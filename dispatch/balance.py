"""Every allocated unit accounted for: where each unit of an approved plan went.

`account` is pure: each plan line's quantity falls, unit for unit, into exactly one of

* `dispatched` — loaded on a trip of the plan's approved routes (its manifests);
* `scheduled` — on a trip of a later wave of the approved routes, not dispatched yet;
* `by_supplier` — called on from an agreement supplier by a delivery order;
* `at_destination` — the line's source is the community's own receiving depot;
* `left_out` — routed but not carried, by reason (no vehicle, fleet capacity, deadline...);
* `pending` — not routed yet (no approved routes), or an agreement line with no order;

so `allocated == dispatched + scheduled + by_supplier + at_destination + sum(left_out) +
pending` holds
exactly, per item and community and in total. Beside the buckets it reports what is known of
the outcome: units received at destinations, and what suppliers delivered into stock.
`balance` reads the plan, its approved routes and its orders and calls `account`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlmodel import Session, col

from dispatch import orders as order_store
from dispatch import routes
from dispatch.models import Manifest, ManifestLine
from dispatch.schemas import BalanceRowPublic, PlanBalancePublic
from plans import service as plans

AT_DESTINATION = routes.AT_DESTINATION


@dataclass(frozen=True)
class PlanLine:
    line_id: int
    community_id: int
    item_id: int
    quantity: int
    agreement: bool
    at_destination: bool = False
    """The line's source is the community's own receiving depot: nothing to carry."""


@dataclass
class Bucket:
    """The balance of one community × item (or the total)."""

    allocated: int = 0
    dispatched: int = 0
    scheduled: int = 0
    by_supplier: int = 0
    at_destination: int = 0
    left_out: dict[str, int] = field(default_factory=dict)
    pending: int = 0
    received: int = 0
    """Of `dispatched`: units confirmed usable at the destination."""
    supplier_accepted: int = 0
    """Of `by_supplier`: units the receiving depot accepted into stock."""

    @property
    def accounted(self) -> int:
        return (
            self.dispatched
            + self.scheduled
            + self.by_supplier
            + self.at_destination
            + sum(self.left_out.values())
            + self.pending
        )

    @property
    def reaching(self) -> int:
        """Units that reach a destination: dispatched or scheduled on a trip, called on from a
        supplier, or already there."""
        return self.dispatched + self.scheduled + self.by_supplier + self.at_destination

    def add(self, other: Bucket) -> None:
        self.allocated += other.allocated
        self.dispatched += other.dispatched
        self.scheduled += other.scheduled
        self.by_supplier += other.by_supplier
        self.at_destination += other.at_destination
        for reason, q in other.left_out.items():
            self.left_out[reason] = self.left_out.get(reason, 0) + q
        self.pending += other.pending
        self.received += other.received
        self.supplier_accepted += other.supplier_accepted


@dataclass(frozen=True)
class Balance:
    rows: dict[tuple[int, int], Bucket]
    """(community_id, item_id) → its balance."""
    total: Bucket
    routed: bool
    """Whether the plan has approved routes (else its depot lines are all pending)."""

    @property
    def adds_up(self) -> bool:
        buckets = [*self.rows.values(), self.total]
        return all(b.accounted == b.allocated for b in buckets)

    @property
    def reach_share(self) -> float:
        """The share of allocated units that reach a destination."""
        return self.total.reaching / self.total.allocated if self.total.allocated else 1.0


def account(
    lines: Iterable[PlanLine],
    *,
    routed: bool,
    carried: Mapping[int, int],
    scheduled: Mapping[int, int],
    left_out: Mapping[int, Mapping[str, int]],
    received: Mapping[int, int],
    ordered: Mapping[int, int],
    accepted: Mapping[int, int],
) -> Balance:
    """Put every unit of every line into one bucket (see the module's docstring).

    `carried`, `scheduled`, `received`, `ordered`, `accepted` are per plan line id;
    `left_out` is per line id and reason. A line that the routes account for only in part
    keeps the rest as pending, and more than the line holds is a bug in the caller (ValueError)."""
    rows: dict[tuple[int, int], Bucket] = defaultdict(Bucket)
    for x in lines:
        b = Bucket(allocated=x.quantity)
        if x.agreement:
            b.by_supplier = ordered.get(x.line_id, 0)
            b.supplier_accepted = accepted.get(x.line_id, 0)
        elif x.at_destination:
            b.at_destination = x.quantity
        else:
            b.dispatched = carried.get(x.line_id, 0)
            b.scheduled = scheduled.get(x.line_id, 0)
            b.received = received.get(x.line_id, 0)
            for reason, q in left_out.get(x.line_id, {}).items():
                if reason != AT_DESTINATION:
                    b.left_out[reason] = b.left_out.get(reason, 0) + q
        placed = b.accounted
        if placed > x.quantity:
            raise ValueError(f"plan line {x.line_id} is accounted {placed} of {x.quantity} units")
        b.pending = x.quantity - placed
        rows[(x.community_id, x.item_id)].add(b)
    total = Bucket()
    for b in rows.values():
        total.add(b)
    return Balance(dict(rows), total, routed)


def public(plan_id: int, b: Balance) -> PlanBalancePublic:
    def row(bucket: Bucket, key: tuple[int, int] | None = None) -> BalanceRowPublic:
        return BalanceRowPublic(
            community_id=key[0] if key else None,
            item_id=key[1] if key else None,
            allocated=bucket.allocated,
            dispatched=bucket.dispatched,
            scheduled=bucket.scheduled,
            by_supplier=bucket.by_supplier,
            at_destination=bucket.at_destination,
            left_out=dict(sorted(bucket.left_out.items())),
            pending=bucket.pending,
            received=bucket.received,
            supplier_accepted=bucket.supplier_accepted,
            reaching=bucket.reaching,
        )

    return PlanBalancePublic(
        plan_id=plan_id,
        routed=b.routed,
        adds_up=b.adds_up,
        reach_share=round(b.reach_share, 6),
        total=row(b.total),
        rows=[row(v, k) for k, v in sorted(b.rows.items())],
    )


def balance(session: Session, plan_id: int) -> Balance:
    """The balance of a plan as the database holds it now."""
    plan = plans.plan_public(session, plans.get_plan(session, plan_id))
    receiving = routes.destination_depots(session, plan.district_id)
    lines = [
        PlanLine(
            x.id,
            x.community_id,
            x.item_id,
            x.quantity,
            agreement=x.agreement_id is not None,
            at_destination=x.depot_id is not None and receiving.get(x.community_id) == x.depot_id,
        )
        for x in plan.lines
    ]
    approved = [r for r in routes.list_routes(session, plan_id) if r.status == "approved"]
    carried: dict[int, int] = defaultdict(int)
    waiting: dict[int, int] = defaultdict(int)
    received: dict[int, int] = defaultdict(int)
    left: dict[int, dict[str, int]] = defaultdict(dict)
    for r in approved:
        manifests = list(
            session.execute(select(Manifest).where(col(Manifest.route_plan_id) == r.id)).scalars()
        )
        shipped = session.execute(
            select(ManifestLine).where(col(ManifestLine.manifest_id).in_([m.id for m in manifests]))
        ).scalars()
        for m in shipped:
            carried[m.plan_line_id] += m.quantity
            received[m.plan_line_id] += m.received_quantity or 0
        sent = {m.trip_id for m in manifests}
        for t in routes.trips(session, r.id or 0):
            if (t.id or 0) not in sent:
                for stop in t.stops:
                    for c in stop["lines"]:
                        waiting[c["line_id"]] += c["quantity"]
        for x in r.left_out:
            for c in x["lines"]:
                by_reason = left[c["line_id"]]
                by_reason[x["reason"]] = by_reason.get(x["reason"], 0) + c["quantity"]
    ordered: dict[int, int] = {}
    accepted: dict[int, int] = {}
    for o in order_store.list_orders(session, plan_id=plan_id):
        ordered[o.plan_line_id] = o.quantity
        accepted[o.plan_line_id] = o.accepted_quantity or 0
    return account(
        lines,
        routed=bool(approved),
        carried=carried,
        scheduled=waiting,
        left_out=left,
        received=received,
        ordered=ordered,
        accepted=accepted,
    )
