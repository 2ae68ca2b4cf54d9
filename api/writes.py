"""Write endpoints' common path: the Idempotency-Key header, replay, and the status code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlmodel import Session

from core import idempotency

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="A unique key per intended change; a retry with the same key returns "
        "the first answer and changes nothing again.",
        max_length=idempotency.MAX_KEY_LENGTH,
    ),
]


def run_write(
    session: Session,
    request: Request,
    *,
    key: str | None,
    scope: str,
    payload: bytes,
    action: Callable[[], Any],
    status_code: int = 201,
    redact: Callable[[Any], Any] | None = None,
) -> JSONResponse:
    """Run `action` once per idempotency key; its result becomes the JSON answer.

    `redact` shapes what is kept for replays (a secret shown once is not stored).
    """
    if key is None:
        return JSONResponse(jsonable_encoder(action()), status_code=status_code)
    fingerprint = idempotency.fingerprint(request.method, request.url.path, payload)
    stored = idempotency.begin(session, scope=scope, key=key, request_fingerprint=fingerprint)
    if stored is not None:
        return JSONResponse(
            stored.body, status_code=stored.status_code, headers={"Idempotent-Replayed": "true"}
        )
    body = jsonable_encoder(action())
    idempotency.finish(
        session,
        scope=scope,
        key=key,
        request_fingerprint=fingerprint,
        status_code=status_code,
        body=redact(body) if redact else body,
    )
    return JSONResponse(body, status_code=status_code)
