"""Dispatch routes: the fleet, routes for an approved plan, approval (dispatch), manifests,
receipt at the destination depots, overdue alerts, route sheets and maps.

Routing is CPU-bound, so every route here is a plain `def` (run in FastAPI's worker
threads) and the solver runs in-process with one worker. Coordinators change their own
district; a depot manager confirms receipt for their own depots only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUpload

from accounts import areas
from api.deps import SessionDep, SettingsDep, UnitsDep, end_reads, reads_only
from api.routers.ledger import LedgerSignerDep
from api.security.deps import PlanWriter, Reader, StockWriter
from api.writes import IdempotencyKey, KeyDep, WriteOnce, payload_of
from core.clock import utcnow
from core.errors import InvalidInput
from core.inputs import Id, Moment
from dispatch import schemas, service
from dispatch.models import Vehicle
from dispatch.travel import OsrmFetch
from inventory import service as inventory
from optimizer.routing.osrm import OsrmServer
from plans import service as plans

router = APIRouter(tags=["dispatch"])


def get_osrm(settings: SettingsDep) -> OsrmFetch | None:
    """The OSRM server routing asks when a district's travel table does not cover a plan."""
    if not settings.osrm_url:
        return None
    return OsrmServer(settings.osrm_url, settings.osrm_timeout_s)


OsrmDep = Annotated[OsrmFetch | None, Depends(get_osrm)]


# --- vehicles -----------------------------------------------------------------------------


@router.post(
    "/districts/{district_id}/vehicles", response_model=schemas.VehiclePublic, status_code=201
)
def create_vehicle(
    district_id: Id,
    data: schemas.VehicleCreate,
    session: SessionDep,
    who: PlanWriter,
    key: KeyDep,
) -> JSONResponse:
    """Register a vehicle of the district's fleet."""
    inventory.get_district(session, district_id)
    areas.check_district(who, district_id)
    return key.run(
        session,
        who.username,
        payload=payload_of(data),
        action=lambda: schemas.VehiclePublic.model_validate(
            service.create_vehicle(session, district_id, data)
        ),
    )


@router.get("/districts/{district_id}/vehicles", response_model=list[schemas.VehiclePublic])
def list_vehicles(district_id: Id, session: SessionDep, who: Reader) -> Sequence[Vehicle]:
    inventory.get_district(session, district_id)
    return service.list_vehicles(session, district_id)


@router.patch("/vehicles/{vehicle_id}", response_model=schemas.VehiclePublic)
def update_vehicle(
    vehicle_id: Id,
    data: schemas.VehicleUpdate,
    session: SessionDep,
    who: PlanWriter,
    key: KeyDep,
) -> JSONResponse:
    """Take a vehicle out of service (`active: false`) or back."""
    areas.check_district(who, service.get_vehicle(session, vehicle_id).district_id)
    return key.run(
        session,
        who.username,
        payload=payload_of(data),
        status_code=200,
        action=lambda: schemas.VehiclePublic.model_validate(
            service.update_vehicle(session, vehicle_id, data)
        ),
    )


# --- travel table -------------------------------------------------------------------------

CSV_TYPES = ("text/csv", "application/csv", "text/plain")
TRAVEL_CSV_BODY = {
    "requestBody": {
        "description": "`from,to,distance_m[,duration_s]`: one row per ordered pair of the "
        "district's depot and community codes (`depot:CODE` / `community:CODE` where a code "
        "is both). Either a multipart form with the field `file`, or the CSV as the body.",
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
            "text/csv": {"schema": {"type": "string"}},
        },
        "required": True,
    }
}


