"""`relief access-log`: who was shown personal data, from the database itself."""

from __future__ import annotations

from datetime import UTC, datetime

import typer
from rich.console import Console

from accounts import access_log as log
from accounts.models import PERSONAL_KINDS
from core.db import get_engine, reading, session_scope
from core.settings import get_settings

console = Console()


def access_log(
    user: str | None = typer.Option(None, "--user", help="Only this username."),
    kind: str | None = typer.Option(
        None, "--kind", help="Only community_groups or supplier_contacts."
    ),
    since: datetime | None = typer.Option(
        None, "--since", formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M"], help="From this UTC time on."
    ),
    limit: int = typer.Option(100, min=1, max=log.MAX_PAGE, help="At most this many entries."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """Who was shown residents' vulnerable-group counts or suppliers' contacts, newest first:
    when, who (and their role then), what, which records, through which route, from where."""
    if kind is not None and kind not in PERSONAL_KINDS:
        console.print(f"[red]--kind is one of {', '.join(PERSONAL_KINDS)}[/red]")
        raise typer.Exit(2)
    engine = get_engine(get_settings().resolved_database_url)
    with session_scope(reading(engine)) as session:
        page = log.search(
            session,
            username=user,
            kind=kind,  # type: ignore[arg-type]  # checked against PERSONAL_KINDS
            since=since.replace(tzinfo=UTC) if since else None,
            limit=limit,
        )
    for e in page.entries:
        if as_json:
            typer.echo(e.model_dump_json())
        else:
            ids = ",".join(str(i) for i in e.record_ids)
            typer.echo(
                f"{e.at:%Y-%m-%d %H:%M:%S} UTC  {e.username} ({e.role})  {e.kind} [{ids}]  "
                f"{e.route}  from {e.client}"
            )
    if not page.entries and not as_json:
        typer.echo("no reads of personal data match")
