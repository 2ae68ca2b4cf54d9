"""`relief forecast` and `relief plan`: the plan service from the command line.

The plan service is imported inside the commands: it loads the forecasting models
(statsmodels, matplotlib), which would otherwise slow the start of every `relief` command.

`relief forecast --scenario FILE|NAME` declares the scenario for a district (a YAML or JSON
file, or a name from the library), forecasts demand per community × item and stores the run
for allocation, as `POST /districts/{id}/forecasts` does; it can also write a fan chart and
print reserve levels. `relief plan create|show|approve` builds, shows and approves
allocation plans. Each command is one transaction; exit status 2 means nothing was changed.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from core.clock import utcnow
from core.db import get_engine, session_scope
from core.errors import DomainError
from core.settings import get_settings
from inventory import service as inventory
from plans.schemas import PlanCreate, PlanPublic

if TYPE_CHECKING:
    from dispatch.schemas import PlanBalancePublic
    from plans.models import DeclaredScenario

plan_app = typer.Typer(help="Allocation plans: create, show, approve.", no_args_is_help=True)
console = Console()


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _fail(error: DomainError) -> None:
    console.print(f"[red]{error.title}:[/red] {error.detail}")
    for problem in error.problems[:50]:
        console.print(f"  {'.'.join(map(str, problem.loc)) or '(file)'}: {problem.msg}")
    raise typer.Exit(2)


def _district_id(session: Session, code: str | None) -> int:
    districts = inventory.list_districts(session)
    if code is None and len(districts) == 1:
        return districts[0].id or 0
    found = [d for d in districts if d.code == code]
    if not found:
        known = ", ".join(d.code for d in districts) or "none"
        console.print(f"[red]Name the district with --district CODE[/red] (known: {known})")
        raise typer.Exit(2)
    return found[0].id or 0


def _declared(session: Session, district_id: int, scenario: str, replace: bool) -> DeclaredScenario:
    """The district's active scenario from `scenario`: reused if it is the same, else declared
    (closing the active one only with `replace`)."""
    from plans import service

    path = Path(scenario)
    if path.is_file():
        raw, origin = service.read_definition(path.read_bytes(), path.name), f"file:{path.name}"
    else:
        raw, origin = service.library_definition(scenario), f"library:{scenario}"
    current = service.active_scenario(session, district_id)
    if current is not None and current.origin == origin and current.key == raw.get("id"):
        return current
    if current is not None:
        if not replace:
            console.print(
                f"[red]District has the active scenario {current.key!r} "
                f"({current.origin}).[/red] Pass --replace to close it and declare this one."
            )
            raise typer.Exit(2)
        service.close_scenario(session, current.id or 0, actor=_actor())
    return service.declare_scenario(
        session,
        district_id,
        raw,
        origin=origin,
        start=None,
        actor=_actor(),
        today=utcnow().date(),
    )


def forecast(
    scenario: str = typer.Option(
        ..., "--scenario", help="A scenario file (YAML or JSON) or a library name (e.g. flood)."
    ),
    district: str | None = typer.Option(None, "--district", help="District code."),
    horizon: int | None = typer.Option(
        None, "--horizon", min=1, max=180, help="Days (default: to the scenario's end)."
    ),
    season_length: int = typer.Option(7, "--season-length", min=1, help="Days per season."),
    replace: bool = typer.Option(False, "--replace", help="Close the active scenario first."),
    chart: str | None = typer.Option(
        None, "--chart", help="COMMUNITY/ITEM codes: write their fan chart to --chart-out."
    ),
    chart_out: Path = typer.Option(Path("fan-chart.svg"), help="Chart file, .svg or .png."),
    service_level: float | None = typer.Option(
        None, min=0.5, max=0.999, help="Print reserve levels per depot × item at this level."
    ),
) -> None:
    """Declare a scenario, forecast the district's demand under it and store the run."""
    from plans import service

    settings = get_settings()
    try:
        with session_scope(get_engine(settings.resolved_database_url)) as session:
            district_id = _district_id(session, district)
            declared = _declared(session, district_id, scenario, replace)
            run = service.run_forecast(
                session,
                district_id,
                actor=_actor(),
                today=utcnow().date(),
                scenario_id=declared.id,
                horizon=horizon,
                season_length=season_length,
                time_limit_s=settings.forecast_time_limit_s,
            )
            _print_run(session, run.id or 0, declared)
            if chart is not None:
                _write_chart(session, run.id or 0, chart, chart_out)
            if service_level is not None:
                _print_reserves(session, run.id or 0, service_level)
    except DomainError as error:
        _fail(error)


def _print_run(session: Session, run_id: int, declared: DeclaredScenario) -> None:
    from plans import service

    run = service.get_run(session, run_id)
    items = {i.id: i.code for i in inventory.list_items(session)}
    totals: dict[str, list[float]] = {}
    for r in service.rows(session, run_id):
        total = totals.setdefault(items[r.item_id], [0.0, 0.0, 0.0])
        total[0] += r.yhat
        total[1] += r.hi_95
        total[2] += r.scenario_demand
    table = Table(title=f"Forecast run {run_id}: {declared.name}, {run.horizon_days} days")
    for name in ("item", "baseline", "baseline hi-95", "scenario"):
        table.add_column(name, justify="left" if name == "item" else "right")
    for code, (base, high, extra) in sorted(totals.items()):
        table.add_row(code, f"{base:,.0f}", f"{high:,.0f}", f"{extra:,.0f}")
    console.print(table)
    models: dict[str, int] = {}
    for choice in run.choices:
        models[choice["model"]] = models.get(choice["model"], 0) + 1
    chosen = ", ".join(f"{m} ×{n}" for m, n in sorted(models.items())) or "no history"
    console.print(f"{run.series} series; models: {chosen}; {run.seconds:.1f} s")


