"""The whole cycle of `relief demo`, from history to a verified ledger and an HTML report.

After the demo district is loaded, this walks it through what the product does: a year of
daily consumption, suppliers qualified on their documents, a flood declared, demand
forecast, supplies allocated and approved (communities without a depot get a distribution
point, agreement reserves get signed delivery orders), vehicles routed in waves and each
wave dispatched, receipts confirmed (one short line, one damaged), suppliers' deliveries
confirmed (one short, one with rejects), supplies handed out at the receiving depots, the
balance of every allocated unit printed, the ledger exported and verified offline, and a
report written. The database steps are one transaction, so the cycle either happened
completely or not at all; the declared scenario's origin marks that it ran, and a second
`relief demo` says so and changes nothing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.commands.demo_report import coverage_rows, coverage_svg, render
from core.clock import utcnow
from core.db import session_scope
from core.settings import Settings
from dispatch import service as dispatch
from dispatch.schemas import (
    DeliveryConfirm,
    ManifestReceiptCreate,
    PlanBalancePublic,
    ReceiptLine,
    RoutesCreate,
    TripPublic,
    VehicleCreate,
)
from inventory import demo_history
from inventory import service as inventory
from inventory.schemas import DistributionCreate
from inventory.seed import DATA_DIR
from ledger import service as ledger
from ledger.keys import LogSigner
from ledger.verify import verify_export
from plans import service as plans
from plans.schemas import PlanCreate, PlanPublic
from suppliers import schemas as supplier_schemas
from suppliers import service as suppliers

DEMO_SUPPLIERS = DATA_DIR / "demo_suppliers.json"
#: The origin of the scenario the cycle declares: its presence means the cycle has run.
ORIGIN = "demo:cycle"
ACTOR = "demo"
SEED = 20260701
HORIZON_DAYS = 14
DEADLINE_H = 72
#: The riverside communities the demo flood reaches, and how hard.
FLOODED = ("JB-C01", "JB-C02", "JB-C07", "JB-C14", "JB-C20", "JB-C23")
FLOOD = {"id": "demo-flood", "name": "Jiangbin riverside flood (demo)", "affected_share": 0.15}
CHART_ITEM = "WAT-BOTTLE-550"

T = TypeVar("T")


@dataclass
class Outcome:
    """What the cycle produced, for the report."""

    plan: PlanPublic | None = None
    fan_svg: str = ""
    fan_title: str = ""
    maps: list[str] = field(default_factory=list)
    manifests: int = 0
    written_off: list[str] = field(default_factory=list)
    balance: PlanBalancePublic | None = None
    deliveries: list[str] = field(default_factory=list)
    handed_out: int = 0
    distributions: int = 0


def already_ran(session: Session, district_id: int) -> bool:
    return any(s.origin == ORIGIN for s in plans.list_scenarios(session, district_id))


def run(engine: Engine, settings: Settings, signer: LogSigner, console: Console) -> None:
    """Run the cycle on the demo district (the only district), or say why it is skipped."""
    with session_scope(engine) as session:
        districts = inventory.list_districts(session)
        if len(districts) != 1:
            console.print("[yellow]The cycle runs on the demo district alone; skipped.[/yellow]")
            return
        district_id = districts[0].id or 0
        if already_ran(session, district_id):
            console.print(
                "[green]✓[/green] the demo cycle already ran on this database; skipped "
                f"(report: {settings.data_dir / 'report.html'})"
            )
            return
        if plans.active_scenario(session, district_id) is not None:
            console.print(
                "[yellow]The district has an active scenario of its own; the demo cycle "
                "is skipped so it is not disturbed.[/yellow]"
            )
            return
    export_file = settings.data_dir / "ledger.jsonl"
    report_file = settings.data_dir / "report.html"
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:

        def step(title: str, work: Callable[[], tuple[T, str]]) -> T:
            task = progress.add_task(title, total=None)
            value, line = work()
            progress.remove_task(task)
            progress.console.print(f"[green]✓[/green] {line}")
            return value

        with session_scope(engine) as session:
            outcome = _database_steps(session, district_id, settings, signer, step)
        step(
            "Exporting the ledger…", lambda: (None, _export(engine, signer, settings, export_file))
        )
        key = signer.verifier_key
        step("Verifying the export offline…", lambda: (None, _verify(export_file, key)))
        step(
            "Writing the report…",
            lambda: (None, _report(engine, district_id, outcome, report_file)),
        )
    console.print(
        "Verify it yourself, offline, with the log's public key:\n"
        f"  [bold]relief ledger verify {export_file} --key '{key}'[/bold]",
        soft_wrap=True,
    )
    console.print(f"Report: {report_file}")


Step = Callable[[str, Callable[[], tuple[Any, str]]], Any]


def _database_steps(
    session: Session, district_id: int, settings: Settings, signer: LogSigner, step: Step
) -> Outcome:
    now = utcnow()
    today = now.date()
    outcome = Outcome()
    data = json.loads(DEMO_SUPPLIERS.read_text(encoding="utf-8"))
    step("History: a year of daily issues…", lambda: _history(session, district_id, today))
    step(
        "Suppliers: documents, offers, agreements, qualification…",
        lambda: _suppliers(session, district_id, data, settings, signer, today),
    )
    scenario = step("Declaring a flood…", lambda: _declare(session, district_id, today))
    run_id = step(
        "Forecasting demand…",
        lambda: _forecast(session, district_id, scenario, settings, today),
    )
    outcome.fan_svg, outcome.fan_title = _fan_chart(session, district_id, run_id)
    # The plan is made now, after the suppliers were qualified: a moment taken before
    # their decisions would see none of them qualified and draw nothing from agreements.
    now = utcnow()
    outcome.plan = step(
        "Allocating supplies…", lambda: _allocate(session, district_id, settings, signer, now)
    )
    step("Registering vehicles…", lambda: _vehicles(session, district_id, data["vehicles"]))
    plan_id = outcome.plan.id
    route_plan_id = step(
        "Routing and dispatching…", lambda: _route(session, plan_id, settings, signer, now)
    )
    step("Dispatching the later waves…", lambda: _waves(session, route_plan_id, signer))
    outcome.maps = [dispatch.map_svg(session, t.id or 0) for t in _trips(session, route_plan_id)]
    step("Confirming receipts…", lambda: _receipts(session, route_plan_id, signer, outcome))
    step(
        "Confirming suppliers' deliveries…",
        lambda: _deliveries(session, plan_id, signer, outcome),
    )
    step("Handing out supplies…", lambda: _hand_out(session, plan_id, outcome))
    outcome.balance = step("Accounting for every unit…", lambda: _balance(session, plan_id))
    return outcome


def _history(session: Session, district_id: int, today: date) -> tuple[None, str]:
    h = demo_history.write_history(session, district_id, today=today, seed=SEED)
    return None, (
        f"history: {h.series} depot × item series over {h.days} days, "
        f"{h.lines:,} issue lines ({h.units:,} units)"
    )


def _suppliers(
    session: Session,
    district_id: int,
    data: dict[str, Any],
    settings: Settings,
    signer: LogSigner,
    today: date,
) -> tuple[None, str]:
    items = {i.code: i.id or 0 for i in inventory.list_items(session)}
    store = settings.data_dir / "documents"
    qualified = contracts = documents = 0
    for s in data["suppliers"]:
        fields = {k: v for k, v in s.items() if k not in ("documents", "offers", "agreements")}
        made = suppliers.create_supplier(session, supplier_schemas.SupplierCreate(**fields))
        supplier_id = made.id or 0
        offers = [
            supplier_schemas.OfferSet(item_id=items[o["item_code"]], **_without(o, "item_code"))
            for o in s["offers"]
        ]
        suppliers.set_offers(session, supplier_id, offers)
        for a in s["agreements"]:
            body = _without(a, "item_code") | {
                "supplier_id": supplier_id,
                "district_id": district_id,
                "item_id": items[a["item_code"]],
                "valid_from": today + timedelta(days=data["agreement_valid_from_days"]),
                "valid_until": today + timedelta(days=data["agreement_valid_until_days"]),
            }
            suppliers.create_contract(session, supplier_schemas.ContractCreate(**body), actor=ACTOR)
            contracts += 1
        for d in s["documents"]:
            meta = supplier_schemas.DocumentMeta(
                kind=d["kind"],
                issuer=d["issuer"],
                number=d["number"],
                valid_from=today + timedelta(days=d["valid_from_days"]),
                valid_until=today + timedelta(days=d["valid_until_days"]),
            )
            text = f"Relief Reserve demo document {d['kind']} {d['number']} of {s['legal_name']}"
            suppliers.upload(
                session,
                supplier_id,
                meta,
                content=text.encode("utf-8"),
                filename=f"{d['number']}.txt",
                store=store,
                actor=ACTOR,
            )
            documents += 1
        for to, reason in (
            ("under_review", "documents received"),
            ("qualified", "documents checked"),
        ):
            decision = supplier_schemas.DecisionCreate(to_status=to, reason=reason)
            suppliers.decide(session, signer, supplier_id, decision, actor=ACTOR)
        qualified += 1
    return None, (
        f"suppliers: {qualified} qualified on {documents} documents (signed ledger entries), "
        f"{contracts} agreement reserves"
    )


def _without(d: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k != key}


def _declare(session: Session, district_id: int, today: date) -> tuple[int, str]:
    raw = plans.library_definition("flood") | FLOOD | {"communities": list(FLOODED)}
    declared = plans.declare_scenario(
        session, district_id, raw, origin=ORIGIN, start=None, actor=ACTOR, today=today
    )
    return declared.id or 0, (
        f"scenario: {declared.name}, {len(FLOODED)} communities, "
        f"{declared.duration_days} days from {declared.start}"
    )


def _forecast(
    session: Session, district_id: int, scenario_id: int, settings: Settings, today: date
) -> tuple[int, str]:
    found = plans.run_forecast(
        session,
        district_id,
        actor=ACTOR,
        today=today,
        scenario_id=scenario_id,
        horizon=HORIZON_DAYS,
        time_limit_s=settings.forecast_time_limit_s,
    )
    return found.id or 0, (
        f"forecast: {found.series} series, {found.horizon_days} days, "
        f"{found.history_days} days of history, {found.seconds:.1f} s"
    )


def _fan_chart(session: Session, district_id: int, run_id: int) -> tuple[str, str]:
    """The fan chart of the first flooded community's bottled water."""
    community = next(
        c for c in inventory.list_communities(session, district_id) if c.code == FLOODED[0]
    )
    item = next(i for i in inventory.list_items(session) if i.code == CHART_ITEM)
    drawn = plans.fan_chart(session, run_id, community_id=community.id, item_id=item.id or 0)
    svg = drawn.svg.decode("utf-8")
    return svg[svg.index("<svg") :], f"{community.name_en} · {item.name_en}"


