"""Auditor pages: the latest signed checkpoint, an entry and its inclusion proof, the export
to download, and the exact commands that verify it offline.

Nothing here is secret; every signed-in role may read the ledger (permission `read`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from api.deps import SessionDep, SettingsDep
from api.web import auth
from api.web.render import render
from core.errors import NotFound
from ledger import keys, schemas, service

router = APIRouter(prefix="/audit")

VERIFY_COMMANDS = """\
# the verifier key: published by the district, or from the API's /ledger/key
.venv/bin/relief ledger verify ledger.jsonl --key "$(cat district.vkey)"
"""


@router.get("", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    who: auth.Anyone,
    seq: str | None = None,
) -> Response:
    """The checkpoint, the verifier key, and (with `seq`) one entry with its inclusion proof."""
    signer = keys.load_or_create(settings.resolved_ledger_key_file, settings.ledger_origin)
    context: dict[str, object] = {
        "checkpoint": service.checkpoint(session, signer, settings.ledger_origin),
        "verifier_key": service.current_key(session) or signer.verifier_key,
        "commands": VERIFY_COMMANDS,
        "seq": seq or "",
        "entry": None,
        "proof": None,
        "error": None,
    }
    status = 200
    if seq:
        if not seq.strip().isdigit():
            context["error"] = "Enter an entry number: 0 or more."
            status = 422
        else:
            try:
                number = int(seq)
                entry = schemas.EntryPublic.of(service.get_entry(session, number))
                proof = schemas.InclusionProofPublic.of(service.inclusion_proof(session, number))
                context["entry"] = json.dumps(entry.model_dump(), indent=2, ensure_ascii=False)
                context["proof"] = proof
            except NotFound as exc:
                context["error"] = exc.detail
                status = 404
    return render(request, "audit.html", context, who=who, status_code=status)


@router.get("/export.jsonl")
def download_export(session: SessionDep, settings: SettingsDep, who: auth.Anyone) -> Response:
    """The whole log as the offline verifier reads it, ending with its signed checkpoint."""
    signer = keys.load_or_create(settings.resolved_ledger_key_file, settings.ledger_origin)
    lines: Iterator[bytes] = iter(list(service.export(session, signer, settings.ledger_origin)))
    return StreamingResponse(
        lines,
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="ledger.jsonl"'},
    )


@router.get("/key.txt")
def download_key(session: SessionDep, settings: SettingsDep, who: auth.Anyone) -> Response:
    signer = keys.load_or_create(settings.resolved_ledger_key_file, settings.ledger_origin)
    key = service.current_key(session) or signer.verifier_key
    return Response(
        key + "\n",
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="district.vkey"'},
    )
