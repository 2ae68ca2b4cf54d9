"""Receipt of a manifest at its destination depots, and the alert for what is overdue.

The receiving depot confirms each of its lines once: received in full, short, or damaged
with the quantity that arrived usable. In one transaction the usable stock moves from
transit into the depot, the rest is written off in transit with the outcome as its reason,
and a signed `dispatch.received` entry is appended. Nothing stays in transit silently:
`overdue` lists every manifest with open lines past its expected time and a grace period.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from core.clock import as_utc
from core.errors import Conflict, FieldProblem, InvalidInput
from dispatch.manifests import get_manifest, lines_of
from dispatch.models import Manifest, ManifestLine
from dispatch.schemas import DispatchAlertPublic, ManifestReceiptCreate, ReceiptLine
from inventory import service as inventory
from ledger import service as ledger
from ledger.keys import LogSigner

#: Minutes after the expected arrival before an unreceived manifest is an alert.
DEFAULT_GRACE_MINUTES = 120


def receive(
    session: Session,
    manifest_id: int,
    data: ManifestReceiptCreate,
    signer: LogSigner,
    *,
    actor: str,
    now: datetime,
) -> Manifest:
    """Confirm every line of the manifest bound for `data.depot_id`; refused if any of
    them was confirmed before or the lines given are not exactly that depot's."""
    manifest = get_manifest(session, manifest_id, for_update=True)
    lines = {
        x.id: x for x in lines_of(session, manifest_id) if x.destination_depot_id == data.depot_id
    }
    if not lines:
        raise InvalidInput(f"Manifest {manifest_id} carries nothing for depot {data.depot_id}.")
    if any(x.outcome is not None for x in lines.values()):
        raise Conflict(f"Manifest {manifest_id} has already been received at this depot.")
    _check_lines(data.lines, lines)
    moves: list[inventory.TransitMove] = []
    losses: list[inventory.TransitMove] = []
    for given in data.lines:
        line = lines[given.line_id]
        usable = line.quantity if given.outcome == "received" else given.quantity or 0
        if usable:
            moves.append(inventory.TransitMove(data.depot_id, line.item_id, line.lot_id, usable))
        if usable < line.quantity:
            reason = f"{given.outcome} on receipt of manifest {manifest_id}"
            reason += f": {given.note}" if given.note else ""
            losses.append(
                inventory.TransitMove(
                    data.depot_id, line.item_id, line.lot_id, line.quantity - usable, reason
                )
            )
        line.outcome = given.outcome
        line.received_quantity = usable
        line.note = given.note
        line.received_by = actor
        line.received_at = now
    action = inventory.deliver(
        session,
        moves,
        losses,
        transit_depot_id=manifest.transit_depot_id,
        actor=actor,
        reference=f"manifest {manifest_id}",
    )
    session.flush()
    if all(x.outcome is not None for x in lines_of(session, manifest_id)):
        manifest.status = "received"
        manifest.received_at = now
    ledger.append(
        session,
        signer,
        kind="dispatch.received",
        actor=actor,
        payload={
            "manifest": manifest_id,
            "sha256": manifest.sha256,
            "depot": data.depot_id,
            "lines": [
                {
                    "line": x.line_id,
                    "outcome": x.outcome,
                    "sent": lines[x.line_id].quantity,
                    "received": lines[x.line_id].received_quantity,
                }
                for x in data.lines
            ],
            "movements_action": action,
        },
    )
    session.flush()
    return manifest


def _check_lines(given: Sequence[ReceiptLine], lines: dict[int | None, ManifestLine]) -> None:
    problems: list[FieldProblem] = []
    seen: set[int] = set()
    for i, x in enumerate(given):
        line = lines.get(x.line_id)
        if line is None:
            problems.append(FieldProblem(("lines", i, "line_id"), "not a line for this depot"))
        elif x.line_id in seen:
            problems.append(FieldProblem(("lines", i, "line_id"), "given twice"))
        elif x.outcome == "received" and x.quantity not in (None, line.quantity):
            problems.append(
                FieldProblem(("lines", i, "quantity"), f"received in full is {line.quantity}")
            )
        elif x.outcome != "received" and (x.quantity or 0) >= line.quantity:
            problems.append(
                FieldProblem(("lines", i, "quantity"), f"must be below the {line.quantity} sent")
            )
        seen.add(x.line_id)
    for line_id in sorted(set(lines) - seen, key=lambda v: v or 0):
        problems.append(FieldProblem(("lines",), f"line {line_id} is not confirmed"))
    if problems:
        raise InvalidInput("The receipt does not match the manifest.", problems=problems)


def overdue(
    session: Session, district_id: int, *, now: datetime, grace_minutes: int
) -> list[DispatchAlertPublic]:
    """Manifests of the district with unconfirmed lines past expected time + grace."""
    cutoff = now - timedelta(minutes=grace_minutes)
    query = select(Manifest).where(
        col(Manifest.district_id) == district_id,
        col(Manifest.status) == "in_transit",
        col(Manifest.expected_at) < cutoff,
    )
    out = []
    for m in session.execute(query.order_by(col(Manifest.expected_at))).scalars():
        open_lines = [x for x in lines_of(session, m.id or 0) if x.outcome is None]
        out.append(
            DispatchAlertPublic(
                manifest_id=m.id or 0,
                vehicle_id=m.vehicle_id,
                source_depot_id=m.source_depot_id,
                expected_at=m.expected_at,
                overdue_minutes=int((now - as_utc(m.expected_at)).total_seconds() // 60),
                open_lines=len(open_lines),
                destination_depot_ids=sorted({x.destination_depot_id for x in open_lines}),
            )
        )
    return out
