"""Dispatch routes: the fleet, routes for an approved plan, approval (dispatch), manifests,
receipt at the destination depots, overdue alerts, route sheets and maps.

Routing is CPU-bound, so every route here is a plain `def` (run in FastAPI's worker
threads) and the solver runs in-process with one worker. Coordinators change their own
district; a depot manager confirms receipt for their own depots only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.deps import SessionDep, SettingsDep
from api.routers.ledger import LedgerSignerDep
from api.security import scope
from api.security.deps import PlanWriter, Reader, StockWriter
from api.writes import IdempotencyKey, payload_of, run_write
from core.clock import utcnow
from core.errors import InvalidInput
from inventory import service as inventory
from optimizer.dispatch import schemas, service
from optimizer.dispatch.models import Vehicle
from optimizer.plans import service as plans

router = APIRouter(tags=["dispatch"])


# --- vehicles -----------------------------------------------------------------------------


@router.post(
    "/districts/{district_id}/vehicles", response_model=schemas.VehiclePublic, status_code=201
)
def create_vehicle(
    district_id: int,
    data: schemas.VehicleCreate,
    session: SessionDep,
    request: Request,
    who: PlanWriter,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Register a vehicle of the district's fleet."""
    inventory.get_district(session, district_id)
    scope.check_district(who, district_id)
    return run_write(
        session,
        request,
        key=key,
        scope=who.username,
        payload=payload_of(data),
        action=lambda: schemas.VehiclePublic.model_validate(
            service.create_vehicle(session, district_id, data)
        ),
    )


@router.get("/districts/{district_id}/vehicles", response_model=list[schemas.VehiclePublic])
def list_vehicles(district_id: int, session: SessionDep, who: Reader) -> Sequence[Vehicle]:
    inventory.get_district(session, district_id)
    return service.list_vehicles(session, district_id)


