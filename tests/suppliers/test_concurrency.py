"""Two officers signing overlapping agreements at the same moment: exactly one succeeds."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import Engine, func, select

from core.clock import utcnow
from core.db import session_scope
from core.errors import DomainError
from suppliers import schemas, service
from suppliers.models import AgreementContract
from tests.inventory.factories import small_district
from tests.suppliers.helpers import VALID_USCC


def test_concurrent_overlapping_agreements_leave_one(fresh_engine: Engine) -> None:
    today = utcnow().date()
    with session_scope(fresh_engine) as session:
        d = small_district(session)
        supplier = service.create_supplier(
            session,
            schemas.SupplierCreate(
                legal_name="Only One", registration_number=VALID_USCC[0], latitude=30, longitude=114
            ),
        )
        sid = supplier.id or 0
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def sign(n: int) -> None:
        barrier.wait()
        try:
            with session_scope(fresh_engine) as session:
                service.create_contract(
                    session,
                    schemas.ContractCreate(
                        number=f"AG-{n}",
                        supplier_id=sid,
                        district_id=d.district_id,
                        item_id=d.mask_id,
                        reserved_quantity=100,
                        surge_per_day=10,
                        activation_lead_time_h=6,
                        unit_price_minor=100,
                        valid_from=today + timedelta(days=n),
                        valid_until=today + timedelta(days=200 + n),
                    ),
                    actor=f"buyer-{n}",
                )
            outcomes.append("signed")
        except DomainError as error:
            outcomes.append(type(error).__name__)

    threads = [threading.Thread(target=sign, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["OverlappingContract"] * 3 + ["signed"]
    with session_scope(fresh_engine) as session:
        rows = session.execute(select(func.count()).select_from(AgreementContract)).scalar_one()
    assert rows == 1
