"""Losses and counts on the ledger: what an auditor asks about first.

A write-off (`stock.written_off`) and a posted count with its variances
(`stock.count_posted`) are signed ledger entries written in the same transaction as their
movements, so a loss cannot be booked without leaving a signed trace, nor a trace without
the loss. Entries carry codes and quantities, never a person's name beyond the actor.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from inventory import registry, schemas
from inventory.models import Depot
from ledger import service as ledger
from ledger.keys import LogSigner

WRITTEN_OFF = "stock.written_off"
COUNT_POSTED = "stock.count_posted"


def written_off(
    session: Session,
    signer: LogSigner,
    *,
    action_id: str,
    lines: Sequence[tuple[str, str, str, int, str]],
    actor: str,
    source: str,
) -> None:
    """One entry for one action's write-offs: (depot, item, lot, quantity, reason) codes."""
    if not lines:
        return
    ledger.append(
        session,
        signer,
        kind=WRITTEN_OFF,
        actor=actor,
        payload={
            "action": action_id,
            "source": source,
            "lines": [[d, i, lot, q, reason] for d, i, lot, q, reason in lines],
            "quantity": sum(q for _, _, _, q, _ in lines),
        },
    )


def count_posted(
    session: Session, signer: LogSigner, count: schemas.CountPublic, action_id: str, actor: str
) -> None:
    """The posted count: every counted line with the books' quantity, the count, the variance."""
    depot = registry.get(session, Depot, count.depot_id, "Depot")
    counted = [x for x in count.lines if x.counted is not None]
    ledger.append(
        session,
        signer,
        kind=COUNT_POSTED,
        actor=actor,
        payload={
            "count": count.id,
            "depot": depot.code,
            "action": action_id,
            "lines": [
                [x.item_code, x.lot_number, x.expected, x.counted, x.variance or 0] for x in counted
            ],
            "uncounted": len(count.lines) - len(counted),
            "variance": sum(x.variance or 0 for x in counted),
        },
    )