@router.patch("/vehicles/{vehicle_id}", response_model=schemas.VehiclePublic)
def update_vehicle(
    vehicle_id: int,
    data: schemas.VehicleUpdate,
    session: SessionDep,
    request: Request,
    who: PlanWriter,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Take a vehicle out of service (`active: false`) or back."""
    scope.check_district(who, service.get_vehicle(session, vehicle_id).district_id)
    return run_write(
        session,
        request,
        key=key,
        scope=who.username,
        payload=payload_of(data),
        status_code=200,
        action=lambda: schemas.VehiclePublic.model_validate(
            service.update_vehicle(session, vehicle_id, data)
        ),
    )


# --- routes and dispatch ------------------------------------------------------------------


@router.post("/plans/{plan_id}/routes", response_model=schemas.RoutePlanPublic, status_code=201)
def create_routes(
    plan_id: int,
    data: schemas.RoutesCreate,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
    who: PlanWriter,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Route the approved plan's depot-sourced lines; stored as a draft to review. Lines
    that cannot go are listed under `left_out` with the reason."""
    scope.check_district(who, plans.get_plan(session, plan_id).district_id)
    return run_write(
        session,
        request,
        key=key,
        scope=who.username,
        payload=payload_of(data),
        action=lambda: service.routes_public(
            session,
            service.create_routes(
                session,
                plan_id,
                data,
                actor=who.username,
                now=utcnow(),
                time_limit_s=settings.routing_time_limit_s,
            ),
        ),
    )


@router.get("/plans/{plan_id}/routes", response_model=list[schemas.RoutePlanPublic])
def list_routes(plan_id: int, session: SessionDep, who: Reader) -> list[schemas.RoutePlanPublic]:
    plans.get_plan(session, plan_id)
    return [service.routes_public(session, r) for r in service.list_routes(session, plan_id)]


@router.get("/routes/{route_plan_id}", response_model=schemas.RoutePlanPublic)
def get_routes(route_plan_id: int, session: SessionDep, who: Reader) -> schemas.RoutePlanPublic:
    return service.routes_public(session, service.get_routes(session, route_plan_id))


@router.post("/routes/{route_plan_id}/approve", response_model=list[schemas.ManifestPublic])
def approve_routes(
    route_plan_id: int,
    session: SessionDep,
    signer: LedgerSignerDep,
    request: Request,
    who: PlanWriter,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Approve the routes and dispatch: per trip a manifest, its stock moved into transit
    and a signed `dispatch.sent` ledger entry, all or nothing."""
    scope.check_district(who, service.get_routes(session, route_plan_id).district_id)

    def act() -> list[schemas.ManifestPublic]:
        service.approve_routes(session, route_plan_id, signer, actor=who.username, now=utcnow())
        return [
            service.manifest_public(session, m)
            for m in service.list_manifests(session, route_plan_id)
        ]

    return run_write(
        session, request, key=key, scope=who.username, payload=b"", status_code=200, action=act
    )


@router.get("/routes/{route_plan_id}/manifests", response_model=list[schemas.ManifestPublic])
def list_manifests(
    route_plan_id: int, session: SessionDep, who: Reader
) -> list[schemas.ManifestPublic]:
    service.get_routes(session, route_plan_id)
    return [
        service.manifest_public(session, m) for m in service.list_manifests(session, route_plan_id)
    ]


@router.get("/manifests/{manifest_id}", response_model=schemas.ManifestPublic)
def get_manifest(manifest_id: int, session: SessionDep, who: Reader) -> schemas.ManifestPublic:
    return service.manifest_public(session, service.get_manifest(session, manifest_id))


@router.get("/manifests/{manifest_id}/document", response_model=dict[str, Any])
def manifest_document(manifest_id: int, session: SessionDep, who: Reader) -> dict[str, object]:
    """The manifest's canonical document and its SHA-256, as `dispatch.sent` signed it."""
    return service.manifest_document(session, manifest_id)


# --- receipt and alerts -------------------------------------------------------------------


@router.post("/manifests/{manifest_id}/receipts", response_model=schemas.ManifestPublic)
def receive(
    manifest_id: int,
    data: schemas.ReceiptCreate,
    session: SessionDep,
    signer: LedgerSignerDep,
    request: Request,
    who: StockWriter,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """The receiving depot confirms its lines: received, short or damaged."""
    scope.check_depot(session, who, data.depot_id)
    return run_write(
        session,
        request,
        key=key,
        scope=who.username,
        payload=payload_of(data),
        status_code=200,
        action=lambda: service.manifest_public(
            session,
            service.receive(session, manifest_id, data, signer, actor=who.username, now=utcnow()),
        ),
    )


@router.get("/districts/{district_id}/dispatch-alerts", response_model=list[schemas.AlertPublic])
def dispatch_alerts(
    district_id: int,
    session: SessionDep,
    who: Reader,
    grace_minutes: Annotated[int, Query(ge=0, le=7 * 24 * 60)] = service.DEFAULT_GRACE_MINUTES,
    at: datetime | None = None,
) -> list[schemas.AlertPublic]:
    """Manifests not fully received by their expected time plus `grace_minutes`."""
    inventory.get_district(session, district_id)
    if at is not None and at.tzinfo is None:
        raise InvalidInput("at must carry a timezone (e.g. 2026-03-01T08:00:00Z).")
    return service.overdue(session, district_id, now=at or utcnow(), grace_minutes=grace_minutes)


# --- route sheets -------------------------------------------------------------------------


@router.get("/trips/{trip_id}/sheet.html", response_class=HTMLResponse)
def route_sheet(
    trip_id: int,
    session: SessionDep,
    who: Reader,
    lang: Literal["zh", "en"] = "zh",
    tz: Annotated[str, Query(max_length=64, description="IANA time zone")] = "UTC",
) -> HTMLResponse:
    """The driver's printable sheet: stops in order, arrival times, what to unload where."""
    if tz not in available_timezones():
        raise InvalidInput(f"{tz!r} is not a known time zone (e.g. Asia/Shanghai).")
    return HTMLResponse(service.sheet_html(session, trip_id, lang=lang, zone=tz))


@router.get("/trips/{trip_id}/map.svg", response_class=Response)
def route_map(trip_id: int, session: SessionDep, who: Reader) -> Response:
    """The trip drawn from its coordinates, as SVG."""
    return Response(service.map_svg(session, trip_id), media_type="image/svg+xml")
