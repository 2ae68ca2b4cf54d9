"""Planning routes: scenarios, forecast runs (rows, reserve levels, fan charts), allocation
plans (create, adjust lines, re-solve, approve).

Forecasting and solving are CPU-bound, so every route here is a plain `def`: FastAPI runs it
in its worker thread pool, never on the event loop. Forecast runs, new plans and re-solves
are `reads_only`: their request session only reads, and the fits or the solve run with no
transaction open (`core.solves`). Coordinators change only their own
district; anyone signed in may read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import JSONResponse, Response

from accounts import areas
from api.deps import SessionDep, SettingsDep, UnitsDep, end_reads, reads_only
from api.routers.ledger import LedgerSignerDep
from api.security.deps import PlanWriter, Reader
from api.writes import KeyDep, WriteOnce, payload_of
from core.clock import utcnow
from core.errors import InvalidInput
from core.inputs import Day, Id
from dispatch import service as dispatch
from inventory import service as inventory
from plans import schemas, service
from plans.models import DeclaredScenario, ForecastRow, ForecastRun

router = APIRouter(tags=["plans"])


def _district_in_scope(session: SessionDep, who: PlanWriter, district_id: int) -> None:
    """404 for an unknown district first, then 403 outside the caller's district."""
    inventory.get_district(session, district_id)
    areas.check_district(who, district_id)


# --- scenarios ----------------------------------------------------------------------------


@router.get("/scenario-library", response_model=list[str])
def scenario_library(who: Reader) -> list[str]:
    """The names of the shipped scenarios, for `library` when declaring one."""
    return service.library_names()


@router.post(
    "/districts/{district_id}/scenarios", response_model=schemas.ScenarioPublic, status_code=201
)
def declare_scenario(
    district_id: Id,
    data: schemas.ScenarioDeclare,
    session: SessionDep,
    who: PlanWriter,
    key: KeyDep,
) -> JSONResponse:
    """Declare the district's active scenario from the library or a given definition."""
    _district_in_scope(session, who, district_id)
    if (data.library is None) == (data.definition is None):
        raise InvalidInput("Give either 'library' or 'definition', not both or neither.")

    def act() -> schemas.ScenarioPublic:
        if data.library is not None:
            raw, origin = service.library_definition(data.library), f"library:{data.library}"
        else:
            raw, origin = data.definition or {}, "definition"
        row = service.declare_scenario(
            session,
            district_id,
            raw,
            origin=origin,
            start=data.start,
            actor=who.username,
            today=utcnow().date(),
        )
        return schemas.ScenarioPublic.model_validate(row)

    return key.run(session, who.username, payload=payload_of(data), action=act)


@router.post(
    "/districts/{district_id}/scenarios/upload",
    response_model=schemas.ScenarioPublic,
    status_code=201,
)
def upload_scenario(
    district_id: Id,
    session: SessionDep,
    who: PlanWriter,
    key: KeyDep,
    file: Annotated[UploadFile, File(description="A scenario file, YAML or JSON")],
    start: Annotated[Day | None, Form()] = None,
) -> JSONResponse:
    """Declare the district's active scenario from an uploaded YAML or JSON file."""
    _district_in_scope(session, who, district_id)
    content = file.file.read(service.MAX_SCENARIO_BYTES + 1)  # larger is refused
    name = file.filename or "scenario.yaml"

    def act() -> schemas.ScenarioPublic:
        row = service.declare_scenario(
            session,
            district_id,
            service.read_definition(content, name),
            origin=f"file:{name}",
            start=start,
            actor=who.username,
            today=utcnow().date(),
        )
        return schemas.ScenarioPublic.model_validate(row)

    return key.run(
        session,
        who.username,
        payload=content + str(start).encode(),
        action=act,
    )


@router.get("/districts/{district_id}/scenarios", response_model=list[schemas.ScenarioPublic])
def list_scenarios(
    district_id: Id,
    session: SessionDep,
    who: Reader,
    status: Literal["active", "closed"] | None = None,
) -> Sequence[DeclaredScenario]:
    return service.list_scenarios(session, district_id, status)