async def _csv_body(request: Request, limit: int) -> bytes:
    """The uploaded CSV: the multipart field `file`, or a text/csv body (at most `limit`)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "multipart/form-data":
        async with request.form(max_files=1, max_fields=8) as form:
            upload = form.get("file")
            if not isinstance(upload, StarletteUpload):
                raise InvalidInput("The multipart form needs the CSV as the file field 'file'.")
            data = await upload.read(limit + 1)
    elif media in CSV_TYPES:
        buffer = bytearray()
        async for chunk in request.stream():
            buffer += chunk
            if len(buffer) > limit:
                break
        data = bytes(buffer)
    else:
        raise InvalidInput(
            "Send the travel table as a multipart form field 'file' or as a text/csv body."
        )
    if len(data) > limit:
        raise InvalidInput(f"The file is larger than the limit of {limit} bytes.")
    return data


@router.put(
    "/districts/{district_id}/travel-matrix",
    response_model=schemas.TravelMatrixPublic,
    openapi_extra=TRAVEL_CSV_BODY,
)
async def put_travel_matrix(
    district_id: Id,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
    who: PlanWriter,
    key: KeyDep,
) -> JSONResponse:
    """Replace the district's travel table (distances in metres, durations in seconds).
    A table with any unknown code or bad row is refused whole, every problem listed, and
    the stored table stays as it was."""
    data = await _csv_body(request, settings.import_max_bytes)

    def work() -> JSONResponse:
        inventory.get_district(session, district_id)
        areas.check_district(who, district_id)
        return key.run(
            session,
            who.username,
            payload=data,
            status_code=200,
            action=lambda: service.import_travel_matrix(
                session, district_id, data, actor=who.username, now=utcnow()
            ),
        )

    response: JSONResponse = await run_in_threadpool(work)
    return response


@router.get(
    "/districts/{district_id}/travel-matrix",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "The travel table as CSV."}},
)
def get_travel_matrix(district_id: Id, session: SessionDep, who: Reader) -> Response:
    """The district's travel table as CSV, in the form the upload takes."""
    text = service.export_travel_matrix(session, district_id)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="travel-{district_id}.csv"'},
    )


@router.delete("/districts/{district_id}/travel-matrix", response_model=schemas.TravelMatrixPublic)
def delete_travel_matrix(
    district_id: Id,
    session: SessionDep,
    who: PlanWriter,
    key: KeyDep,
) -> JSONResponse:
    """Remove the district's travel table (routing then uses OSRM or the estimate); answers
    the table as it was."""
    inventory.get_district(session, district_id)
    areas.check_district(who, district_id)

    def act() -> schemas.TravelMatrixPublic:
        removed = service.travel_matrix(session, district_id)
        service.remove_travel_matrix(session, district_id)
        return removed

    return key.run(session, who.username, payload=b"", status_code=200, action=act)


# --- routes and dispatch ------------------------------------------------------------------


