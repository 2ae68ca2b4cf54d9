"""`relief db`: schema migrations."""

from __future__ import annotations

import typer
from rich.console import Console

import migrations
from core.settings import get_settings

app = typer.Typer(help="Database schema.", no_args_is_help=True)
console = Console()


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    url = get_settings().resolved_database_url
    migrations.upgrade(url, revision)
    console.print(f"[green]database at {revision}[/green]")
