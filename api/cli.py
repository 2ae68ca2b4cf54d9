"""The `relief` command line."""

from __future__ import annotations

import typer

from api.commands import access_log as access_log_commands
from api.commands import alerts as alerts_commands
from api.commands import allocate as allocate_commands
from api.commands import db as db_commands
from api.commands import demo as demo_commands
from api.commands import dispatch as dispatch_commands
from api.commands import forecast as forecast_commands
from api.commands import inventory as inventory_commands
from api.commands import ledger as ledger_commands
from api.commands import route as route_commands
from api.commands import suppliers as suppliers_commands
from api.commands import users as users_commands

app = typer.Typer(
    name="relief",
    help="Relief Reserve: emergency supply chain and reserve management.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(db_commands.app, name="db")
app.add_typer(inventory_commands.app, name="stock")
app.add_typer(route_commands.app, name="route")
app.add_typer(dispatch_commands.app, name="dispatch")
app.add_typer(ledger_commands.app, name="ledger")
app.add_typer(suppliers_commands.app, name="suppliers")
app.add_typer(alerts_commands.app, name="alerts")
app.add_typer(users_commands.users_app, name="users")
app.add_typer(users_commands.tokens_app, name="tokens")
app.command("demo")(demo_commands.demo)
app.command("allocate")(allocate_commands.allocate)
app.command("forecast")(forecast_commands.forecast)
app.add_typer(forecast_commands.plan_app, name="plan")
app.command("access-log")(access_log_commands.access_log)

# Commands that read or write the database refuse to run on an older schema.
NEEDS_CURRENT_SCHEMA = {
    "access-log",
    "alerts",
    "stock",
    "dispatch",
    "suppliers",
    "users",
    "tokens",
    "forecast",
    "plan",
    "serve",
}


@app.callback()
def _schema_check(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand not in NEEDS_CURRENT_SCHEMA or ctx.resilient_parsing:
        return
    from sqlalchemy.exc import OperationalError

    import migrations
    from core.settings import get_settings

    url = get_settings().resolved_database_url
    try:
        behind = migrations.behind(url)
    except OperationalError as exc:
        typer.echo(f"Cannot reach the database: {str(exc.orig).strip()}", err=True)
        raise typer.Exit(2) from exc
    if behind:
        typer.echo(
            "The database is not at the newest schema: run `relief db upgrade` first "
            "(or `make demo` for the demo district).",
            err=True,
        )
        raise typer.Exit(2)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, help="Worker processes."),
    reload: bool = typer.Option(False, help="Reload on code changes (development)."),
) -> None:
    """Run the HTTP API (OpenAPI docs at /docs)."""
    import math

    import uvicorn

    from core.settings import get_settings

    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=False,  # the app believes only RELIEF_TRUSTED_PROXIES (api.app)
        timeout_graceful_shutdown=math.ceil(get_settings().shutdown_grace_s),
    )


if __name__ == "__main__":
    app()
