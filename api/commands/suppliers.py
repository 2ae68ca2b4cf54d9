"""`relief suppliers`: the expiry sweep and the procurement alerts."""

from __future__ import annotations

import getpass

import typer
from rich.console import Console

from core.clock import utcnow
from core.db import get_engine, session_scope
from core.settings import get_settings
from ledger import keys
from suppliers import service

app = typer.Typer(help="Suppliers: expiry sweep, alerts.", no_args_is_help=True)
console = Console()


@app.command()
def sweep() -> None:
    """Record 'expired' (signed into the ledger) for every qualified supplier whose
    required document lapsed. Safe to run daily: a supplier is expired once."""
    settings = get_settings()
    signer = keys.load_or_create(settings.resolved_ledger_key_file, settings.ledger_origin)
    with session_scope(get_engine(settings.resolved_database_url)) as session:
        done = service.sweep(session, signer, actor=f"cli:{getpass.getuser()}")
        for d in done:
            console.print(f"supplier {d.supplier_id}: expired ({d.reason}); ledger #{d.ledger_seq}")
    console.print(f"{len(done)} supplier(s) expired")


@app.command()
def alerts(
    within_days: int = typer.Option(30, min=0, help="Look this many days ahead."),
) -> None:
    """Documents and agreements expiring soon; reserves whose spot check is overdue."""
    settings = get_settings()
    with session_scope(get_engine(settings.resolved_database_url)) as session:
        found = service.alerts(session, today=utcnow().date(), within_days=within_days)
    for doc in found.documents_expiring:
        console.print(
            f"document {doc.kind} {doc.number} of {doc.supplier_name}: "
            f"ends {doc.valid_until} ({doc.days_left} days)"
        )
    for c in found.contracts_expiring:
        console.print(f"agreement {c.number}: ends {c.valid_until} ({c.days_left} days)")
    for s in found.spot_checks_overdue:
        console.print(f"agreement {s.number}: spot check due {s.due_on} ({s.days_overdue} overdue)")
    total = (
        len(found.documents_expiring)
        + len(found.contracts_expiring)
        + len(found.spot_checks_overdue)
    )
    console.print(f"{total} alert(s)")
