"""Route sheets and maps of a trip, read from the database and drawn by `sheet`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from dispatch import routes, vehicles
from dispatch.models import Manifest
from dispatch.sheet import (
    Lang,
    RouteSheet,
    SheetLine,
    SheetPlace,
    SheetStop,
    render_html,
    render_svg,
)
from inventory import service as inventory


def route_sheet(session: Session, trip_id: int, *, lang: Lang) -> RouteSheet:
    """One trip's sheet data, with names in `lang` and the manifest's hash once dispatched."""
    trip = routes.get_trip(session, trip_id)
    vehicle = vehicles.get_vehicle(session, trip.vehicle_id)

    def name(entity: object) -> str:
        return str(getattr(entity, "name_zh" if lang == "zh" else "name_en"))

    lots = inventory.lot_numbers(session, [c["lot_id"] for s in trip.stops for c in s["lines"]])
    stops = []
    for number, s in enumerate(trip.stops, start=1):
        community = inventory.get_community(session, s["community_id"])
        depot = inventory.get_depot(session, s["depot_id"])
        lines = []
        for c in s["lines"]:
            item = inventory.get_item(session, c["item_id"])
            lines.append(
                SheetLine(item.code, name(item), lots[c["lot_id"]], c["quantity"], item.base_unit)
            )
        stops.append(
            SheetStop(
                number,
                name(community),
                f"{depot.code} {name(depot)}",
                datetime.fromisoformat(s["arrival_at"]),
                community.latitude,
                community.longitude,
                tuple(lines),
            )
        )
    start = inventory.get_depot(session, trip.source_depot_id)
    end = inventory.get_depot(session, trip.end_depot_id)
    sha = session.execute(
        select(col(Manifest.sha256)).where(col(Manifest.trip_id) == trip_id)
    ).scalar_one_or_none()
    return RouteSheet(
        vehicle=f"{vehicle.code} {vehicle.name}",
        trip=trip.trip,
        starts_at=trip.starts_at,
        ends_at=trip.ends_at,
        distance_m=trip.distance_m,
        start=SheetPlace(f"{start.code} {name(start)}", start.latitude, start.longitude),
        end=SheetPlace(f"{end.code} {name(end)}", end.latitude, end.longitude),
        stops=tuple(stops),
        manifest_sha256=sha,
    )


def sheet_html(session: Session, trip_id: int, *, lang: Lang, zone: str) -> str:
    return render_html(route_sheet(session, trip_id, lang=lang), lang=lang, zone=zone)


def map_svg(session: Session, trip_id: int) -> str:
    return render_svg(route_sheet(session, trip_id, lang="en"))
