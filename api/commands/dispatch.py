"""`relief dispatch`: route an approved plan, approve (dispatch), overdue alerts, sheets."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from core.clock import utcnow
from core.db import get_engine, session_scope
from core.errors import DomainError
from core.settings import get_settings
from dispatch import service
from dispatch.schemas import RoutePlanPublic, RoutesCreate
from ledger import keys
from optimizer.routing.osrm import OsrmServer

app = typer.Typer(
    help="Dispatch: routes for an approved plan, approval, alerts, route sheets.",
    no_args_is_help=True,
)
console = Console()


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _fail(error: DomainError) -> None:
    console.print(f"[red]{error.title}:[/red] {error.detail}")
    for problem in error.problems[:50]:
        console.print(f"  {'.'.join(map(str, problem.loc))}: {problem.msg}")
    raise typer.Exit(2)


@app.command("route")
def route(
    plan_id: int = typer.Argument(..., help="An approved plan's id."),
    seed: int = typer.Option(0, min=0, help="Search seed."),
) -> None:
    """Route the plan's depot-sourced lines with the district's vehicles (a draft)."""
    settings = get_settings()
    try:
        with session_scope(get_engine(settings.resolved_database_url)) as session:
            row = service.create_routes(
                session,
                plan_id,
                RoutesCreate(seed=seed),
                actor=_actor(),
                now=utcnow(),
                time_limit_s=settings.routing_time_limit_s,
                osrm=OsrmServer(settings.osrm_url, settings.osrm_timeout_s)
                if settings.osrm_url
                else None,
            )
            _print_routes(service.routes_public(session, row))
    except DomainError as error:
        _fail(error)


@app.command("approve")
def approve(route_plan_id: int = typer.Argument(..., help="Route plan id.")) -> None:
    """Approve the routes: manifests, stock into transit, signed ledger entries."""
    settings = get_settings()
    signer = keys.load_or_create(settings.resolved_ledger_key_file, settings.ledger_origin)
    try:
        with session_scope(get_engine(settings.resolved_database_url)) as session:
            service.approve_routes(session, route_plan_id, signer, actor=_actor(), now=utcnow())
            for m in service.list_manifests(session, route_plan_id):
                console.print(f"manifest {m.id}: vehicle {m.vehicle_id}, sha256 {m.sha256}")
    except DomainError as error:
        _fail(error)


@app.command("dispatch-wave")
def dispatch_wave(
    route_plan_id: int = typer.Argument(..., help="Route plan id."),
    wave: int = typer.Argument(..., min=1, help="The wave to dispatch (wave 1 goes on approval)."),
) -> None:
    """Dispatch a later wave of approved routes: manifests, stock into transit, ledger."""
    settings = get_settings()
    signer = keys.load_or_create(settings.resolved_ledger_key_file, settings.ledger_origin)
    try:
        with session_scope(get_engine(settings.resolved_database_url)) as session:
            made = service.dispatch_wave(
                session, route_plan_id, wave, signer, actor=_actor(), now=utcnow()
            )
            for m in made:
                console.print(f"manifest {m.id}: vehicle {m.vehicle_id}, sha256 {m.sha256}")
    except DomainError as error:
        _fail(error)


@app.command("alerts")
def alerts(
    district_id: int = typer.Argument(..., help="District id."),
    grace_minutes: int = typer.Option(service.DEFAULT_GRACE_MINUTES, min=0),
) -> None:
    """Manifests not received by their expected time plus the grace period (exit 1 if any)."""
    settings = get_settings()
    with session_scope(get_engine(settings.resolved_database_url)) as session:
        found = service.overdue(session, district_id, now=utcnow(), grace_minutes=grace_minutes)
    for a in found:
        console.print(
            f"manifest {a.manifest_id}: {a.overdue_minutes} min overdue, "
            f"{a.open_lines} open line(s) for depots {a.destination_depot_ids}"
        )
    if found:
        raise typer.Exit(1)
    console.print("nothing overdue")


@app.command("sheet")
def sheet(
    trip_id: int = typer.Argument(..., help="Trip id."),
    out: Path = typer.Option(Path("route-sheet.html"), help="HTML file to write."),
    lang: str = typer.Option("zh", help="zh or en."),
    tz: str = typer.Option("UTC", help="IANA time zone for the times shown."),
    map_out: Path | None = typer.Option(None, "--map", help="Also write the route map (SVG)."),
) -> None:
    """Write a trip's printable route sheet (and map)."""
    if lang not in ("zh", "en"):
        console.print("[red]--lang is zh or en[/red]")
        raise typer.Exit(2)
    settings = get_settings()
    try:
        with session_scope(get_engine(settings.resolved_database_url)) as session:
            html = service.sheet_html(
                session, trip_id, lang="zh" if lang == "zh" else "en", zone=tz
            )
            svg = service.map_svg(session, trip_id) if map_out else None
    except DomainError as error:
        _fail(error)
    out.write_text(html, encoding="utf-8")
    console.print(f"route sheet written to {out}")
    if map_out and svg:
        map_out.write_text(svg, encoding="utf-8")
        console.print(f"route map written to {map_out}")


def _print_routes(routes: RoutePlanPublic) -> None:
    s = routes.summary
    console.print(
        f"Routes {routes.id} for plan {routes.plan_id} ({routes.status}): {s['trips']} trip(s), "
        f"{s['stops']} stop(s), {s['distance_m'] / 1000:.1f} km; travel: {routes.travel_source}"
    )
    for f in routes.travel_fallbacks:
        console.print(f"  {f.source} not used: {f.reason}")
    table = Table("trip", "vehicle", "stop", "community", "arrival", "kg")
    for t in routes.trips:
        for n, stop in enumerate(t.stops, start=1):
            arrival = stop.arrival_at.strftime("%H:%M")
            table.add_row(
                str(t.id), str(t.vehicle_id), str(n), str(stop.community_id), arrival,
                f"{stop.weight_g / 1000:,.0f}",
            )  # fmt: skip
    console.print(table)
    for x in routes.left_out:
        console.print(f"  left out: community {x.community_id} from depot {x.source_depot_id}: "
                      f"{x.reason} ({x.detail})")  # fmt: skip
