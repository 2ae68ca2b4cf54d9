"""Ledger routes: the latest checkpoint, entries, inclusion and consistency proofs, export.

Read-only; who may call it is decided where the router is mounted (`api/app.py`). Nothing
here is secret: auditors verify all of it with the log's public key. The log's signing key
comes from settings and is handed to the service as an argument.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import PlainTextResponse, Response

from api.deps import SessionDep, SettingsDep
from core.inputs import ID_MAX
from ledger import keys, schemas, service
from ledger.keys import LogSigner

router = APIRouter(prefix="/ledger", tags=["ledger"])

NDJSON = "application/x-ndjson"


def get_ledger_signer(settings: SettingsDep) -> LogSigner:
    """The log's signer, from the key file named by settings (created on first use)."""
    return keys.load_or_create(settings.resolved_ledger_key_file, settings.ledger_origin)


LedgerSignerDep = Annotated[LogSigner, Depends(get_ledger_signer)]
Seq = Annotated[int, Path(ge=0, le=ID_MAX)]
Size = Annotated[
    int | None, Query(ge=0, le=ID_MAX, description="Tree size (default: the current one).")
]


@router.get(
    "/checkpoint",
    response_class=PlainTextResponse,
    responses={409: {"description": "The signing key configured is not the key in force."}},
)
def latest_checkpoint(session: SessionDep, signer: LedgerSignerDep, settings: SettingsDep) -> str:
    """The current tree size and root as a signed C2SP tlog-checkpoint note."""
    return service.checkpoint(session, signer, settings.ledger_origin)


@router.get("/key", response_class=PlainTextResponse)
def verifier_key(session: SessionDep, signer: LedgerSignerDep) -> str:
    """The log's current public key, as a note verifier key."""
    return (service.current_key(session) or signer.verifier_key) + "\n"


@router.get("/entries/{seq}", response_model=schemas.EntryPublic)
def entry(seq: Seq, session: SessionDep) -> schemas.EntryPublic:
    return schemas.EntryPublic.of(service.get_entry(session, seq))


@router.get("/proofs/inclusion/{seq}", response_model=schemas.InclusionProofPublic)
def inclusion_proof(
    seq: Seq, session: SessionDep, tree_size: Size = None
) -> schemas.InclusionProofPublic:
    return schemas.InclusionProofPublic.of(service.inclusion_proof(session, seq, tree_size))


@router.get(
    "/proofs/consistency",
    response_model=schemas.ConsistencyProofPublic,
    responses={404: {"description": "The ledger has no tree of one of these sizes."}},
)
def consistency_proof(
    session: SessionDep,
    old_size: Annotated[int, Query(ge=1, le=ID_MAX)],
    new_size: Size = None,
) -> schemas.ConsistencyProofPublic:
    return schemas.ConsistencyProofPublic.of(service.consistency_proof(session, old_size, new_size))


@router.get("/export", response_class=Response)
def export_page(
    session: SessionDep,
    start: Annotated[int, Query(ge=0, le=ID_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> Response:
    """Entries ``start..`` as export lines (JSON lines, byte for byte as signed).

    The ``Link: <...>; rel="next"`` header gives the next page while there is one.
    """
    lines = service.export_page(session, start, limit)
    headers = {}
    if len(lines) == limit:
        headers["Link"] = f'</ledger/export?start={start + limit}&limit={limit}>; rel="next"'
    return Response(b"".join(line + b"\n" for line in lines), media_type=NDJSON, headers=headers)
