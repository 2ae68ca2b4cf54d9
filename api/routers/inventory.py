"""Inventory routes: registry, movements, counts, spreadsheets and district views."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import JSONResponse, Response

from accounts import areas
from api.deps import SessionDep, SettingsDep
from api.routers.ledger import LedgerSignerDep
from api.security import personal
from api.security.deps import DistrictCreator, Reader, RegistryWriter, StockWriter
from api.writes import KeyDep, payload_of, read_upload
from core.inputs import ID_MAX, Id
from inventory import schemas, service
from inventory.models import Depot, District, Item, Movement

router = APIRouter(tags=["inventory"])

Limit = Annotated[int, Query(ge=1, le=1000)]


# --- registry -----------------------------------------------------------------------------


@router.post("/districts", response_model=schemas.DistrictPublic, status_code=201)
def create_district(
    data: schemas.DistrictCreate,
    session: SessionDep,
    who: DistrictCreator,
    key: KeyDep,
) -> JSONResponse:
    return key.run(
        session,
        who.username,
        payload=payload_of(data),
        action=lambda: schemas.DistrictPublic.model_validate(
            service.create_district(session, data)
        ),
    )


@router.get("/districts", response_model=list[schemas.DistrictPublic])
def list_districts(session: SessionDep, who: Reader) -> Sequence[District]:
    return service.list_districts(session)


@router.post("/communities", response_model=schemas.CommunityPublic, status_code=201)
def create_community(
    data: schemas.CommunityCreate,
    session: SessionDep,
    who: RegistryWriter,
    key: KeyDep,
    log: personal.ServedLogDep,
) -> JSONResponse:
    areas.check_district(who, data.district_id)
    return key.run(
        session,
        who.username,
        payload=payload_of(data),
        action=lambda: personal.communities_public(
            session, who, [service.create_community(session, data)], log
        )[0],
    )


@router.get("/communities", response_model=list[schemas.CommunityPublic])
def list_communities(
    session: SessionDep, who: Reader, log: personal.ServedLogDep, district_id: Id | None = None
) -> list[schemas.CommunityPublic]:
    """The communities; each one's vulnerable groups only for those whose work needs them."""
    return personal.communities_public(
        session, who, service.list_communities(session, district_id), log
    )


@router.post("/depots", response_model=schemas.DepotPublic, status_code=201)
def create_depot(
    data: schemas.DepotCreate,
    session: SessionDep,
    who: RegistryWriter,
    key: KeyDep,
) -> JSONResponse:
    areas.check_district(who, data.district_id)
    return key.run(
        session,
        who.username,
        payload=payload_of(data),
        action=lambda: schemas.DepotPublic.model_validate(service.create_depot(session, data)),
    )


@router.get("/depots", response_model=list[schemas.DepotPublic])
def list_depots(session: SessionDep, who: Reader, district_id: Id | None = None) -> Sequence[Depot]:
    return service.list_depots(session, district_id)


@router.get("/depots/{depot_id}", response_model=schemas.DepotPublic)
def get_depot(depot_id: Id, session: SessionDep, who: Reader) -> Depot:
    return service.get_depot(session, depot_id)


@router.put("/depots/{depot_id}/reorder-levels", response_model=list[schemas.ReorderLevelPublic])
def set_reorder_levels(
    depot_id: Id,
    levels: list[schemas.ReorderLevelSet],
    session: SessionDep,
    who: RegistryWriter,
    key: KeyDep,
) -> JSONResponse:
    areas.check_depot(session, who, depot_id)
    return key.run(
        session,
        who.username,
        payload=payload_of(levels),
        action=lambda: [
            schemas.ReorderLevelPublic.model_validate(row)
            for row in service.set_reorder_levels(session, depot_id, levels)
        ],
        status_code=200,
    )


@router.post("/items", response_model=schemas.ItemPublic, status_code=201)
def create_item(
    data: schemas.ItemCreate,
    session: SessionDep,
    who: RegistryWriter,
    key: KeyDep,
) -> JSONResponse:
    return key.run(
        session,
        who.username,
        payload=payload_of(data),
        action=lambda: schemas.ItemPublic.model_validate(service.create_item(session, data)),
    )


@router.get("/items", response_model=list[schemas.ItemPublic])
def list_items(
    session: SessionDep, who: Reader, category: schemas.Category | None = None
) -> Sequence[Item]:
    return service.list_items(session, category)


@router.get("/items/{item_id}", response_model=schemas.ItemPublic)
def get_item(item_id: Id, session: SessionDep, who: Reader) -> Item:
    return service.get_item(session, item_id)


# --- movements ----------------------------------------------------------------------------


