"""Distribution points and what they hand out (发放点, 发放登记)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from accounts import areas
from api.deps import SessionDep
from api.security.deps import Reader, RegistryWriter, StockWriter
from api.writes import KeyDep, payload_of
from core.inputs import Id
from inventory import schemas, service
from inventory.models import Depot

router = APIRouter(tags=["distribution"])

Limit = Annotated[int, Query(ge=1, le=1000)]


@router.post(
    "/communities/{community_id}/distribution-points",
    response_model=schemas.DepotPublic,
    status_code=201,
)
def create_point(
    community_id: Id,
    data: schemas.PointCreate,
    session: SessionDep,
    who: RegistryWriter,
    key: KeyDep,
) -> JSONResponse:
    """Register a distribution point of a community (village committee, school, shelter)."""
    areas.check_district(who, service.get_community(session, community_id).district_id)
    return key.run(
        session,
        who.username,
        payload=payload_of(data),
        action=lambda: schemas.DepotPublic.model_validate(
            service.create_point(session, community_id, data)
        ),
    )


@router.get("/districts/{district_id}/receiving-depots", response_model=list[schemas.DepotPublic])
def receiving_depots(district_id: Id, session: SessionDep, who: Reader) -> Sequence[Depot]:
    """Where each community receives: community depots and distribution points."""
    service.get_district(session, district_id)
    return service.list_points(session, district_id)


@router.post("/distributions", response_model=schemas.DistributionPublic, status_code=201)
def record_distribution(
    data: schemas.DistributionCreate,
    session: SessionDep,
    who: StockWriter,
    key: KeyDep,
) -> JSONResponse:
    """Record supplies handed out to residents; the stock leaves the depot's books."""
    areas.check_depot(session, who, data.depot_id)
    return key.run(
        session,
        who.username,
        payload=payload_of(data),
        action=lambda: service.record_distribution(session, data, actor=who.username),
    )


@router.get("/distributions", response_model=list[schemas.DistributionPublic])
def list_distributions(
    session: SessionDep, who: Reader, depot_id: Id, limit: Limit = 200
) -> list[schemas.DistributionPublic]:
    """A receiving depot's distributions, newest first (a community worker: their own)."""
    areas.check_depot_read(session, who, depot_id)
    return service.list_distributions(session, depot_ids=[depot_id], limit=limit)