def _allocate(
    session: Session, district_id: int, settings: Settings, signer: LogSigner, now: datetime
) -> tuple[PlanPublic, str]:
    row = plans.create_plan(
        session,
        district_id,
        PlanCreate(deadline_h=DEADLINE_H),
        actor=ACTOR,
        now=now,
        time_limit_s=settings.allocation_time_limit_s,
    )
    approved = plans.plan_public(
        session, dispatch.approve_plan(session, row.id or 0, signer, actor=ACTOR, now=now)
    )
    s = approved.summary
    return approved, (
        f"allocation: plan {approved.id} approved, {len(approved.lines)} lines, delivered "
        f"{s.get('delivered', 0):,} of {s.get('demanded', 0):,} units demanded"
    )


def _vehicles(
    session: Session, district_id: int, fleet: dict[str, list[dict[str, Any]]]
) -> tuple[None, str]:
    depots = {d.code: d.id or 0 for d in inventory.list_depots(session, district_id)}
    made = 0
    for depot_code, vehicles in fleet.items():
        for v in vehicles:
            body = VehicleCreate(start_depot_id=depots[depot_code], **v)
            dispatch.create_vehicle(session, district_id, body)
            made += 1
    return None, f"vehicles: {made} registered at {len(fleet)} depots"


def _route(
    session: Session, plan_id: int, settings: Settings, signer: LogSigner, now: datetime
) -> tuple[int, str]:
    row = dispatch.create_routes(
        session,
        plan_id,
        RoutesCreate(seed=0),
        actor=ACTOR,
        now=now,
        time_limit_s=settings.routing_time_limit_s,
    )
    route_plan_id = row.id or 0
    dispatch.approve_routes(session, route_plan_id, signer, actor=ACTOR, now=now)
    s = dispatch.routes_public(session, row).summary
    manifests = len(dispatch.list_manifests(session, route_plan_id))
    return route_plan_id, (
        f"routes: {s['trips']} trips, {s['stops']} stops, {s['distance_m'] / 1000:.1f} km; "
        f"approved: {manifests} manifests in transit (dispatch.sent entries)"
    )