@router.post("/movements/receipts", response_model=schemas.ActionResult, status_code=201)
def receive(
    data: schemas.ReceiptCreate,
    session: SessionDep,
    who: StockWriter,
    key: KeyDep,
) -> JSONResponse:
    areas.check_depot(session, who, data.depot_id)
    return key.run(
        session,
        who.username,
        payload=payload_of(data),
        action=lambda: service.receive(session, data, actor=who.username),
    )


@router.post("/movements/issues", response_model=schemas.ActionResult, status_code=201)
def issue(
    data: schemas.IssueCreate,
    session: SessionDep,
    who: StockWriter,
    key: KeyDep,
) -> JSONResponse:
    areas.check_depot(session, who, data.depot_id)
    return key.run(
        session,
        who.username,
        payload=payload_of(data),
        action=lambda: service.issue(session, data, actor=who.username),
    )


@router.post("/movements/transfers", response_model=schemas.ActionResult, status_code=201)
def transfer(
    data: schemas.TransferCreate,
    session: SessionDep,
    who: StockWriter,
    key: KeyDep,
) -> JSONResponse:
    areas.check_depot(session, who, data.from_depot_id)
    return key.run(
        session,
        who.username,
        payload=payload_of(data),
        action=lambda: service.transfer(session, data, actor=who.username),
    )


@router.post("/movements/write-offs", response_model=schemas.ActionResult, status_code=201)
def write_off(
    data: schemas.WriteOffCreate,
    session: SessionDep,
    who: StockWriter,
    key: KeyDep,
    signer: LedgerSignerDep,
) -> JSONResponse:
    areas.check_depot(session, who, data.depot_id)
    return key.run(
        session,
        who.username,
        payload=payload_of(data),
        action=lambda: service.write_off(session, data, actor=who.username, signer=signer),
    )


@router.post(
    "/movements/{movement_id}/reversal", response_model=schemas.ActionResult, status_code=201
)
def reverse(
    movement_id: Id,
    data: schemas.ReversalCreate,
    session: SessionDep,
    who: StockWriter,
    key: KeyDep,
) -> JSONResponse:
    areas.check_depot(session, who, service.get_movement(session, movement_id).depot_id)
    return key.run(
        session,
        who.username,
        payload=payload_of(data),
        action=lambda: service.reverse_movement(
            session,
            movement_id,
            data,
            actor=who.username,
            allowed_depots=areas.allowed_depots(session, who),
        ),
    )


@router.get("/movements", response_model=list[schemas.MovementPublic])
def list_movements(
    session: SessionDep,
    who: Reader,
    depot_id: Id | None = None,
    item_id: Id | None = None,
    action_id: str | None = None,
    after_id: Annotated[int, Query(ge=0, le=ID_MAX)] = 0,
    limit: Limit = 100,
) -> Sequence[Movement]:
    return service.list_movements(
        session,
        depot_id=depot_id,
        item_id=item_id,
        action_id=action_id,
        after_id=after_id,
        limit=limit,
    )


@router.get("/stock", response_model=list[schemas.BalancePublic])
def list_stock(
    session: SessionDep,
    who: Reader,
    depot_id: Id | None = None,
    item_id: Id | None = None,
    district_id: Id | None = None,
) -> list[schemas.BalancePublic]:
    return service.list_balances(
        session,
        depot_ids=[depot_id] if depot_id is not None else None,
        item_id=item_id,
        district_id=district_id,
    )


# --- counts -------------------------------------------------------------------------------


@router.post("/counts", response_model=schemas.CountPublic, status_code=201)
def start_count(
    data: schemas.CountCreate,
    session: SessionDep,
    who: StockWriter,
    key: KeyDep,
) -> JSONResponse:
    areas.check_depot(session, who, data.depot_id)
    return key.run(
        session,
        who.username,
        payload=payload_of(data),
        action=lambda: service.start_count(session, data, actor=who.username),
    )


@router.get("/counts/{count_id}", response_model=schemas.CountPublic)
def view_count(count_id: Id, session: SessionDep, who: Reader) -> schemas.CountPublic:
    return service.view_count(session, count_id)


@router.put("/counts/{count_id}/lines", response_model=schemas.CountPublic)
def enter_count_lines(
    count_id: Id,
    data: schemas.CountLinesEnter,
    session: SessionDep,
    who: StockWriter,
    key: KeyDep,
) -> JSONResponse:
    areas.check_depot(session, who, service.view_count(session, count_id).depot_id)
    return key.run(
        session,
        who.username,
        payload=payload_of(data),
        action=lambda: service.enter_count_lines(session, count_id, data.lines, actor=who.username),
        status_code=200,
    )


