"""Property: whatever movements are accepted, balances equal the journal and stay non-negative."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session

from core.errors import DomainError
from inventory import schemas, service
from ledger.keys import LogSigner
from tests.inventory.factories import small_district

action = st.one_of(
    st.tuples(
        st.just("receipt"), st.integers(0, 2), st.integers(1, 40), st.sampled_from(["A", "B", "C"])
    ),
    st.tuples(st.just("issue"), st.integers(0, 2), st.integers(1, 50), st.none()),
    st.tuples(st.just("transfer"), st.integers(0, 2), st.integers(1, 50), st.integers(0, 2)),
    st.tuples(
        st.just("write_off"),
        st.integers(0, 2),
        st.integers(1, 30),
        st.sampled_from(["A", "B", "C"]),
    ),
    st.tuples(st.just("reverse"), st.integers(0, 2), st.integers(0, 30), st.none()),
)


SIGNER = LogSigner.generate("test.example/log")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(action, min_size=1, max_size=25))
def test_balances_equal_the_journal(engine: Engine, actions: list[tuple[Any, ...]]) -> None:
    connection = engine.connect()
    outer = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        d = small_district(session, suffix="P")
        depots = (d.depot_a_id, d.depot_b_id, d.warehouse_id)
        written: list[int] = []
        for kind, depot_index, qty, extra in actions:
            depot = depots[depot_index]
            try:
                with session.begin_nested():
                    if kind == "receipt":
                        done = service.receive(
                            session,
                            schemas.ReceiptCreate(
                                depot_id=depot, item_id=d.tent_id, lot_number=extra, quantity=qty
                            ),
                            actor="p",
                        )
                    elif kind == "issue":
                        done = service.issue(
                            session,
                            schemas.IssueCreate(depot_id=depot, item_id=d.tent_id, quantity=qty),
                            actor="p",
                        )
                    elif kind == "transfer":
                        done = service.transfer(
                            session,
                            schemas.TransferCreate(
                                from_depot_id=depot,
                                to_depot_id=depots[extra],
                                item_id=d.tent_id,
                                quantity=qty,
                            ),
                            actor="p",
                        )
                    elif kind == "write_off":
                        done = service.write_off(
                            session,
                            schemas.WriteOffCreate(
                                depot_id=depot,
                                item_id=d.tent_id,
                                lot_number=extra,
                                quantity=qty,
                                write_off_reason="damaged",
                            ),
                            actor="p",
                            signer=SIGNER,
                        )
                    else:
                        if not written:
                            continue
                        done = service.reverse_movement(
                            session,
                            written[qty % len(written)],
                            schemas.ReversalCreate(reason="undo"),
                            actor="p",
                        )
                    written.extend(m.id for m in done.movements if m.kind != "reversal")
            except (DomainError, ValueError):
                continue  # refused: must have changed nothing, which the final check proves
        balances = service.list_balances(session, item_id=d.tent_id, include_empty=True)
        assert all(b.quantity >= 0 for b in balances)
        assert service.journal_discrepancies(session) == []
    finally:
        session.close()
        outer.rollback()
        connection.close()
