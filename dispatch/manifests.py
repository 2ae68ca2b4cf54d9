"""Approve routes: per trip a manifest, stock into transit, a signed `dispatch.sent` entry.

All of it is one transaction: if any source lacks the stock, or the plan no longer matches
what was routed, the whole approval is refused and nothing is written. Concurrent approvals
are serialised on the route plan's and the allocation plan's rows.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from core.errors import Conflict, NotFound
from dispatch import routes, vehicles
from dispatch.documents import ManifestDoc, ManifestLineDoc, digest, document
from dispatch.models import Manifest, ManifestLine, RoutePlan, RouteTrip
from dispatch.schemas import ManifestLinePublic, ManifestPublic
from inventory import service as inventory
from ledger import service as ledger
from ledger.keys import LogSigner
from plans import service as plans


def approve_routes(
    session: Session, route_plan_id: int, signer: LogSigner, *, actor: str, now: datetime
) -> RoutePlan:
    """Approve a draft and dispatch its first wave: manifests, `dispatch` movements into
    transit, ledger entries. Later waves are dispatched by `dispatch_wave` when their day
    comes, so their stock stays on the depots' books until it is loaded."""
    row = routes.get_routes(session, route_plan_id, for_update=True)
    if row.status != "draft":
        raise Conflict(f"Route plan {route_plan_id} is already approved and dispatched.")
    plan_row = plans.get_plan(session, row.plan_id, for_update=True)
    if routes.plan_fingerprint(plans.plan_public(session, plan_row)) != row.plan_fingerprint:
        raise Conflict(
            f"Plan {row.plan_id} has changed since these routes were made; route it again."
        )
    if any(r.status == "approved" for r in routes.list_routes(session, row.plan_id)):
        raise Conflict(f"Plan {row.plan_id} already has approved routes.")
    trips = routes.trips(session, route_plan_id)
    if not trips:
        raise Conflict("These routes have no trip; there is nothing to dispatch.")
    transit = inventory.transit_depot(session, row.district_id).id or 0
    first = min(t.wave for t in trips)
    for trip in trips:
        if trip.wave == first:
            _dispatch_trip(session, row, trip, transit, signer, actor=actor, now=now)
    row.status = "approved"
    row.approved_by = actor
    row.approved_at = now
    session.flush()
    return row


def dispatch_wave(
    session: Session,
    route_plan_id: int,
    wave: int,
    signer: LogSigner,
    *,
    actor: str,
    now: datetime,
) -> list[Manifest]:
    """Dispatch one later wave of approved routes: a manifest per trip, its stock into
    transit, a `dispatch.sent` entry each. Refused (nothing written) for a draft, a wave
    that is not in the routes, one already dispatched, one whose earlier wave is not, or
    when a source no longer holds the stock."""
    row = routes.get_routes(session, route_plan_id, for_update=True)
    if row.status != "approved":
        raise Conflict(f"Route plan {route_plan_id} is a draft; approve it first.")
    trips = routes.trips(session, route_plan_id)
    waves = sorted({t.wave for t in trips})
    if wave not in waves:
        raise NotFound(
            f"Route plan {route_plan_id} has no wave {wave}; its waves are "
            f"{', '.join(map(str, waves))}.",
            extra={"waves": waves},
        )
    sent = {m.trip_id for m in list_manifests(session, route_plan_id)}
    mine = [t for t in trips if t.wave == wave]
    if all((t.id or 0) in sent for t in mine):
        raise Conflict(f"Wave {wave} of route plan {route_plan_id} is already dispatched.")
    earlier = [t for t in trips if t.wave < wave and (t.id or 0) not in sent]
    if earlier:
        raise Conflict(f"Dispatch wave {earlier[0].wave} before wave {wave}.")
    transit = inventory.transit_depot(session, row.district_id).id or 0
    out = [
        _dispatch_trip(session, row, trip, transit, signer, actor=actor, now=now)
        for trip in mine
        if (trip.id or 0) not in sent
    ]
    session.flush()
    return out


