"""Read-only views of a forecast run: reserve levels per depot × item, and the fan chart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
from sqlmodel import Session

from core.errors import NotFound
from inventory import service as inventory
from optimizer.demand import fanchart, reserve
from optimizer.demand.fanchart import FanChart
from plans import forecasts
from plans.schemas import ReserveLevelPublic

CHART_HISTORY_DAYS = 90
NO_DEPOT = -1


def reserve_levels(
    session: Session, run_id: int, *, service_level: float
) -> list[ReserveLevelPublic]:
    """The stock each depot should hold of each item to cover the run's baseline at
    `service_level` plus the scenario's demand, and the gap to today's stock.

    A community's demand is reserved at its own community depot (the first by code); demand
    of communities without one, and of district-level series, at the district warehouse
    (the first by code). Demand with no such depot is reported with no depot."""
    found = forecasts.get_run(session, run_id)
    table = forecasts.rows(session, run_id)
    depots = [d for d in inventory.list_depots(session, found.district_id) if d.active]
    home: dict[int | None, int] = {}
    for d in sorted(depots, key=lambda d: d.code, reverse=True):
        if d.kind == "community_depot" and d.community_id is not None:
            home[d.community_id] = d.id or 0
    warehouse = next(
        (d.id for d in sorted(depots, key=lambda d: d.code) if d.kind == "district_warehouse"),
        None,
    )

    def depot_of(community_id: int | None) -> int:
        return home.get(community_id, warehouse if warehouse is not None else NO_DEPOT) or NO_DEPOT

    items = {i.id: i for i in inventory.list_items(session)}
    frame = pd.DataFrame(
        {
            "unique_id": [f"{r.community_id}/{r.item_id}" for r in table],
            "depot_id": [depot_of(r.community_id) for r in table],
            "item_code": [items[r.item_id].code for r in table],
            "yhat": [r.yhat for r in table],
            "yhat-lo-80": [r.lo_80 for r in table],
            "yhat-hi-80": [r.hi_80 for r in table],
            "yhat-lo-95": [r.lo_95 for r in table],
            "yhat-hi-95": [r.hi_95 for r in table],
            "demand": [r.scenario_demand for r in table],
        }
    )
    balances = inventory.list_balances(session, district_id=found.district_id)
    stock = pd.DataFrame(
        {
            "depot_id": [b.depot_id for b in balances],
            "item_code": [b.item_code for b in balances],
            "on_hand": [b.quantity for b in balances],
        }
    )
    levels = reserve.reserve_levels(
        frame,
        frame[["unique_id", "depot_id", "item_code"]].drop_duplicates(),
        stock,
        service_level=service_level,
        scenario_demand=frame[["depot_id", "item_code", "demand"]],
    )
    codes = {d.id: d.code for d in depots}
    ids = {i.code: i.id or 0 for i in items.values()}
    return [
        ReserveLevelPublic(
            depot_id=None if int(r["depot_id"]) == NO_DEPOT else int(r["depot_id"]),
            depot_code=codes.get(int(r["depot_id"])),
            item_id=ids[str(r["item_code"])],
            item_code=str(r["item_code"]),
            baseline=round(float(r["baseline"]), 3),
            scenario=round(float(r["scenario"]), 3),
            reserve=int(r["reserve"]),
            on_hand=int(r["on_hand"]),
            gap=int(r["gap"]),
            surplus=int(r["surplus"]),
        )
        for r in levels.to_dict("records")
    ]


def fan_chart(session: Session, run_id: int, *, community_id: int | None, item_id: int) -> FanChart:
    """The fan chart of one community × item of a run (`community_id` None: district level):
    the last 90 days of issues, the forecast with its 80/95 % bands, the scenario overlay."""
    found = forecasts.get_run(session, run_id)
    table = [
        r
        for r in forecasts.rows(session, run_id, item_id=item_id, community_id=community_id)
        if r.community_id == community_id
    ]
    if not table:
        raise NotFound("The forecast run has no series for this community and item.")
    item = inventory.get_item(session, item_id)
    since = datetime.combine(
        found.start - timedelta(days=CHART_HISTORY_DAYS), datetime.min.time(), UTC
    )
    issued = inventory.daily_issue_history(session, found.district_id, since=since)
    issued = issued[(issued["item_id"] == item_id) & (issued["ds"] < pd.Timestamp(found.start))]
    issued = issued[
        issued["community_id"].isna()
        if community_id is None
        else issued["community_id"] == community_id
    ]
    days = pd.date_range(pd.Timestamp(since.date()), periods=CHART_HISTORY_DAYS, freq="D")
    history = (
        issued.groupby("ds")["y"].sum().reindex(days, fill_value=0).rename_axis("ds").reset_index()
    )
    frame = pd.DataFrame(
        {
            "ds": [pd.Timestamp(r.ds) for r in table],
            "yhat": [r.yhat for r in table],
            "yhat-lo-80": [r.lo_80 for r in table],
            "yhat-hi-80": [r.hi_80 for r in table],
            "yhat-lo-95": [r.lo_95 for r in table],
            "yhat-hi-95": [r.hi_95 for r in table],
        }
    )
    overlay = pd.DataFrame({"ds": frame["ds"], "demand": [r.scenario_demand for r in table]})
    where = "district level" if community_id is None else _community_name(session, community_id)
    return fanchart.fan_chart(
        history,
        frame,
        scenario=overlay if overlay["demand"].any() else None,
        title=f"{item.code} — {where} (forecast run {run_id})",
        unit=item.base_unit,
    )


def _community_name(session: Session, community_id: int) -> str:
    community = inventory.get_community(session, community_id)
    return f"{community.code} {community.name_en}"
