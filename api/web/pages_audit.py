"""Auditor pages: the latest signed checkpoint, an entry and its inclusion proof, the export
to download, and the exact commands that verify it offline; and, for auditors and
administrators, the log of who was shown personal data.

Nothing in the ledger is secret; every signed-in role may read it (permission `read`). The
access log names staff and what they looked at: `access_log.read` only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from accounts import access_log, roles
from accounts.models import PERSONAL_KINDS
from api.deps import SessionDep, SettingsDep
from api.web import auth
from api.web.render import render
from core.errors import NotFound
from core.inputs import ID_MAX, control_message
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
        "may_read_log": roles.allowed(who.role, "access_log.read"),
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


#: Entries on one page of the access log.
LOG_PAGE = 50
KIND_LABELS = {
    "community_groups": "Vulnerable groups of a community",
    "supplier_contacts": "Supplier contact person",
}


@router.get("/access-log", response_class=HTMLResponse)
def access_log_page(
    request: Request,
    session: SessionDep,
    who: auth.AccessLogPage,
    user: str = "",
    kind: str = "",
    since: str = "",
    before_id: str = "",
) -> Response:
    """Who was shown personal data: newest first, by user, kind and day; older on page 2."""
    values = {"user": user.strip(), "kind": kind, "since": since.strip()}
    errors: dict[str, str] = {}
    if len(values["user"]) > 64 or control_message(values["user"]):
        errors["user"] = "Enter a username of at most 64 characters."
    if kind and kind not in PERSONAL_KINDS:
        errors["kind"] = "Choose a kind from the list."
    day: date | None = None
    if values["since"]:
        try:
            day = date.fromisoformat(values["since"])
        except ValueError:
            errors["since"] = "Enter a date as YYYY-MM-DD."
    before = int(before_id) if before_id.isdigit() and 0 < int(before_id) <= ID_MAX else None
    found: access_log.AccessLogPage | None = None
    if not errors:
        found = access_log.search(
            session,
            username=values["user"] or None,
            kind=kind or None,  # type: ignore[arg-type]  # checked against PERSONAL_KINDS
            since=datetime.combine(day, datetime.min.time(), UTC) if day else None,
            before_id=before,
            limit=LOG_PAGE,
        )
    context: dict[str, Any] = {
        "page": found,
        "values": values,
        "errors": errors,
        "kinds": [(k, KIND_LABELS[k]) for k in PERSONAL_KINDS],
        "kind_labels": KIND_LABELS,
        "older": _older_link(values, found),
        "may_read_log": True,
    }
    return render(request, "access_log.html", context, who=who, status_code=422 if errors else 200)


def _older_link(values: dict[str, str], found: access_log.AccessLogPage | None) -> str | None:
    if found is None or found.next_before_id is None:
        return None
    query = {k: v for k, v in values.items() if v} | {"before_id": str(found.next_before_id)}
    return "/web/audit/access-log?" + urlencode(query)