@router.get("/scenarios/{scenario_id}", response_model=schemas.ScenarioPublic)
def get_scenario(scenario_id: Id, session: SessionDep, who: Reader) -> DeclaredScenario:
    return service.get_scenario(session, scenario_id)


@router.post("/scenarios/{scenario_id}/close", response_model=schemas.ScenarioPublic)
def close_scenario(
    scenario_id: Id,
    session: SessionDep,
    who: PlanWriter,
    key: KeyDep,
) -> JSONResponse:
    """Close an active scenario; its forecasts and plans stay."""
    found = service.get_scenario(session, scenario_id)
    areas.check_district(who, found.district_id)
    return key.run(
        session,
        who.username,
        payload=b"",
        status_code=200,
        action=lambda: schemas.ScenarioPublic.model_validate(
            service.close_scenario(session, scenario_id, actor=who.username)
        ),
    )


# --- forecasts ----------------------------------------------------------------------------


@router.post(
    "/districts/{district_id}/forecasts",
    response_model=schemas.ForecastRunPublic,
    status_code=201,
)
@reads_only
def run_forecast(
    district_id: Id,
    data: schemas.ForecastCreate,
    session: SessionDep,
    units: UnitsDep,
    who: PlanWriter,
    key: KeyDep,
    settings: SettingsDep,
) -> JSONResponse:
    """Forecast demand per community × item under the active scenario, and store it. The
    fits hold no transaction: depots keep recording while they run, and the run is the
    forecast as of the moment its history was read."""
    _district_in_scope(session, who, district_id)
    end_reads(session)
    return service.compute_forecast(
        units,
        district_id,
        actor=who.username,
        today=utcnow().date(),
        scenario_id=data.scenario_id,
        horizon=data.horizon,
        season_length=data.season_length,
        start=data.start,
        time_limit_s=settings.forecast_time_limit_s,
        answer=lambda _, run: schemas.ForecastRunPublic.model_validate(run),
        once=WriteOnce(key.request, key.key, who.username, payload_of(data)),
    )


@router.get("/districts/{district_id}/forecasts", response_model=list[schemas.ForecastRunPublic])
def list_forecasts(district_id: Id, session: SessionDep, who: Reader) -> Sequence[ForecastRun]:
    return service.list_runs(session, district_id)


@router.get("/forecasts/{run_id}", response_model=schemas.ForecastRunPublic)
def get_forecast(run_id: Id, session: SessionDep, who: Reader) -> ForecastRun:
    return service.get_run(session, run_id)


@router.get("/forecasts/{run_id}/rows", response_model=list[schemas.ForecastRowPublic])
def forecast_rows(
    run_id: Id,
    session: SessionDep,
    who: Reader,
    community_id: Id | None = None,
    item_id: Id | None = None,
) -> Sequence[ForecastRow]:
    service.get_run(session, run_id)
    return service.rows(session, run_id, community_id=community_id, item_id=item_id)


@router.get("/forecasts/{run_id}/reserve-levels", response_model=list[schemas.ReserveLevelPublic])
def reserve_levels(
    run_id: Id,
    session: SessionDep,
    who: Reader,
    service_level: Annotated[float, Query(ge=0.5, lt=1)] = 0.95,
) -> list[schemas.ReserveLevelPublic]:
    """Per depot × item: the stock covering the run at `service_level`, and the gap."""
    return service.reserve_levels(session, run_id, service_level=service_level)


@router.get("/forecasts/{run_id}/fan-chart.{fmt}", response_class=Response)
def fan_chart(
    run_id: Id,
    fmt: Literal["png", "svg"],
    session: SessionDep,
    who: Reader,
    item_id: Id,
    community_id: Id | None = None,
) -> Response:
    """History, forecast, 80/95 % bands and the scenario overlay of one community × item
    (no `community_id`: the district-level series)."""
    chart = service.fan_chart(session, run_id, community_id=community_id, item_id=item_id)
    if fmt == "png":
        return Response(chart.png, media_type="image/png")
    return Response(chart.svg, media_type="image/svg+xml")


