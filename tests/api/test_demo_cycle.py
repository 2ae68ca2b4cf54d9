"""`relief demo` runs the whole cycle once: dispatches arrive, the journal and the ledger
check out, the report is written; a second run changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import Session, SQLModel, col
from typer.testing import CliRunner

from alerts.models import AlertRecord
from api.cli import app
from core.db import get_engine, session_scope
from core.settings import get_settings
from dispatch import service as dispatch
from dispatch.models import DeliveryOrder, Manifest, ManifestLine, RouteTrip, Vehicle
from inventory import service as inventory
from inventory.models import Distribution, Movement, StockBalance
from ledger.keys import load_or_create
from ledger.models import LedgerEntry
from ledger.verify import verify_export
from plans.models import AllocationPlanRow, DeclaredScenario, ForecastRun
from suppliers.models import AgreementContract, QualificationDecision, Supplier

runner = CliRunner()

COUNTED: list[type[SQLModel]] = [
    Movement,
    LedgerEntry,
    Supplier,
    QualificationDecision,
    AgreementContract,
    DeclaredScenario,
    ForecastRun,
    AllocationPlanRow,
    Vehicle,
    Manifest,
    Distribution,
    DeliveryOrder,
]


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("RELIEF_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _state(session: Session) -> dict[str, Any]:
    out: dict[str, Any] = {
        m.__name__: session.execute(select(func.count()).select_from(m)).scalar_one()
        for m in COUNTED
    }
    balances = session.execute(select(StockBalance)).scalars().all()
    out["balances"] = sorted((b.depot_id, b.lot_id, b.quantity) for b in balances)
    return out


@pytest.mark.slow
def test_demo_runs_the_whole_cycle_once(data_dir: Path) -> None:
    first = runner.invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    assert "relief ledger verify" in first.output
    assert "http://127.0.0.1:8000/web" in first.output
    assert "alerts: " in first.output

    settings = get_settings()
    engine = get_engine(settings.resolved_database_url)
    with session_scope(engine) as session:
        manifests = session.execute(select(Manifest)).scalars().all()
        assert manifests
        assert {m.status for m in manifests} == {"received"}
        outcomes = session.execute(select(col(ManifestLine.outcome))).scalars().all()
        assert None not in outcomes
        assert {"short", "damaged"} <= set(outcomes)
        write_offs = session.execute(
            select(func.count()).where(col(Movement.kind) == "write_off")
        ).scalar_one()
        assert write_offs >= 2
        assert inventory.journal_discrepancies(session) == []
        assert len(session.execute(select(Supplier)).scalars().all()) == 8
        # the allocation draws on the agreement reserves, their orders are delivered, a
        # distribution point receives and hands out, and every allocated unit adds up
        [plan] = session.execute(select(AllocationPlanRow)).scalars().all()
        balance = dispatch.plan_balance(session, plan.id or 0)
        assert balance.adds_up
        assert balance.total.by_supplier > 0
        assert balance.total.pending == 0
        assert balance.total.scheduled == 0  # every wave was dispatched
        assert balance.reach_share > 0.99
        orders = dispatch.list_orders(session, plan_id=plan.id)
        assert orders
        assert {o.status for o in orders} == {"delivered"}
        assert sum(o.accepted_quantity or 0 for o in orders) > 0
        points = [d.id for d in inventory.list_depots(session) if d.kind == "distribution_point"]
        assert points
        to_points = session.execute(
            select(func.sum(ManifestLine.quantity)).where(
                col(ManifestLine.destination_depot_id).in_(points)
            )
        ).scalar_one()
        assert (to_points or 0) + sum(
            o.accepted_quantity or 0 for o in orders if o.destination_depot_id in points
        ) > 0
        handed = inventory.list_distributions(
            session, depot_ids=[p for p in points if p is not None]
        )
        assert handed
        assert sum(x.quantity for x in handed) > 0
        waves = {t.wave for t in session.execute(select(RouteTrip)).scalars()}
        assert len(waves) > 1
        kinds = {r.kind for r in session.execute(select(AlertRecord)).scalars()}
        assert "below_reserve" in kinds  # the flood leaves depots short of their reserve
        before = _state(session)

    key = load_or_create(settings.resolved_ledger_key_file, settings.ledger_origin).verifier_key
    export = data_dir / "ledger.jsonl"
    with export.open("rb") as lines:
        report = verify_export(lines, key, workers=1)
    assert report.ok, report.reason
    assert report.entries == before["LedgerEntry"]
    page = (data_dir / "report.html").read_text(encoding="utf-8")
    assert page.count("<svg") >= 3
    files = {p.name: p.read_bytes() for p in (export, data_dir / "report.html")}

    again = runner.invoke(app, ["demo"])
    assert again.exit_code == 0, again.output
    assert "already ran" in again.output
    with session_scope(engine) as session:
        assert _state(session) == before
    assert {p.name: p.read_bytes() for p in (export, data_dir / "report.html")} == files
