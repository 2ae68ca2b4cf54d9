"""Page forms that change something run once per form shown.

Each such form carries a one-time key in a hidden field, made when the page is drawn. The
change and the key's record commit together (`core.idempotency`, as the API's
`Idempotency-Key`), so a double click, or sending the form again after a lost answer,
goes to the page the first submit went to and changes nothing more. The same key with other
values (another quantity, another file) is refused with 409 and changes nothing. A refused
change stores nothing: the form, shown again with its message, can be corrected and sent
with the same key.

Every POST form under `api.web` that changes data runs through `run`: depot movements,
the spreadsheet upload (its fingerprint holds the file's name and SHA-256, `file_field`),
count start, entry, post and cancel, receipts, plan approval, routes and dispatch, supplier
decisions and spot checks, the district's plan approval and alert acknowledgement. Signing
in and out and the language switch carry none: they set this browser's cookies, and a
second send sets them again to the same thing.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Mapping

from sqlmodel import Session

from api.web import auth
from core import idempotency
from core.errors import Conflict, InvalidInput

FIELD = "once"
_LEFT_OUT = frozenset({FIELD, auth.CSRF_FIELD})

USED = "This form was already sent with other values; nothing was changed. Open the page again."
BAD_KEY = "This form's one-time key is not valid; nothing was changed. Open the page again."


def new_key() -> str:
    return secrets.token_urlsafe(18)


def file_field(filename: str, data: bytes) -> str:
    """What stands for an uploaded file among the form's values: its name and content hash."""
    return f"{filename}\0sha256:{hashlib.sha256(data).hexdigest()}"


def run(
    session: Session,
    *,
    actor: str,
    path: str,
    form: Mapping[str, str],
    action: Callable[[], str],
) -> str:
    """Run `action` (it answers the page to go to next) once per the form's key.

    Without a key the action simply runs. The same key with other form values is a 409.
    """
    key = form.get(FIELD, "").strip()
    if not key:
        return action()
    owner = f"web:{actor}"
    fields = {k: v for k, v in sorted(form.items()) if k not in _LEFT_OUT}
    fingerprint = idempotency.fingerprint("POST", path, json.dumps(fields).encode())
    try:
        stored = idempotency.begin(session, owner=owner, key=key, request_fingerprint=fingerprint)
    except InvalidInput as exc:
        raise InvalidInput(BAD_KEY) from exc
    except Conflict as exc:
        raise Conflict(USED, extra=exc.extra) from exc
    if stored is not None:
        return str(stored.body["location"])
    location = action()
    idempotency.finish(
        session,
        owner=owner,
        key=key,
        request_fingerprint=fingerprint,
        status_code=303,
        body={"location": location},
    )
    return location
