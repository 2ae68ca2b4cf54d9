"""`relief db`: schema migrations."""

from __future__ import annotations

import typer
from rich.console import Console

import migrations
from api import schedule
from core.db import get_engine
from core.settings import get_settings

app = typer.Typer(help="Database schema.", no_args_is_help=True)
console = Console()


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    url = get_settings().resolved_database_url
    migrations.upgrade(url, revision)
    console.print(f"[green]database at {revision}[/green]")


@app.command("prune-keys")
def prune_keys(
    older_than_days: int | None = typer.Option(
        None,
        min=1,
        help="Delete key records older than this many days "
        "(default: RELIEF_IDEMPOTENCY_RETENTION_DAYS).",
    ),
) -> None:
    """Delete old Idempotency-Key and page-form key records (the server also does it daily).

    A key reused after its record is gone counts as a new request."""
    settings = get_settings()
    if older_than_days is not None:
        settings = settings.model_copy(update={"idempotency_retention_days": older_than_days})
    elif settings.idempotency_retention_days == 0:
        console.print("retention is 0 (keep for ever): nothing pruned")
        return
    gone = schedule.prune_keys(get_engine(settings.resolved_database_url), settings)
    console.print(
        f"[green]{gone} key record(s) older than "
        f"{settings.idempotency_retention_days} days deleted[/green]"
    )