@router.post("/counts/{count_id}/post", response_model=schemas.CountPublic)
def post_count(
    count_id: Id,
    session: SessionDep,
    who: StockWriter,
    key: KeyDep,
    signer: LedgerSignerDep,
) -> JSONResponse:
    areas.check_depot(session, who, service.view_count(session, count_id).depot_id)
    return key.run(
        session,
        who.username,
        payload=b"",
        action=lambda: service.post_count(session, count_id, actor=who.username, signer=signer)[0],
        status_code=200,
    )


@router.post("/counts/{count_id}/cancel", response_model=schemas.CountPublic)
def cancel_count(
    count_id: Id,
    session: SessionDep,
    who: StockWriter,
    key: KeyDep,
) -> JSONResponse:
    areas.check_depot(session, who, service.view_count(session, count_id).depot_id)
    return key.run(
        session,
        who.username,
        payload=b"",
        action=lambda: service.cancel_count(session, count_id, actor=who.username),
        status_code=200,
    )


# --- spreadsheets -------------------------------------------------------------------------


@router.post("/imports/movements", response_model=schemas.ImportResult, status_code=201)
async def import_movements(
    session: SessionDep,
    settings: SettingsDep,
    who: StockWriter,
    key: KeyDep,
    signer: LedgerSignerDep,
    file: Annotated[UploadFile, File(description="CSV or XLSX; columns in the README")],
) -> JSONResponse:
    data = await read_upload(file, settings.import_max_bytes)
    return await _run_in_thread(
        lambda: key.run(
            session,
            who.username,
            payload=data,
            action=lambda: service.import_movements(
                session,
                data,
                file.filename or "upload.csv",
                actor=who.username,
                max_rows=settings.import_max_rows,
                signer=signer,
                allowed_depots=areas.allowed_depots(session, who),
            ),
        )
    )


@router.post("/imports/counts", response_model=schemas.ImportResult, status_code=201)
async def import_count(
    session: SessionDep,
    settings: SettingsDep,
    who: StockWriter,
    key: KeyDep,
    signer: LedgerSignerDep,
    file: Annotated[UploadFile, File(description="CSV or XLSX count sheet")],
) -> JSONResponse:
    data = await read_upload(file, settings.import_max_bytes)
    return await _run_in_thread(
        lambda: key.run(
            session,
            who.username,
            payload=data,
            action=lambda: service.import_count(
                session,
                data,
                file.filename or "count.csv",
                actor=who.username,
                max_rows=settings.import_max_rows,
                signer=signer,
                allowed_depots=areas.allowed_depots(session, who),
            ),
        )
    )


async def _run_in_thread(work: Callable[[], JSONResponse]) -> JSONResponse:
    from starlette.concurrency import run_in_threadpool

    result: JSONResponse = await run_in_threadpool(work)
    return result


@router.get("/exports/stock", response_class=Response)
def export_stock(
    session: SessionDep,
    who: Reader,
    fmt: Annotated[Literal["csv", "xlsx"], Query(alias="format")] = "csv",
    district_id: Id | None = None,
    depot_id: Id | None = None,
) -> Response:
    data = service.export_stock(
        session,
        fmt=fmt,
        district_id=district_id,
        depot_ids=[depot_id] if depot_id is not None else None,
    )
    media = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    )
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="stock.{fmt}"'},
    )


# --- district views -----------------------------------------------------------------------


@router.get(
    "/districts/{district_id}/stock-by-community", response_model=list[schemas.CommunityStock]
)
def stock_by_community(
    district_id: Id, session: SessionDep, who: Reader
) -> list[schemas.CommunityStock]:
    return service.stock_by_community(session, district_id)


@router.get("/districts/{district_id}/days-of-supply", response_model=list[schemas.DaysOfSupply])
def days_of_supply(
    district_id: Id,
    session: SessionDep,
    who: Reader,
    window_days: Annotated[int, Query(ge=1, le=3650)] = 30,
) -> list[schemas.DaysOfSupply]:
    return service.supply_days(session, district_id, window_days=window_days)


@router.get("/districts/{district_id}/expiring-lots", response_model=list[schemas.ExpiringLot])
def expiring_lots(
    district_id: Id,
    session: SessionDep,
    who: Reader,
    within_days: Annotated[int, Query(ge=0, le=3650)] = 30,
) -> list[schemas.ExpiringLot]:
    return service.expiring(session, district_id, within_days=within_days)


@router.get("/districts/{district_id}/below-reorder", response_model=list[schemas.BelowReorder])
def below_reorder(district_id: Id, session: SessionDep, who: Reader) -> list[schemas.BelowReorder]:
    return service.below_reorder(session, district_id)
