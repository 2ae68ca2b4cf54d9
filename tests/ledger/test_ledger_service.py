"""ledger.service on the migrated databases (SQLite, and PostgreSQL when reachable)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import Engine, event, func
from sqlmodel import Session, select

from core.db import session_scope
from core.errors import Conflict, InvalidInput, NotFound
from ledger import merkle, note, service
from ledger.keys import LogSigner
from ledger.models import LedgerEntry
from ledger.verify import verify_export_bytes

ORIGIN = "relief.example/district-log"
FIRST = LogSigner(name=ORIGIN, seed=bytes([3]) * 32)
SECOND = LogSigner(name=ORIGIN, seed=bytes([4]) * 32)


def _fill(session: Session, n: int, signer: LogSigner = FIRST) -> None:
    for i in range(n):
        service.append(
            session,
            signer,
            kind="stock.received",
            actor="depot:7",
            payload={"lot": i, "qty": 5 * i},
        )


def _leaves(session: Session) -> list[bytes]:
    rows = session.exec(select(LedgerEntry.body).order_by(service.ENTRY.c.seq)).all()
    return [merkle.leaf_hash(body.encode()) for body in rows]


def test_appended_entries_export_and_verify_offline(session: Session) -> None:
    _fill(session, 7)
    service.append_many(
        session,
        FIRST,
        [service.EntryRequest("dispatch.sent", "coordinator:1", {"plan": p}) for p in range(6)],
    )
    data = b"".join(service.export(session, FIRST, ORIGIN))
    report = verify_export_bytes(data, FIRST.verifier_key)
    assert report.ok, report.reason
    assert report.entries == 13
    assert service.root(session) == (13, merkle.root(_leaves(session)))
    entry = service.get_entry(session, 8)
    assert (entry.seq, entry.kind, entry.payload) == (8, "dispatch.sent", {"plan": 1})


def test_checkpoint_is_a_c2sp_note_for_the_current_tree(session: Session) -> None:
    _fill(session, 5)
    signed = service.checkpoint(session, FIRST, ORIGIN)
    checkpoint, names = note.open_checkpoint(signed, ORIGIN, [FIRST.verifier_key])
    assert names == {ORIGIN}
    assert (checkpoint.size, checkpoint.root) == (5, merkle.root(_leaves(session)))


def test_proofs_from_stored_subtrees_equal_the_rfc_proofs(session: Session) -> None:
    _fill(session, 21)
    leaves = _leaves(session)
    for size in (1, 2, 7, 16, 21):
        top = merkle.root(leaves[:size])
        for seq in {0, size // 2, size - 1}:
            proof = service.inclusion_proof(session, seq, size)
            assert proof.path == merkle.inclusion_proof(leaves[:size], seq)
            assert merkle.verify_inclusion(proof.leaf_hash, seq, size, proof.path, top)
        for old in {1, size // 2 or 1, size}:
            cons = service.consistency_proof(session, old, size)
            assert cons.path == merkle.consistency_proof(leaves[:size], old)
            assert merkle.verify_consistency(old, size, cons.old_root, top, cons.path)


def test_a_proof_reads_a_few_rows_not_the_tree(session: Session, engine: Engine) -> None:
    service.append_many(
        session, FIRST, [service.EntryRequest("k", "a", {"i": i}) for i in range(1000)]
    )
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        proof = service.inclusion_proof(session, 377)
        cons = service.consistency_proof(session, 300)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 4  # per proof: the head row, then one query for its nodes
    assert len(proof.path) == 10
    assert len(cons.path) <= 2 * 10


@pytest.mark.parametrize(("seq", "size"), [(-1, None), (5, 5), (0, 99), (0, 0)])
def test_inclusion_outside_the_tree_is_not_found(
    session: Session, seq: int, size: int | None
) -> None:
    _fill(session, 5)
    with pytest.raises(NotFound):
        service.inclusion_proof(session, seq, size)


@pytest.mark.parametrize(("old", "new"), [(0, 3), (4, 3), (1, 99)])
def test_consistency_outside_the_tree_is_not_found(session: Session, old: int, new: int) -> None:
    _fill(session, 5)
    with pytest.raises(NotFound):
        service.consistency_proof(session, old, new)


def test_rotation_is_followed_by_the_verifier_and_retires_the_old_key(session: Session) -> None:
    _fill(session, 3)
    service.rotate_key(session, FIRST, SECOND, actor="admin")
    _fill(session, 2, SECOND)
    with pytest.raises(Conflict):
        _fill(session, 1, FIRST)
    with pytest.raises(Conflict):
        service.checkpoint(session, FIRST, ORIGIN)
    assert service.current_key(session) == SECOND.verifier_key
    data = b"".join(service.export(session, SECOND, ORIGIN))
    report = verify_export_bytes(data, FIRST.verifier_key)
    assert report.ok, report.reason
    assert report.final_key == SECOND.verifier_key


@pytest.mark.parametrize(
    "payload",
    [{"qty": 2**60}, {"at": object()}, {"x": float("nan")}],
)
def test_payloads_that_are_not_canonical_json_are_refused(
    session: Session, payload: dict[str, Any]
) -> None:
    with pytest.raises(InvalidInput):
        service.append(session, FIRST, kind="k", actor="a", payload=payload)
    assert service.tree_size(session) == 0


def test_callers_cannot_forge_a_rotation(session: Session) -> None:
    with pytest.raises(InvalidInput):
        service.append(session, FIRST, kind="ledger.key_rotated", actor="a", payload={})


def test_an_entry_commits_or_rolls_back_with_its_business_change(fresh_engine: Engine) -> None:
    def dispatch_that_fails() -> None:
        with session_scope(fresh_engine) as session:
            service.append(session, FIRST, kind="dispatch.sent", actor="a", payload={"plan": 1})
            raise RuntimeError("the dispatch failed after its entry was appended")

    with pytest.raises(RuntimeError):
        dispatch_that_fails()
    with session_scope(fresh_engine) as session:
        assert service.tree_size(session) == 0
        service.append(session, FIRST, kind="dispatch.sent", actor="a", payload={"plan": 1})
    with session_scope(fresh_engine) as session:
        assert service.tree_size(session) == 1


def test_concurrent_appenders_get_one_unbroken_chain(fresh_engine: Engine) -> None:
    errors: list[BaseException] = []

    def writer(worker: int) -> None:
        try:
            for i in range(8):
                with session_scope(fresh_engine) as session:
                    service.append(session, FIRST, kind="k", actor=f"w{worker}", payload={"i": i})
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with session_scope(fresh_engine) as session:
        count = session.exec(select(func.count()).select_from(LedgerEntry)).one()
        assert count == 32
        data = b"".join(service.export(session, FIRST, ORIGIN))
    report = verify_export_bytes(data, FIRST.verifier_key)
    assert report.ok, report.reason