def _dispatch_trip(
    session: Session,
    row: RoutePlan,
    trip: RouteTrip,
    transit: int,
    signer: LogSigner,
    *,
    actor: str,
    now: datetime,
) -> Manifest:
    expected = max(datetime.fromisoformat(s["arrival_at"]) for s in trip.stops)
    manifest = Manifest(
        trip_id=trip.id or 0,
        route_plan_id=row.id or 0,
        district_id=row.district_id,
        vehicle_id=trip.vehicle_id,
        source_depot_id=trip.source_depot_id,
        transit_depot_id=transit,
        expected_at=expected,
        dispatched_by=actor,
        dispatched_at=now,
    )
    session.add(manifest)
    session.flush()
    lines = [
        ManifestLine(
            manifest_id=manifest.id or 0,
            stop=n,
            plan_line_id=c["line_id"],
            community_id=s["community_id"],
            destination_depot_id=s["depot_id"],
            item_id=c["item_id"],
            lot_id=c["lot_id"],
            quantity=c["quantity"],
        )
        for n, s in enumerate(trip.stops, start=1)
        for c in s["lines"]
    ]
    session.add_all(lines)
    session.flush()
    doc = to_doc(session, manifest, lines, plan_id=row.plan_id, trip=trip)
    manifest.sha256 = digest(doc)
    manifest.dispatch_action_id = inventory.send(
        session,
        [
            inventory.TransitMove(trip.source_depot_id, x.item_id, x.lot_id, x.quantity)
            for x in lines
        ],
        transit_depot_id=transit,
        actor=actor,
        reference=f"manifest {manifest.id}",
    )
    ledger.append(
        session,
        signer,
        kind="dispatch.sent",
        actor=actor,
        payload={
            "manifest": manifest.id,
            "sha256": manifest.sha256,
            "plan": row.plan_id,
            "route_plan": row.id,
            "vehicle": doc.vehicle_code,
            "trip": trip.trip,
            "source_depot": trip.source_depot_id,
            "lines": len(lines),
            "quantity": sum(x.quantity for x in lines),
            "movements_action": manifest.dispatch_action_id,
        },
    )
    session.flush()
    return manifest


def to_doc(
    session: Session,
    manifest: Manifest,
    lines: Sequence[ManifestLine],
    *,
    plan_id: int,
    trip: RouteTrip,
) -> ManifestDoc:
    vehicle = vehicles.get_vehicle(session, manifest.vehicle_id)
    return ManifestDoc(
        manifest_id=manifest.id or 0,
        plan_id=plan_id,
        route_plan_id=manifest.route_plan_id,
        trip_id=trip.id or 0,
        vehicle_id=vehicle.id or 0,
        vehicle_code=vehicle.code,
        trip=trip.trip,
        source_depot_id=manifest.source_depot_id,
        transit_depot_id=manifest.transit_depot_id,
        expected_at=manifest.expected_at,
        dispatched_at=manifest.dispatched_at,
        dispatched_by=manifest.dispatched_by,
        lines=[
            ManifestLineDoc(
                x.id or 0,
                x.stop,
                x.plan_line_id,
                x.community_id,
                x.destination_depot_id,
                x.item_id,
                x.lot_id,
                x.quantity,
            )
            for x in lines
        ],
    )


def get_manifest(session: Session, manifest_id: int, *, for_update: bool = False) -> Manifest:
    query = select(Manifest).where(col(Manifest.id) == manifest_id)
    query = query.with_for_update() if for_update else query
    found: Manifest | None = session.execute(query).scalar_one_or_none()
    if found is None:
        raise NotFound(f"Manifest {manifest_id} does not exist.")
    return found


def lines_of(session: Session, manifest_id: int) -> list[ManifestLine]:
    query = select(ManifestLine).where(col(ManifestLine.manifest_id) == manifest_id)
    return list(session.execute(query.order_by(col(ManifestLine.id))).scalars())


def list_manifests(session: Session, route_plan_id: int) -> Sequence[Manifest]:
    query = select(Manifest).where(col(Manifest.route_plan_id) == route_plan_id)
    return session.execute(query.order_by(col(Manifest.id))).scalars().all()


def manifests_for_depots(
    session: Session, depot_ids: Collection[int] | None, *, awaiting: bool, limit: int = 50
) -> Sequence[Manifest]:
    """Manifests carrying lines to `depot_ids` (None: every depot): with `awaiting`, those
    with a line there still to confirm, oldest expected first; otherwise those with a line
    there already confirmed, latest dispatched first."""
    lines = select(col(ManifestLine.manifest_id))
    if depot_ids is not None:
        lines = lines.where(col(ManifestLine.destination_depot_id).in_(set(depot_ids)))
    confirmed = col(ManifestLine.outcome)
    lines = lines.where(confirmed.is_(None) if awaiting else confirmed.is_not(None))
    query = select(Manifest).where(col(Manifest.id).in_(lines)).limit(limit)
    if awaiting:
        query = query.order_by(col(Manifest.expected_at), col(Manifest.id))
    else:
        query = query.order_by(col(Manifest.dispatched_at).desc(), col(Manifest.id).desc())
    return session.execute(query).scalars().all()


def manifest_document(session: Session, manifest_id: int) -> dict[str, object]:
    """The manifest's canonical document, rebuilt from its rows, with its SHA-256."""
    manifest = get_manifest(session, manifest_id)
    row = routes.get_routes(session, manifest.route_plan_id)
    trip = routes.get_trip(session, manifest.trip_id)
    doc = to_doc(session, manifest, lines_of(session, manifest_id), plan_id=row.plan_id, trip=trip)
    return {"sha256": digest(doc), "document": document(doc)}


def manifest_public(session: Session, manifest: Manifest) -> ManifestPublic:
    out = ManifestPublic.model_validate(manifest)
    out.lines = [ManifestLinePublic.model_validate(x) for x in lines_of(session, manifest.id or 0)]
    return out
