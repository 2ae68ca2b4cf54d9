"""Page forms that change something run once per form shown.

Each such form carries a one-time key in a hidden field, made when the page is drawn. The
change and the key's record commit together (`core.idempotency`, as the API's
`Idempotency-Key`), so a double click, or sending the form again after a lost answer,
goes to the page the first submit went to and changes nothing more. A refused change
stores nothing: the form, shown again with its message, can be corrected and sent.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping

from sqlmodel import Session

from api.web import auth
from core import idempotency

FIELD = "once"
_LEFT_OUT = frozenset({FIELD, auth.CSRF_FIELD})


def new_key() -> str:
    return secrets.token_urlsafe(18)


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
    scope = f"web:{actor}"
    fields = {k: v for k, v in sorted(form.items()) if k not in _LEFT_OUT}
    fingerprint = idempotency.fingerprint("POST", path, json.dumps(fields).encode())
    stored = idempotency.begin(session, scope=scope, key=key, request_fingerprint=fingerprint)
    if stored is not None:
        return str(stored.body["location"])
    location = action()
    idempotency.finish(
        session,
        scope=scope,
        key=key,
        request_fingerprint=fingerprint,
        status_code=303,
        body={"location": location},
    )
    return location
