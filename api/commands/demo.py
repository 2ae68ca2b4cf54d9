"""`relief demo`: build the demo district on the configured database and show what it holds."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

import migrations
from accounts.secrets import load_or_create_secret
from api.alerts_schedule import refresh_all
from api.commands import demo_cycle
from core.clock import utcnow
from core.db import get_engine, session_scope
from core.settings import Settings, get_settings
from inventory import seed, service
from ledger import keys

console = Console()


def demo() -> None:
    """Create the database, load the catalogue and the demo flood district, print a summary,
    then run the whole cycle on it once (see `api.commands.demo_cycle`)."""
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url
    with console.status("Applying database migrations…"):
        migrations.upgrade(url)
    if settings.token_secret is None:
        load_or_create_secret(settings.resolved_token_secret_file)
    signer = keys.load_or_create(settings.resolved_ledger_key_file, settings.ledger_origin)
    console.print(
        f"[green]✓[/green] secrets in {settings.data_dir} (owner-only); "
        f"ledger verifier key: {signer.verifier_key}"
    )
    engine = get_engine(url)
    today = utcnow().date()
    with (
        console.status("Loading the item catalogue and the demo district…"),
        session_scope(engine) as session,
    ):
        added = seed.load_catalogue(session, seed.CATALOGUE.read_text(encoding="utf-8"))
        loaded = seed.load_district(
            session,
            json.loads(seed.DEMO_DISTRICT.read_text(encoding="utf-8")),
            today=today,
            actor="demo",
        )
    console.print(
        f"[green]✓[/green] catalogue: {added} new items; district: "
        f"{loaded.communities} communities, {loaded.depots} depots, "
        f"{loaded.movements} opening-stock lines"
        if added or loaded.movements
        else "[green]✓[/green] the demo district was already loaded"
    )
    with session_scope(engine) as session:
        _summary(session)
    console.rule("The cycle: history, suppliers, flood, forecast, plan, routes, receipts, ledger")
    demo_cycle.run(engine, settings, signer, console)
    _alerts(engine, settings)
    console.print(
        "\nServe the web pages and the API on this data with [bold]relief serve[/bold] "
        "(or [bold]make serve[/bold]); pages at http://127.0.0.1:8000/web, "
        "OpenAPI docs at http://127.0.0.1:8000/docs"
    )


def _alerts(engine: Engine, settings: Settings) -> None:
    """Record the alerts once, as the server's schedule would, and count them."""
    with console.status("Recording the alerts…"):
        done = refresh_all(engine, settings)
    for r in done:
        severities = [c.alert.severity for c in r.alerts]
        console.print(
            f"[green]✓[/green] alerts: {len(r.alerts)} open "
            f"({severities.count('critical')} critical, {severities.count('warning')} warning, "
            f"{severities.count('info')} for information); "
            "see the district page or [bold]relief alerts list[/bold]"
        )


def _summary(session: object) -> None:
    from sqlmodel import Session

    assert isinstance(session, Session)
    for district in service.list_districts(session):
        district_id = district.id or 0
        communities = service.list_communities(session, district_id)
        depots = service.list_depots(session, district_id)
        people = sum(c.population for c in communities)
        vulnerable = sum(c.elderly_65_plus + c.children_under_5 for c in communities)
        console.rule(f"{district.name_zh} · {district.name_en} ({district.code})")
        console.print(
            f"{len(communities)} communities, {people:,} people "
            f"({vulnerable:,} aged 65+ or under 5); {len(depots)} depots; "
            f"{len(service.list_items(session))} catalogue items"
        )
        table = Table("depot", "kind", "lots", "items", "units on hand", "weight (t)")
        balances = service.list_balances(session, district_id=district_id)
        weights = {i.id: i.unit_weight_g for i in service.list_items(session)}
        for depot in depots:
            mine = [b for b in balances if b.depot_id == depot.id]
            tonnes = sum(b.quantity * weights.get(b.item_id, 0) for b in mine) / 1e6
            table.add_row(
                f"{depot.code} {depot.name_zh}",
                depot.kind,
                str(len(mine)),
                str(len({b.item_id for b in mine})),
                f"{sum(b.quantity for b in mine):,}",
                f"{tonnes:,.1f}",
            )
        console.print(table)
        expiring = service.expiring(session, district_id, within_days=30)
        below = service.below_reorder(session, district_id)
        console.print(
            f"[yellow]{len(expiring)} lots expire within 30 days[/yellow]; "
            f"[yellow]{len(below)} depot × item pairs are below their reorder level[/yellow]"
        )
        for row in below[:5]:
            console.print(
                f"  · {row.depot_code} {row.item_code}: {row.on_hand:,} on hand, "
                f"reorder level {row.reorder_level:,} (short {row.shortfall:,})"
            )