def _write_chart(session: Session, run_id: int, which: str, out: Path) -> None:
    from plans import service

    community_code, _, item_code = which.partition("/")
    run = service.get_run(session, run_id)
    communities = {c.code: c.id for c in inventory.list_communities(session, run.district_id)}
    items = {i.code: i.id for i in inventory.list_items(session)}
    if item_code not in items or (
        community_code != "DISTRICT" and community_code not in communities
    ):
        console.print(f"[red]Unknown community or item in --chart {which!r}[/red]")
        raise typer.Exit(2)
    drawn = service.fan_chart(
        session,
        run_id,
        community_id=None if community_code == "DISTRICT" else communities[community_code],
        item_id=items[item_code] or 0,
    )
    out.write_bytes(drawn.png if out.suffix.lower() == ".png" else drawn.svg)
    console.print(f"fan chart written to {out}")


def _print_reserves(session: Session, run_id: int, service_level: float) -> None:
    from plans import service

    table = Table(title=f"Reserve levels at {service_level:.0%}")
    for name in ("depot", "item", "reserve", "on hand", "gap"):
        table.add_column(name, justify="left" if name in ("depot", "item") else "right")
    for r in service.reserve_levels(session, run_id, service_level=service_level):
        table.add_row(
            r.depot_code or "-", r.item_code, f"{r.reserve:,}", f"{r.on_hand:,}", f"{r.gap:,}"
        )
    console.print(table)


@plan_app.command("create")
def create(
    district: str | None = typer.Option(None, "--district", help="District code."),
    deadline_h: int = typer.Option(72, "--deadline-h", min=0, help="Hours until demand is due."),
) -> None:
    """Allocate for the active scenario and its latest forecast; stored as a draft."""
    from plans import service

    settings = get_settings()
    try:
        with session_scope(get_engine(settings.resolved_database_url)) as session:
            district_id = _district_id(session, district)
            plan = service.create_plan(
                session,
                district_id,
                PlanCreate(deadline_h=deadline_h),
                actor=_actor(),
                now=utcnow(),
                time_limit_s=settings.allocation_time_limit_s,
            )
            _print_plan(service.plan_public(session, plan))
    except DomainError as error:
        _fail(error)


@plan_app.command("show")
def show(plan_id: int = typer.Argument(..., help="Plan id.")) -> None:
    """A plan's summary, each community's reasons, and where every allocated unit went."""
    from dispatch import service as dispatch
    from plans import service

    settings = get_settings()
    try:
        with session_scope(get_engine(settings.resolved_database_url)) as session:
            _print_plan(service.plan_public(session, service.get_plan(session, plan_id)))
            print_balance(dispatch.plan_balance(session, plan_id))
    except DomainError as error:
        _fail(error)


def print_balance(b: PlanBalancePublic) -> None:
    """The balance: allocated = dispatched + scheduled + by supplier + at destination +
    left out + not yet routed, with the check that it adds up."""
    t = b.total
    left = sum(t.left_out.values())
    console.print(
        f"balance of plan {b.plan_id}: allocated {t.allocated:,} = dispatched {t.dispatched:,}"
        f" + scheduled {t.scheduled:,} + by suppliers {t.by_supplier:,}"
        f" + already there {t.at_destination:,} + left out {left:,} + not routed {t.pending:,}"
        f" — {'adds up' if b.adds_up else 'DOES NOT ADD UP'}; {b.reach_share:.1%} reach a"
        " destination"
    )
    for reason, quantity in t.left_out.items():
        console.print(f"  left out, {reason.replace('_', ' ')}: {quantity:,}")
    if t.dispatched or t.by_supplier:
        console.print(
            f"  received so far: {t.received:,} of {t.dispatched:,} dispatched; "
            f"{t.supplier_accepted:,} of {t.by_supplier:,} from suppliers"
        )


@plan_app.command("approve")
def approve(plan_id: int = typer.Argument(..., help="Plan id.")) -> None:
    """Approve a draft plan; approved plans never change."""
    from dispatch import service as dispatch
    from ledger import keys
    from plans import service

    settings = get_settings()
    signer = keys.load_or_create(settings.resolved_ledger_key_file, settings.ledger_origin)
    try:
        with session_scope(get_engine(settings.resolved_database_url)) as session:
            plan = dispatch.approve_plan(session, plan_id, signer, actor=_actor(), now=utcnow())
            _print_plan(service.plan_public(session, plan))
    except DomainError as error:
        _fail(error)


def _print_plan(plan: PlanPublic) -> None:
    s = plan.summary
    console.print(
        f"plan {plan.id} ({plan.status}, revision {plan.revision}): delivered "
        f"{s.get('delivered', 0):,} of {s.get('demanded', 0):,}; smallest priority fill "
        f"{s.get('min_priority_fill', 1.0):.1%}, general {s.get('min_general_fill', 1.0):.1%}; "
        f"{len(plan.lines)} lines; cost {s.get('cost', 0):,}"
    )
    for community in plan.communities:
        console.print(f"  {community['community']}: {community['summary']}")
        for reason in community["reasons"]:
            if reason["code"] != "all_met":
                console.print(f"    - {reason['text']}")
