"""`relief route`: the routing solver on standard benchmark instances.

`relief route solve INSTANCE` reads a CVRPLIB `.vrp`, an LKH-3 `.vrptw` or a Solomon `.txt`
file and prints the best plan in the CVRPLIB solution format (`Route #k: ...` lines, then
`Cost N`), under the instance's own distance convention, so the cost can be compared with
published best-known solutions.

`relief route matrix import DISTRICT FILE` stores a district's travel table from a
`from,to,distance_m[,duration_s]` CSV (refused whole, every problem listed, when any row is
wrong); `relief route matrix export DISTRICT FILE` writes it back; `relief route matrix
delete DISTRICT` removes it. DISTRICT is the district's code (or id).
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import NoReturn

import typer
from sqlmodel import Session

from core.clock import utcnow
from core.db import get_engine, session_scope
from core.errors import DomainError, InvalidInput
from core.settings import get_settings
from dispatch import service as dispatch
from inventory import service as inventory
from optimizer.routing.formats import customer_routes, format_solution, read_instance
from optimizer.routing.solver import solve as solve_routes

app = typer.Typer(help="Vehicle routing.", no_args_is_help=True)
matrix_app = typer.Typer(help="A district's travel table (CSV).", no_args_is_help=True)
app.add_typer(matrix_app, name="matrix")


@app.command()
def solve(
    instance: Path = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="A .vrp, .vrptw or Solomon .txt file."
    ),
    time_limit: float | None = typer.Option(
        None, "--time-limit", min=0.1, help="Seconds (default: RELIEF_ROUTING_TIME_LIMIT_S)."
    ),
    seed: int = typer.Option(1, help="Random seed; worker i uses seed + i."),
    workers: int = typer.Option(
        min(2, os.cpu_count() or 1), min=1, help="Parallel search processes."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="Also write the .sol here."),
) -> None:
    """Solve INSTANCE and print the solution in CVRPLIB format."""
    limit = time_limit if time_limit is not None else get_settings().routing_time_limit_s
    try:
        bench = read_instance(instance)
    except InvalidInput as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(2) from exc
    result = solve_routes(bench.to_problem(), seed=seed, time_limit_s=limit, workers=workers)
    if result.unserved:
        left = ", ".join(str(u.stop + 1) for u in result.unserved)
        typer.echo(f"error: no complete solution found; customers left out: {left}", err=True)
        raise typer.Exit(1)
    text = format_solution(bench, customer_routes(result))
    typer.echo(text, nl=False)
    if output is not None:
        output.write_text(text)


@matrix_app.callback()
def _current_schema() -> None:
    """The travel table lives in the database: refuse an unreachable or older one."""
    from sqlalchemy.exc import OperationalError

    import migrations

    try:
        behind = migrations.behind(get_settings().resolved_database_url)
    except OperationalError as exc:
        typer.echo(f"Cannot reach the database: {str(exc.orig).strip()}", err=True)
        raise typer.Exit(2) from exc
    if behind:
        typer.echo(
            "The database is not at the newest schema: run `relief db upgrade` first.", err=True
        )
        raise typer.Exit(2)


def _district_id(session: Session, district: str) -> int:
    for d in inventory.list_districts(session):
        if d.code == district or (district.isdigit() and d.id == int(district)):
            return d.id or 0
    known = ", ".join(d.code for d in inventory.list_districts(session)) or "none"
    raise InvalidInput(f"No district {district!r} (known: {known}).")


def _fail(error: DomainError) -> NoReturn:
    typer.echo(f"error: {error.detail}", err=True)
    for p in error.problems[:50]:
        where = f"line {p.line}" if p.line is not None else ".".join(map(str, p.loc))
        column = f", {p.column}" if p.column else ""
        typer.echo(f"  {where}{column}: {p.msg}", err=True)
    if len(error.problems) > 50:
        typer.echo(f"  ... and {len(error.problems) - 50} more", err=True)
    raise typer.Exit(2)


@matrix_app.command("import")
def matrix_import(
    district: str = typer.Argument(..., help="District code (or id)."),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="CSV."),
) -> None:
    """Replace DISTRICT's travel table with FILE (from,to,distance_m[,duration_s])."""
    settings = get_settings()
    data = file.read_bytes()
    if len(data) > settings.import_max_bytes:
        typer.echo(f"error: the file is larger than {settings.import_max_bytes} bytes", err=True)
        raise typer.Exit(2)
    try:
        with session_scope(get_engine(settings.resolved_database_url)) as session:
            stored = dispatch.import_travel_matrix(
                session,
                _district_id(session, district),
                data,
                actor=f"cli:{getpass.getuser()}",
                now=utcnow(),
            )
    except DomainError as error:
        _fail(error)
    timed = "with" if stored.has_durations else "without"
    typer.echo(
        f"travel table stored: {len(stored.places)} places, {stored.pairs} pairs, {timed} durations"
    )


@matrix_app.command("export")
def matrix_export(
    district: str = typer.Argument(..., help="District code (or id)."),
    file: Path = typer.Argument(..., dir_okay=False, help="CSV to write."),
) -> None:
    """Write DISTRICT's travel table to FILE as CSV."""
    settings = get_settings()
    try:
        with session_scope(get_engine(settings.resolved_database_url)) as session:
            text = dispatch.export_travel_matrix(session, _district_id(session, district))
    except DomainError as error:
        _fail(error)
    file.write_text(text, encoding="utf-8")
    typer.echo(f"travel table written to {file}")


@matrix_app.command("delete")
def matrix_delete(district: str = typer.Argument(..., help="District code (or id).")) -> None:
    """Remove DISTRICT's travel table (routing falls back to OSRM or the estimate)."""
    settings = get_settings()
    try:
        with session_scope(get_engine(settings.resolved_database_url)) as session:
            dispatch.remove_travel_matrix(session, _district_id(session, district))
    except DomainError as error:
        _fail(error)
    typer.echo("travel table removed")