def _waves(session: Session, route_plan_id: int, signer: LogSigner) -> tuple[None, str]:
    """Dispatch every later wave in order, as the coordinator does when each one's day comes
    (the demo runs the days at once)."""
    trips = _trips(session, route_plan_id)
    waves = sorted({t.wave for t in trips if not t.dispatched})
    sent = 0
    for wave in waves:
        sent += len(
            dispatch.dispatch_wave(session, route_plan_id, wave, signer, actor=ACTOR, now=utcnow())
        )
    total = len({t.wave for t in trips})
    return None, (
        f"waves: {total} (wave 1 went on approval); {len(waves)} later wave(s) dispatched, "
        f"{sent} more manifests"
    )


def _deliveries(
    session: Session, plan_id: int, signer: LogSigner, outcome: Outcome
) -> tuple[None, str]:
    """Confirm every delivery order at its destination: the first 5 % short, the second
    with 2 % rejected on quality, the others in full, all on time."""
    special = iter(("short", "rejected"))
    accepted = ordered = 0
    orders = dispatch.list_orders(session, plan_id=plan_id)
    for order in orders:
        kind = next(special, "full") if order.quantity > 20 else "full"
        short = order.quantity // 20 if kind == "short" else 0
        rejected = order.quantity // 50 if kind == "rejected" else 0
        item = inventory.get_item(session, order.item_id)
        expiry = None
        if item.shelf_life_days:
            expiry = (utcnow() + timedelta(days=item.shelf_life_days)).date()
        data = DeliveryConfirm(
            depot_id=order.destination_depot_id,
            accepted_quantity=order.quantity - short - rejected,
            rejected_quantity=rejected,
            lot_number=f"AG{order.id}-{item.code}"[:64],
            expiry_date=expiry,
            note={"short": "one truck load missing", "rejected": "cartons crushed"}.get(kind),
        )
        done = dispatch.confirm_order(
            session, order.id or 0, data, signer, actor=ACTOR, now=utcnow()
        )
        accepted += done.accepted_quantity or 0
        ordered += done.quantity
        if kind != "full":
            outcome.deliveries.append(
                f"order {order.id}: {short:,} short, {rejected:,} rejected of {order.quantity:,}"
            )
    notes = "".join(f"; {x}" for x in outcome.deliveries)
    return None, (
        f"supplier deliveries: {len(orders)} orders confirmed, {accepted:,} of {ordered:,} "
        f"units accepted into stock{notes}"
    )


