"""`relief stock`: spreadsheet import and export, and the journal's self-check."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Literal

import typer
from rich.console import Console

from core.db import get_engine, session_scope
from core.errors import DomainError
from core.settings import get_settings
from inventory import service
from ledger import keys

app = typer.Typer(help="Stock: import, export, check.", no_args_is_help=True)
console = Console()


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _fail(error: DomainError) -> None:
    console.print(f"[red]{error.title}:[/red] {error.detail}")
    for problem in error.problems[:200]:
        where = f"line {problem.line}, " if problem.line else ""
        console.print(
            f"  {where}{problem.column or '.'.join(map(str, problem.loc))}: {problem.msg}"
        )
    raise typer.Exit(2)


@app.command("import")
def import_file(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV or XLSX file."),
    count: bool = typer.Option(False, "--count", help="The file is a stock count sheet."),
) -> None:
    """Import a movement file (or, with --count, a count sheet): all rows or none."""
    settings = get_settings()
    engine = get_engine(settings.resolved_database_url)
    data = file.read_bytes()
    run = service.import_count if count else service.import_movements
    signer = keys.load_or_create(settings.resolved_ledger_key_file, settings.ledger_origin)
    try:
        with session_scope(engine) as session:
            result = run(
                session,
                data,
                file.name,
                actor=_actor(),
                max_rows=settings.import_max_rows,
                signer=signer,
            )
    except DomainError as error:
        _fail(error)
    console.print(f"[green]imported {result.rows} rows as {result.movements} movements[/green]")


@app.command("export")
def export_file(
    file: Path = typer.Argument(..., dir_okay=False, help="Where to write (.csv or .xlsx)."),
    district_id: int | None = typer.Option(None, help="Only this district."),
) -> None:
    """Export stock by depot, item and lot, with an HXL hashtag row."""
    fmt: Literal["csv", "xlsx"] = "xlsx" if file.suffix.lower() == ".xlsx" else "csv"
    engine = get_engine(get_settings().resolved_database_url)
    with session_scope(engine) as session:
        file.write_bytes(service.export_stock(session, fmt=fmt, district_id=district_id))
    console.print(f"[green]wrote {file}[/green]")


@app.command("check")
def check(
    repair: bool = typer.Option(False, help="Rebuild wrong balances from the journal."),
) -> None:
    """Check that every balance equals the sum of its journal lines."""
    engine = get_engine(get_settings().resolved_database_url)
    with session_scope(engine) as session:
        wrong = service.journal_discrepancies(session)
        if wrong and repair:
            service.rebuild_balances(session)
    if not wrong:
        console.print("[green]every balance equals its journal[/green]")
        return
    for depot_id, lot_id, balance, total in wrong[:50]:
        console.print(f"depot {depot_id} lot {lot_id}: balance {balance}, journal {total}")
    if not repair:
        raise typer.Exit(1)
    console.print(f"[yellow]rebuilt {len(wrong)} balance(s) from the journal[/yellow]")
