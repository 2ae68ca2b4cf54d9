"""After supplier actions, `relief ledger export` verifies offline with `relief ledger verify`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import col
from typer.testing import CliRunner

import migrations
from api.cli import app
from core.clock import utcnow
from core.db import dispose_engines, get_engine, session_scope
from core.settings import get_settings
from ledger.keys import load_or_create
from suppliers import schemas, service
from suppliers.models import QualificationDecision, SpotCheck, SupplierDocument
from tests.inventory.factories import small_district
from tests.suppliers.helpers import VALID_USCC

runner = CliRunner()


@pytest.fixture
def relief_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    url = f"sqlite:///{tmp_path / 'relief.db'}"
    migrations.upgrade(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("RELIEF_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()
    dispose_engines()


def _supplier_actions(store: Path) -> None:
    """Two suppliers qualified, one agreement with two spot checks, one licence lapsing."""
    settings = get_settings()
    signer = load_or_create(settings.resolved_ledger_key_file, settings.ledger_origin)
    today = utcnow().date()
    with session_scope(get_engine(settings.resolved_database_url)) as session:
        d = small_district(session)
        for n in range(2):
            supplier = service.create_supplier(
                session,
                schemas.SupplierCreate(
                    legal_name=f"Supplier {n}",
                    registration_number=VALID_USCC[n],
                    latitude=30.5,
                    longitude=114.3,
                ),
            )
            sid = supplier.id or 0
            service.upload(
                session,
                sid,
                schemas.DocumentMeta(
                    kind="business_licence",
                    issuer="AMR",
                    number=f"BL-{n}",
                    valid_from=today - timedelta(days=100),
                    valid_until=today + timedelta(days=100),
                ),
                content=f"licence {n}".encode(),
                filename="licence.pdf",
                store=store,
                actor="buyer",
            )
            for to in ("under_review", "qualified"):
                service.decide(
                    session,
                    signer,
                    sid,
                    schemas.DecisionCreate(to_status=to, reason="checked"),
                    actor="buyer",
                )
        contract = service.create_contract(
            session,
            schemas.ContractCreate(
                number="AG-1",
                supplier_id=sid,
                district_id=d.district_id,
                item_id=d.mask_id,
                reserved_quantity=1000,
                surge_per_day=100,
                activation_lead_time_h=6,
                unit_price_minor=120,
                valid_from=today - timedelta(days=10),
                valid_until=today + timedelta(days=300),
            ),
            actor="buyer",
        )
        for found in (1000, 990):
            service.record_spot_check(
                session,
                signer,
                contract.id or 0,
                schemas.SpotCheckCreate(found=found),
                actor="inspector",
            )
        lapsing = session.execute(
            select(SupplierDocument).where(col(SupplierDocument.number) == "BL-0")
        ).scalar_one()
        lapsing.valid_until = today - timedelta(days=1)


def test_supplier_entries_export_and_verify_offline(relief_env: Path) -> None:
    _supplier_actions(relief_env / "data" / "documents")
    swept = runner.invoke(app, ["suppliers", "sweep"])
    assert swept.exit_code == 0, swept.output
    assert "1 supplier(s) expired" in swept.output

    export = relief_env / "ledger.jsonl"
    assert runner.invoke(app, ["ledger", "export", str(export)]).exit_code == 0
    key = runner.invoke(app, ["ledger", "key"]).output.strip()
    verified = runner.invoke(app, ["ledger", "verify", str(export), "--key", key, "--workers", "1"])
    assert verified.exit_code == 0, verified.output
    assert verified.output.startswith("OK: 7 entries")

    lines = [json.loads(line) for line in export.read_text().splitlines()]
    kinds = [line["entry"]["kind"] for line in lines if "entry" in line]
    assert kinds.count("supplier.qualification") == 5
    assert kinds.count("reserve.spot_check") == 2
    settings = get_settings()
    with session_scope(get_engine(settings.resolved_database_url)) as session:
        for model in (QualificationDecision, SpotCheck):
            rows = session.execute(select(func.count()).select_from(model)).scalar_one()
            assert rows == kinds.count(
                "supplier.qualification" if model is QualificationDecision else "reserve.spot_check"
            )

    # A tampered export fails verification.
    tampered = relief_env / "tampered.jsonl"
    tampered.write_text(export.read_text().replace('"found":990', '"found":1000'))
    failed = runner.invoke(app, ["ledger", "verify", str(tampered), "--key", key, "--workers", "1"])
    assert failed.exit_code == 1