def _hand_out(session: Session, plan_id: int, outcome: Outcome) -> tuple[None, str]:
    """Each community's receiving depot hands out 60 % of what the plan brought it: the
    priority groups' share to the elderly, the rest to everyone."""
    plan = plans.plan_public(session, plans.get_plan(session, plan_id))
    receiving = inventory.receiving_depots(session, plan.district_id)
    brought: dict[tuple[int, int], int] = defaultdict(int)
    for x in plan.lines:
        brought[(x.community_id, x.item_id)] += x.quantity
    points = 0
    for (community_id, item_id), quantity in sorted(brought.items()):
        depot_id = receiving.get(community_id)
        if depot_id is None:
            continue
        held = sum(
            b.quantity
            for b in inventory.list_balances(session, depot_ids=[depot_id], item_id=item_id)
        )
        give = min(held, quantity * 6 // 10)
        community = inventory.get_community(session, community_id)
        for group, share in (("elderly", 0.3), ("general", 0.7)):
            q = int(give * share)
            if q <= 0:
                continue
            people = max(1, round(community.population * 0.15 * share))
            inventory.record_distribution(
                session,
                DistributionCreate(
                    depot_id=depot_id,
                    item_id=item_id,
                    quantity=q,
                    served_group=group,
                    persons=people,
                    households=max(1, people // 3),
                ),
                actor=ACTOR,
            )
            outcome.handed_out += q
            outcome.distributions += 1
        points += 1
    kinds = {d.id: d.kind for d in inventory.list_depots(session, plan.district_id)}
    at_points = sum(1 for d in set(receiving.values()) if kinds.get(d) == "distribution_point")
    return None, (
        f"distributions: {outcome.distributions} records, {outcome.handed_out:,} units handed "
        f"out for {points} community × item needs, at {len(set(receiving.values()))} receiving "
        f"depots ({at_points} of them distribution points)"
    )


def _balance(session: Session, plan_id: int) -> tuple[PlanBalancePublic, str]:
    b = dispatch.plan_balance(session, plan_id)
    t = b.total
    if not b.adds_up:
        raise RuntimeError(f"the demo plan's balance does not add up: {t}")
    left = sum(t.left_out.values())
    reasons = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in t.left_out.items())
    return b, (
        f"balance: allocated {t.allocated:,} = dispatched {t.dispatched:,} + scheduled "
        f"{t.scheduled:,} + by suppliers {t.by_supplier:,} + already there "
        f"{t.at_destination:,} + left out {left:,}{f' ({reasons})' if reasons else ''} + "
        f"not routed {t.pending:,}; adds up, {b.reach_share:.1%} reach a destination"
    )


def _trips(session: Session, route_plan_id: int) -> list[TripPublic]:
    return dispatch.routes_public(session, dispatch.get_routes(session, route_plan_id)).trips


def _receipts(
    session: Session, route_plan_id: int, signer: LogSigner, outcome: Outcome
) -> tuple[None, str]:
    """Confirm every manifest at every destination: the first line found 2 % short, the
    second 10 % damaged (written off in transit), every other line in full."""
    special = iter(("short", "damaged"))
    for manifest in dispatch.list_manifests(session, route_plan_id):
        public = dispatch.manifest_public(session, manifest)
        by_depot: dict[int, list[ReceiptLine]] = defaultdict(list)
        for line in public.lines:
            kind = next(special, "received") if line.quantity > 1 else "received"
            if kind == "received":
                by_depot[line.destination_depot_id].append(
                    ReceiptLine(line_id=line.id, outcome="received")
                )
                continue
            lost = max(1, line.quantity // (10 if kind == "damaged" else 50))
            usable = line.quantity - lost
            note = "cartons soaked in transit" if kind == "damaged" else "counted on unloading"
            by_depot[line.destination_depot_id].append(
                ReceiptLine(line_id=line.id, outcome=kind, quantity=usable, note=note)
            )
            outcome.written_off.append(
                f"manifest {public.id}: {kind}, {lost:,} of {line.quantity:,} written off"
            )
        for depot_id, lines in sorted(by_depot.items()):
            dispatch.receive(
                session,
                public.id,
                ManifestReceiptCreate(depot_id=depot_id, lines=lines),
                signer,
                actor=ACTOR,
                now=utcnow(),
            )
        outcome.manifests += 1
    return None, (
        f"receipts: {outcome.manifests} manifests received; " + "; ".join(outcome.written_off)
    )


def _export(engine: Engine, signer: LogSigner, settings: Settings, target: Path) -> str:
    tmp = target.with_name(target.name + ".partial")
    entries = -2  # the header and the checkpoint are not entries
    with session_scope(engine) as session, tmp.open("wb") as out:
        for line in ledger.export(session, signer, settings.ledger_origin):
            out.write(line)
            entries += 1
    tmp.replace(target)
    return f"ledger: {entries} entries exported to {target}"


def _verify(export_file: Path, key: str) -> str:
    with export_file.open("rb") as lines:
        report = verify_export(lines, key, workers=1)
    if not report.ok:
        raise RuntimeError(f"the demo ledger export does not verify: {report.reason}")
    return f"ledger verified offline: {report.entries} entries, hashes, signatures and root"


def _report(engine: Engine, district_id: int, outcome: Outcome, target: Path) -> str:
    assert outcome.plan is not None
    with session_scope(engine) as session:
        district = inventory.get_district(session, district_id)
        names = {c.id: c.name_en for c in inventory.list_communities(session, district_id)}
        scenario = plans.get_scenario(session, outcome.plan.scenario_id)
        receiving: dict[int | None, int | None] = dict(
            inventory.receiving_depots(session, district_id).items()
        )
    coverage = coverage_rows(outcome.plan, receiving)
    html = render(
        district=f"{district.name_zh} · {district.name_en}",
        scenario=scenario.name,
        plan=outcome.plan,
        coverage=coverage_svg(coverage, names),
        fan=outcome.fan_svg,
        fan_title=outcome.fan_title,
        maps=outcome.maps,
        written_off=outcome.written_off,
        balance=outcome.balance,
        deliveries=outcome.deliveries,
        handed_out=outcome.handed_out,
        distributions=outcome.distributions,
    )
    target.write_text(html, encoding="utf-8")
    return f"report with {2 + len(outcome.maps)} charts written to {target}"
