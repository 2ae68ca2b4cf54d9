"""The ledger store: append in the caller's transaction, checkpoints, proofs and export.

Other domains record their actions with one call, inside their own transaction:

    from ledger import service as ledger
    ledger.append(session, signer, kind="dispatch.sent", actor=user, payload={...})

`append` never commits: the entry commits or rolls back with the business change that
caused it, so neither can exist without the other. It locks the single head row
(``SELECT ... FOR UPDATE``; on SQLite the ``BEGIN IMMEDIATE`` transaction already holds
the write lock), so concurrent appenders get consecutive sequence numbers and a correct
hash chain. Each append stores the leaf and the perfect subtrees it completes, so every
root and proof reads O(log n) rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from core.clock import utcnow
from core.errors import Conflict, InvalidInput, NotFound
from ledger import merkle, note
from ledger.entries import (
    GENESIS_PREV,
    KEY_ROTATED,
    Entry,
    export_line,
    make_entry,
)
from ledger.export import export_lines
from ledger.keys import LogSigner
from ledger.models import HEAD_ID, LedgerEntry, LedgerHead, LedgerNode

ENTRY = cast(sa.Table, LedgerEntry.__table__)  # type: ignore[attr-defined]
NODE = cast(sa.Table, LedgerNode.__table__)  # type: ignore[attr-defined]
HEAD = cast(sa.Table, LedgerHead.__table__)  # type: ignore[attr-defined]
EXPORT_PAGE = 5000


@dataclass(frozen=True)
class EntryRequest:
    """One entry to append: what happened, who did it, and the facts (a JSON object)."""

    kind: str
    actor: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class InclusionProof:
    seq: int
    tree_size: int
    leaf_hash: bytes
    root: bytes
    path: list[bytes]


@dataclass(frozen=True)
class ConsistencyProof:
    old_size: int
    new_size: int
    old_root: bytes
    new_root: bytes
    path: list[bytes]


@dataclass
class _Head:
    size: int
    head_hash: str
    key: str | None


def _lock_head(session: Session) -> _Head:
    """Lock the head row for this transaction, creating it on first use."""
    conn = session.connection()
    query = sa.select(HEAD.c.size, HEAD.c.head_hash, HEAD.c.key).where(HEAD.c.id == HEAD_ID)
    row = conn.execute(query.with_for_update()).first()
    if row is None:
        values = {"id": HEAD_ID, "size": 0, "head_hash": GENESIS_PREV, "updated_at": utcnow()}
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        conn.execute(dialect.insert(HEAD).values(values).on_conflict_do_nothing())
        row = conn.execute(query.with_for_update()).one()
    return _Head(size=row.size, head_hash=row.head_hash, key=row.key)


def _read_head(session: Session) -> _Head:
    row = (
        session.connection()
        .execute(sa.select(HEAD.c.size, HEAD.c.head_hash, HEAD.c.key).where(HEAD.c.id == HEAD_ID))
        .first()
    )
    if row is None:
        return _Head(size=0, head_hash=GENESIS_PREV, key=None)
    return _Head(size=row.size, head_hash=row.head_hash, key=row.key)


def _fetch_nodes(session: Session, keys: set[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    if not keys:
        return {}
    by_level: dict[int, list[int]] = {}
    for level, idx in keys:
        by_level.setdefault(level, []).append(idx)
    condition = sa.or_(
        *(sa.and_(NODE.c.level == lvl, NODE.c.idx.in_(idxs)) for lvl, idxs in by_level.items())
    )
    rows = session.connection().execute(
        sa.select(NODE.c.level, NODE.c.idx, NODE.c.hash).where(condition)
    )
    found = {(row.level, row.idx): bytes(row.hash) for row in rows}
    if len(found) != len(keys):
        raise RuntimeError(f"ledger tree is missing {len(keys) - len(found)} stored node(s)")
    return found


def _ranges_hasher(session: Session, ranges: Sequence[tuple[int, int]]) -> merkle.RangeHasher:
    """A range hasher over stored perfect subtrees, fetched in one query."""
    wanted = {key for start, end in ranges for key in merkle.perfect_subtrees(start, end)}
    nodes = _fetch_nodes(session, wanted)

    def hasher(start: int, end: int) -> bytes:
        return merkle.range_from_perfect(start, end, nodes)

    return hasher


def _new_nodes(session: Session, first: int, leaves: list[bytes]) -> list[dict[str, Any]]:
    """Rows for the leaves ``first..`` and every perfect subtree they complete."""
    size = first + len(leaves)
    needed: set[tuple[int, int]] = set()
    for seq in range(first, size):
        level, idx = 0, seq
        while idx & 1:
            if idx << level <= first:  # the left sibling ends before the batch: stored
                needed.add((level, idx - 1))
            idx >>= 1
            level += 1
    known = _fetch_nodes(session, needed)
    rows: list[dict[str, Any]] = []
    for offset, leaf in enumerate(leaves):
        level, idx, h = 0, first + offset, leaf
        known[(0, idx)] = h
        rows.append({"level": 0, "idx": idx, "hash": h})
        while idx & 1:
            h = merkle.node_hash(known[(level, idx - 1)], h)
            idx >>= 1
            level += 1
            known[(level, idx)] = h
            rows.append({"level": level, "idx": idx, "hash": h})
    return rows


def _append_many(
    session: Session, signer: LogSigner, requests: Sequence[EntryRequest]
) -> list[Entry]:
    head = _lock_head(session)
    if head.key is None:
        head.key = signer.verifier_key
    elif head.key != signer.verifier_key:
        raise Conflict("this key is not the ledger's current signing key")
    entries: list[Entry] = []
    entry_rows: list[dict[str, Any]] = []
    leaves: list[bytes] = []
    prev, key_now, moment = head.head_hash, head.key, utcnow()
    for offset, request in enumerate(requests):
        if key_now != signer.verifier_key:
            raise InvalidInput("a key rotation must be the last entry of its batch")
        entry, body = make_entry(
            seq=head.size + offset,
            moment=moment,
            kind=request.kind,
            actor=request.actor,
            payload=request.payload,
            prev=prev,
            signer=signer,
        )
        if request.kind == KEY_ROTATED:
            key_now = request.payload["new_key"]
        entries.append(entry)
        leaves.append(merkle.leaf_hash(body))
        entry_rows.append(
            {
                "seq": entry.seq,
                "recorded_at": moment,
                "kind": entry.kind,
                "actor": entry.actor,
                "body": body.decode(),
                "hash": entry.hash,
                "sig": entry.sig,
                "key_id": signer.key_id.hex(),
            }
        )
        prev = entry.hash
    conn = session.connection()
    conn.execute(sa.insert(ENTRY), entry_rows)
    conn.execute(sa.insert(NODE), _new_nodes(session, head.size, leaves))
    conn.execute(
        sa.update(HEAD)
        .where(HEAD.c.id == HEAD_ID)
        .values(size=head.size + len(entries), head_hash=prev, key=key_now, updated_at=utcnow())
    )
    return entries


def append(
    session: Session, signer: LogSigner, *, kind: str, actor: str, payload: dict[str, Any]
) -> Entry:
    """Append one signed entry in the caller's transaction (never commits) and return it.

    ``kind`` names the action (``"supplier.qualified"``, ``"dispatch.sent"``), ``actor``
    who did it, ``payload`` the facts as a JSON object (integers, strings, lists, objects).
    ``signer`` is the log's current key (the caller gets it from settings). Raises
    InvalidInput for a payload that is not canonical JSON, Conflict for a retired key.
    """
    return append_many(session, signer, [EntryRequest(kind, actor, payload)])[0]


def append_many(
    session: Session, signer: LogSigner, requests: Sequence[EntryRequest]
) -> list[Entry]:
    """Append several entries at once (one lock, one insert per table), in order."""
    if any(r.kind == KEY_ROTATED for r in requests):
        raise InvalidInput(f"{KEY_ROTATED!r} entries are written by rotate_key only")
    if not requests:
        return []
    return _append_many(session, signer, requests)


def rotate_key(session: Session, old: LogSigner, new: LogSigner, *, actor: str) -> Entry:
    """Announce ``new`` in an entry signed by ``old``; later entries need ``new``."""
    if new.name != old.name:
        raise InvalidInput("the new key must have the log's name")
    payload = {"new_key": new.verifier_key}
    return _append_many(session, old, [EntryRequest(KEY_ROTATED, actor, payload)])[0]


def current_key(session: Session) -> str | None:
    """The verifier key in force (None before the first entry)."""
    return _read_head(session).key


def tree_size(session: Session) -> int:
    return _read_head(session).size


def root(session: Session, size: int | None = None) -> tuple[int, bytes]:
    """The tree size (default: the current one) and its root hash."""
    current = _read_head(session).size
    size = current if size is None else size
    if not 0 <= size <= current:
        raise NotFound(f"the ledger has no tree of size {size} (size is {current})")
    return size, _ranges_hasher(session, [(0, size)])(0, size)


def checkpoint(session: Session, signer: LogSigner, origin: str) -> str:
    """A signed C2SP checkpoint of the current tree, signed by the key in force."""
    head = _read_head(session)
    if head.key is not None and head.key != signer.verifier_key:
        raise Conflict("this key is not the ledger's current signing key")
    size, top = root(session, head.size)
    return note.sign(note.Checkpoint(origin, size, top).text(), [signer])


def _row_entry(row: Any) -> Entry:
    return Entry(**json.loads(row.body), hash=row.hash, sig=row.sig)


def get_entry(session: Session, seq: int) -> Entry:
    row = session.connection().execute(sa.select(ENTRY).where(ENTRY.c.seq == seq)).first()
    if row is None:
        raise NotFound(f"the ledger has no entry {seq}")
    return _row_entry(row)


def inclusion_proof(session: Session, seq: int, size: int | None = None) -> InclusionProof:
    """The proof that entry ``seq`` is in the tree of ``size`` entries (default: all)."""
    current = _read_head(session).size
    size = current if size is None else size
    if not 0 <= seq < size <= current:
        raise NotFound(f"no entry {seq} in a tree of size {size} (the ledger has {current})")
    ranges = [*merkle.tree_ranges_inclusion(seq, size), (0, size), (seq, seq + 1)]
    hasher = _ranges_hasher(session, ranges)
    path = merkle.inclusion_proof_from(hasher, seq, size)
    return InclusionProof(seq, size, hasher(seq, seq + 1), hasher(0, size), path)


def consistency_proof(
    session: Session, old_size: int, new_size: int | None = None
) -> ConsistencyProof:
    """The proof that the tree of ``old_size`` entries is a prefix of ``new_size``."""
    current = _read_head(session).size
    new_size = current if new_size is None else new_size
    if not 0 < old_size <= new_size <= current:
        raise NotFound(
            f"no consistency proof from size {old_size} to {new_size} (the ledger has {current});"
            " the old size must be at least 1"
        )
    ranges = [*merkle.tree_ranges_consistency(old_size, new_size), (0, old_size), (0, new_size)]
    hasher = _ranges_hasher(session, ranges)
    path = merkle.consistency_proof_from(hasher, old_size, new_size)
    return ConsistencyProof(old_size, new_size, hasher(0, old_size), hasher(0, new_size), path)


def export_page(session: Session, start: int, limit: int) -> list[bytes]:
    """Export lines (without newlines) of the entries ``start .. start + limit - 1``."""
    rows = session.connection().execute(
        sa.select(ENTRY.c.body, ENTRY.c.hash, ENTRY.c.sig)
        .where(ENTRY.c.seq >= start)
        .order_by(ENTRY.c.seq)
        .limit(limit)
    )
    return [export_line(row.body.encode(), row.hash, row.sig) for row in rows]


def export(session: Session, signer: LogSigner, origin: str) -> Iterator[bytes]:
    """The whole export (lines with newlines): entries up to now and their checkpoint."""
    signed = checkpoint(session, signer, origin)
    size = note.parse_checkpoint(note.parse(signed).text).size

    def entry_lines() -> Iterator[bytes]:
        start = 0
        while start < size:
            page = export_page(session, start, min(EXPORT_PAGE, size - start))
            if not page:
                raise RuntimeError(f"ledger entries from {start} are missing")
            yield from page
            start += len(page)

    return export_lines(origin, entry_lines(), signed)
