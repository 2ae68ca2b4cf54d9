"""`relief alerts`: record the alerts (for cron) and list them."""

from __future__ import annotations

import typer
from rich.console import Console
from sqlmodel import Session

from alerts import service
from api.alerts_schedule import refresh_all
from core.clock import utcnow
from core.db import get_engine, session_scope
from core.errors import DomainError
from core.settings import get_settings
from inventory import service as inventory

app = typer.Typer(help="Alerts: record them (for cron), list them.", no_args_is_help=True)
console = Console()

DISTRICT = typer.Option(None, "--district", help="One district's id (default: every district).")


def _fail(error: DomainError) -> None:
    console.print(f"[red]{error.title}:[/red] {error.detail}")
    raise typer.Exit(2)


@app.command()
def refresh(district: int | None = DISTRICT) -> None:
    """Record the alerts now: open new ones, keep seen ones, resolve those that went away.
    Safe to run from cron at any interval, and alongside the server's own schedule."""
    settings = get_settings()
    engine = get_engine(settings.resolved_database_url)
    try:
        done = refresh_all(engine, settings, district_ids=None if district is None else [district])
    except DomainError as error:
        _fail(error)
    for r in done:
        console.print(
            f"district {r.district_id}: {len(r.alerts)} open alert(s) "
            f"({r.opened} new, {r.still_open} still open), {r.resolved} resolved"
        )
    if not done:
        console.print("no districts")


@app.command("list")
def list_alerts(
    district: int | None = DISTRICT,
    history: bool = typer.Option(
        False, "--history", help="The recorded alerts, open and resolved, instead."
    ),
    limit: int = typer.Option(100, min=1, max=service.MAX_HISTORY, help="With --history."),
) -> None:
    """The alerts as things stand (or, with --history, as recorded), most severe first."""
    settings = get_settings()
    cfg = service.config(settings)
    now = utcnow()
    try:
        with session_scope(get_engine(settings.resolved_database_url)) as session:
            ids = (
                [district]
                if district is not None
                else [d.id for d in inventory.list_districts(session) if d.id is not None]
            )
            for district_id in ids:
                if history:
                    _print_history(session, district_id, limit)
                else:
                    _print_current(service.current(session, district_id, now=now, cfg=cfg))
    except DomainError as error:
        _fail(error)


def _print_current(found: list[service.Current]) -> None:
    """One alert per line (cron mails and logs stay readable): severity, since, message,
    what to do and the page that does it."""
    for c in found:
        r = c.record
        since = f"since {r.first_seen_at:%Y-%m-%d %H:%M} UTC" if r else "not recorded yet"
        acked = f"; acknowledged by {r.acknowledged_by}" if r and r.acknowledged_by else ""
        console.print(
            f"[{c.alert.severity}] {c.alert.message} ({since}{acked})\n"
            f"    → {c.alert.action} {c.alert.link}",
            markup=False,
            soft_wrap=True,
        )
    counts = {s: sum(1 for c in found if c.alert.severity == s) for s in ("critical", "warning")}
    console.print(
        f"{len(found)} alert(s): {counts['critical']} critical, {counts['warning']} warning"
    )


def _print_history(session: Session, district_id: int, limit: int) -> None:
    rows = service.history(session, district_id, limit=limit)
    for r in rows:
        until = f"resolved {r.resolved_at:%Y-%m-%d %H:%M}" if r.resolved_at else "open"
        acked = f"; acknowledged by {r.acknowledged_by}" if r.acknowledged_by else ""
        console.print(
            f"#{r.id} [{r.severity}] {r.message} (first seen {r.first_seen_at:%Y-%m-%d %H:%M}, "
            f"last seen {r.last_seen_at:%Y-%m-%d %H:%M}, {until}{acked})",
            markup=False,
            soft_wrap=True,
        )
    console.print(f"district {district_id}: {len(rows)} recorded alert(s)")
