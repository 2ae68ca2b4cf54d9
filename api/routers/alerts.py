"""Alert routes: a district's alerts now, refreshing their record, acknowledging one.

Reading evaluates the rules at that moment (and records nothing); `refresh` records them;
see `alerts.service`. Evaluation reads a whole district, so every route here is
a plain `def` (FastAPI runs it in a worker thread).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from accounts import areas
from alerts import schemas, service
from alerts.models import AlertRecord
from api.deps import SessionDep, SettingsDep
from api.security.deps import PlanWriter, Reader
from api.writes import KeyDep
from core.clock import utcnow
from core.inputs import Id

router = APIRouter(tags=["alerts"])


@router.get("/districts/{district_id}/alerts", response_model=list[schemas.AlertPublic])
def list_alerts(
    district_id: Id, session: SessionDep, settings: SettingsDep, who: Reader
) -> list[schemas.AlertPublic]:
    """The district's alerts as things stand, most severe first, with since when each has
    been recorded (null: not recorded by a refresh yet)."""
    areas.check_district_read(session, who, district_id)
    found = service.current(session, district_id, now=utcnow(), cfg=service.config(settings))
    return [service.public(c) for c in found]


@router.get(
    "/districts/{district_id}/alerts/history", response_model=list[schemas.AlertRecordPublic]
)
def alert_history(
    district_id: Id,
    session: SessionDep,
    who: Reader,
    limit: Annotated[int, Query(ge=1, le=service.MAX_HISTORY)] = 100,
) -> Sequence[AlertRecord]:
    """The district's recorded alerts, open and resolved, most recently seen first."""
    areas.check_district_read(session, who, district_id)
    return service.history(session, district_id, limit=limit)


@router.post("/districts/{district_id}/alerts/refresh", response_model=schemas.RefreshPublic)
def refresh_alerts(
    district_id: Id,
    session: SessionDep,
    settings: SettingsDep,
    who: PlanWriter,
    key: KeyDep,
) -> JSONResponse:
    """Record the district's alerts now: new ones open, gone ones are resolved."""
    areas.check_district_read(session, who, district_id)
    areas.check_district(who, district_id)
    cfg = service.config(settings)
    return key.run(
        session,
        who.username,
        payload=b"",
        status_code=200,
        action=lambda: service.refresh(session, district_id, now=utcnow(), cfg=cfg).public(),
    )


@router.post("/alerts/{alert_id}/acknowledge", response_model=schemas.AlertRecordPublic)
def acknowledge(
    alert_id: Id,
    session: SessionDep,
    who: PlanWriter,
    key: KeyDep,
) -> JSONResponse:
    """Acknowledge an open alert: the coordinator has seen it and is on it."""
    areas.check_district(who, service.get(session, alert_id).district_id)
    return key.run(
        session,
        who.username,
        payload=b"",
        status_code=200,
        action=lambda: schemas.AlertRecordPublic.model_validate(
            service.acknowledge(session, alert_id, actor=who.username, now=utcnow())
        ),
    )
