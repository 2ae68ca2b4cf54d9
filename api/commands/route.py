"""`relief route`: the routing solver on standard benchmark instances.

`relief route solve INSTANCE` reads a CVRPLIB `.vrp`, an LKH-3 `.vrptw` or a Solomon `.txt`
file and prints the best plan in the CVRPLIB solution format (`Route #k: ...` lines, then
`Cost N`), under the instance's own distance convention, so the cost can be compared with
published best-known solutions.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

from core.errors import InvalidInput
from core.settings import get_settings
from optimizer.routing.formats import customer_routes, format_solution, read_instance
from optimizer.routing.solver import solve as solve_routes

app = typer.Typer(help="Vehicle routing.", no_args_is_help=True)


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