# --- allocation plans ---------------------------------------------------------------------


@router.post("/districts/{district_id}/plans", response_model=schemas.PlanPublic, status_code=201)
@reads_only
def create_plan(
    district_id: Id,
    data: schemas.PlanCreate,
    session: SessionDep,
    units: UnitsDep,
    settings: SettingsDep,
    who: PlanWriter,
    key: KeyDep,
) -> JSONResponse:
    """Allocate for the active scenario and its latest forecast; stored as a draft. The
    solve holds no transaction; if the active scenario or its latest forecast changed
    meanwhile, the answer is 409 and nothing is stored."""
    _district_in_scope(session, who, district_id)
    end_reads(session)
    return service.compute_plan(
        units,
        district_id,
        data,
        actor=who.username,
        now=utcnow(),
        time_limit_s=settings.allocation_time_limit_s,
        answer=service.plan_public,
        once=WriteOnce(key.request, key.key, who.username, payload_of(data)),
    )


@router.get("/districts/{district_id}/plans", response_model=list[schemas.PlanPublic])
def list_plans(district_id: Id, session: SessionDep, who: Reader) -> list[schemas.PlanPublic]:
    return [service.plan_public(session, p) for p in service.list_plans(session, district_id)]


@router.get("/plans/{plan_id}", response_model=schemas.PlanPublic)
def get_plan(plan_id: Id, session: SessionDep, who: Reader) -> schemas.PlanPublic:
    return service.plan_public(session, service.get_plan(session, plan_id))


def _plan_in_scope(session: SessionDep, who: PlanWriter, plan_id: int) -> None:
    areas.check_district(who, service.get_plan(session, plan_id).district_id)


@router.patch("/plans/{plan_id}/lines/{line_id}", response_model=schemas.PlanPublic)
def update_line(
    plan_id: Id,
    line_id: Id,
    data: schemas.LineUpdate,
    session: SessionDep,
    who: PlanWriter,
    key: KeyDep,
) -> JSONResponse:
    """Lock or unlock a line, or set its quantity (locks it); re-solve before approving."""
    _plan_in_scope(session, who, plan_id)
    return key.run(
        session,
        who.username,
        payload=payload_of(data),
        status_code=200,
        action=lambda: service.plan_public(
            session, service.update_line(session, plan_id, line_id, data)
        ),
    )


@router.post("/plans/{plan_id}/solve", response_model=schemas.PlanPublic)
@reads_only
def resolve_plan(
    plan_id: Id,
    session: SessionDep,
    units: UnitsDep,
    settings: SettingsDep,
    who: PlanWriter,
    key: KeyDep,
) -> JSONResponse:
    """Solve the draft again, keeping its locked lines. The solve holds no transaction; a
    draft changed meanwhile (a line locked or changed, another re-solve, an approval) is a
    409 and nothing is stored."""
    _plan_in_scope(session, who, plan_id)
    end_reads(session)
    return service.compute_resolve(
        units,
        plan_id,
        now=utcnow(),
        time_limit_s=settings.allocation_time_limit_s,
        answer=service.plan_public,
        once=WriteOnce(key.request, key.key, who.username, b"", status_code=200),
    )


@router.post("/plans/{plan_id}/approve", response_model=schemas.PlanPublic)
def approve_plan(
    plan_id: Id,
    session: SessionDep,
    who: PlanWriter,
    key: KeyDep,
    signer: LedgerSignerDep,
) -> JSONResponse:
    """Approve the draft: it becomes immutable and ready for routing and dispatch; every
    community it sends to gets a receiving depot (a distribution point where it has none),
    and each agreement line becomes a signed delivery order to its supplier."""
    _plan_in_scope(session, who, plan_id)
    return key.run(
        session,
        who.username,
        payload=b"",
        status_code=200,
        action=lambda: service.plan_public(
            session,
            dispatch.approve_plan(session, plan_id, signer, actor=who.username, now=utcnow()),
        ),
    )
