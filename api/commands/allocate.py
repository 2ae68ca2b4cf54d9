"""`relief allocate PROBLEM.json -o PLAN.json`: the allocation solver on its own.

Reads a problem document (optimizer/schemas/allocation-problem.schema.json), solves it and
writes the plan document (allocation-plan.schema.json) to PLAN.json or standard output.
A one-line summary goes to standard error. Exit status 2: the problem is not valid (every
mistake is listed); 1: the solver could not finish within its time limit.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from core.errors import InvalidInput
from core.settings import get_settings
from optimizer.allocation import AllocationNotSolved, Tier, solve
from optimizer.allocation.io import plan_to_json, problem_from_json


def allocate(
    problem: Path = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="Problem JSON document."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the plan here (default: standard output)."
    ),
    time_limit: float | None = typer.Option(
        None, "--time-limit", min=0.1, help="Seconds (default: RELIEF_ALLOCATION_TIME_LIMIT_S)."
    ),
) -> None:
    """Allocate supplies to communities: fair first, then cheap; explain each community."""
    limit = time_limit if time_limit is not None else get_settings().allocation_time_limit_s
    try:
        data = json.loads(problem.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        typer.echo(f"error: {problem.name} is not JSON: {exc}", err=True)
        raise typer.Exit(2) from exc
    try:
        plan = solve(problem_from_json(data), time_limit_s=limit)
    except InvalidInput as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        for p in exc.problems:
            where = ".".join(str(x) for x in p.loc)
            typer.echo(f"  {where}: {p.msg}", err=True)
        raise typer.Exit(2) from exc
    except AllocationNotSolved as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    text = json.dumps(plan_to_json(plan), ensure_ascii=False, indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
    typer.echo(
        f"delivered {plan.delivered:,} of {plan.demanded:,}; smallest priority fill "
        f"{plan.min_fill(Tier.PRIORITY):.1%}; {len(plan.shipments):,} shipments; "
        f"cost {plan.cost:,}; {plan.solve_seconds:.2f} s",
        err=True,
    )