@router.post("/plans/{plan_id}/routes", response_model=schemas.RoutePlanPublic, status_code=201)
@reads_only
def create_routes(
    plan_id: Id,
    data: schemas.RoutesCreate,
    session: SessionDep,
    units: UnitsDep,
    settings: SettingsDep,
    osrm: OsrmDep,
    request: Request,
    who: PlanWriter,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Route the approved plan's depot-sourced lines; stored as a draft to review. Every
    stop must be reached by the plan's deadline; lines that cannot go are listed under
    `left_out` with the reason. Travel comes from the district's travel table when it names
    every place, else the OSRM server (if configured), else great circle × 1.3: see
    `travel_source` and `travel_fallbacks`. The solve holds no transaction: a plan that
    changed meanwhile is a 409 and nothing is stored."""
    areas.check_district(who, plans.get_plan(session, plan_id).district_id)
    end_reads(session)
    return service.compute_routes(
        units,
        plan_id,
        data,
        actor=who.username,
        now=utcnow(),
        time_limit_s=settings.routing_time_limit_s,
        workers=settings.routing_workers,
        osrm=osrm,
        answer=service.routes_public,
        once=WriteOnce(request, key, who.username, payload_of(data)),
    )


@router.get("/plans/{plan_id}/routes", response_model=list[schemas.RoutePlanPublic])
def list_routes(plan_id: Id, session: SessionDep, who: Reader) -> list[schemas.RoutePlanPublic]:
    plans.get_plan(session, plan_id)
    return [service.routes_public(session, r) for r in service.list_routes(session, plan_id)]


@router.get("/routes/{route_plan_id}", response_model=schemas.RoutePlanPublic)
def get_routes(route_plan_id: Id, session: SessionDep, who: Reader) -> schemas.RoutePlanPublic:
    return service.routes_public(session, service.get_routes(session, route_plan_id))


@router.post("/routes/{route_plan_id}/approve", response_model=list[schemas.ManifestPublic])
def approve_routes(
    route_plan_id: Id,
    session: SessionDep,
    signer: LedgerSignerDep,
    who: PlanWriter,
    key: KeyDep,
) -> JSONResponse:
    """Approve the routes and dispatch: per trip a manifest, its stock moved into transit
    and a signed `dispatch.sent` ledger entry, all or nothing."""
    areas.check_district(who, service.get_routes(session, route_plan_id).district_id)

    def act() -> list[schemas.ManifestPublic]:
        service.approve_routes(session, route_plan_id, signer, actor=who.username, now=utcnow())
        return [
            service.manifest_public(session, m)
            for m in service.list_manifests(session, route_plan_id)
        ]

    return key.run(session, who.username, payload=b"", status_code=200, action=act)


@router.post(
    "/routes/{route_plan_id}/waves/{wave}/dispatch", response_model=list[schemas.ManifestPublic]
)
def dispatch_wave(
    route_plan_id: Id,
    wave: Annotated[int, Path(ge=1, le=1000)],
    session: SessionDep,
    signer: LedgerSignerDep,
    who: PlanWriter,
    key: KeyDep,
) -> JSONResponse:
    """Dispatch a later wave of approved routes when its day comes: per trip a manifest,
    its stock into transit and a signed `dispatch.sent` entry, all or nothing."""
    areas.check_district(who, service.get_routes(session, route_plan_id).district_id)

    def act() -> list[schemas.ManifestPublic]:
        made = service.dispatch_wave(
            session, route_plan_id, wave, signer, actor=who.username, now=utcnow()
        )
        return [service.manifest_public(session, m) for m in made]

    return key.run(session, who.username, payload=b"", status_code=200, action=act)


@router.get("/plans/{plan_id}/balance", response_model=schemas.PlanBalancePublic)
def plan_balance(plan_id: Id, session: SessionDep, who: Reader) -> schemas.PlanBalancePublic:
    """Every allocated unit accounted for: dispatched, scheduled in a later wave, called on
    from a supplier, already at its destination, left out (by reason) or not yet routed."""
    return service.plan_balance(session, plan_id)


@router.get("/routes/{route_plan_id}/manifests", response_model=list[schemas.ManifestPublic])
def list_manifests(
    route_plan_id: Id, session: SessionDep, who: Reader
) -> list[schemas.ManifestPublic]:
    service.get_routes(session, route_plan_id)
    return [
        service.manifest_public(session, m) for m in service.list_manifests(session, route_plan_id)
    ]


@router.get("/manifests/{manifest_id}", response_model=schemas.ManifestPublic)
def get_manifest(manifest_id: Id, session: SessionDep, who: Reader) -> schemas.ManifestPublic:
    return service.manifest_public(session, service.get_manifest(session, manifest_id))


@router.get("/manifests/{manifest_id}/document", response_model=dict[str, Any])
def manifest_document(manifest_id: Id, session: SessionDep, who: Reader) -> dict[str, object]:
    """The manifest's canonical document and its SHA-256, as `dispatch.sent` signed it."""
    return service.manifest_document(session, manifest_id)


# --- receipt and alerts -------------------------------------------------------------------


@router.post("/manifests/{manifest_id}/receipts", response_model=schemas.ManifestPublic)
def receive(
    manifest_id: Id,
    data: schemas.ManifestReceiptCreate,
    session: SessionDep,
    signer: LedgerSignerDep,
    who: StockWriter,
    key: KeyDep,
) -> JSONResponse:
    """The receiving depot confirms its lines: received, short or damaged."""
    areas.check_depot(session, who, data.depot_id)
    return key.run(
        session,
        who.username,
        payload=payload_of(data),
        status_code=200,
        action=lambda: service.manifest_public(
            session,
            service.receive(session, manifest_id, data, signer, actor=who.username, now=utcnow()),
        ),
    )


@router.get(
    "/districts/{district_id}/dispatch-alerts", response_model=list[schemas.DispatchAlertPublic]
)
def dispatch_alerts(
    district_id: Id,
    session: SessionDep,
    who: Reader,
    grace_minutes: Annotated[int, Query(ge=0, le=7 * 24 * 60)] = service.DEFAULT_GRACE_MINUTES,
    at: Moment | None = None,
) -> list[schemas.DispatchAlertPublic]:
    """Manifests not fully received by their expected time plus `grace_minutes`."""
    inventory.get_district(session, district_id)
    return service.overdue(session, district_id, now=at or utcnow(), grace_minutes=grace_minutes)


# --- route sheets -------------------------------------------------------------------------


@router.get("/trips/{trip_id}/sheet.html", response_class=HTMLResponse)
def route_sheet(
    trip_id: Id,
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
def route_map(trip_id: Id, session: SessionDep, who: Reader) -> Response:
    """The trip drawn from its coordinates, as SVG."""
    return Response(service.map_svg(session, trip_id), media_type="image/svg+xml")
