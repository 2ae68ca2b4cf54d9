"""Write endpoints' common path: the Idempotency-Key header, replay, the status code, and
the answer shaped by the route's declared `response_model`.

A write answers with a `JSONResponse` (so a replay can carry its status and the
`Idempotent-Replayed` header), which FastAPI sends as it is: it would never apply the
route's `response_model`. `declared` applies it here, to the answer and to what is kept for
replays alike, so a write returns exactly what the document says, never a row's other
columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any

from fastapi import Depends, Header, Request, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, TypeAdapter
from sqlmodel import Session

from core import idempotency
from core.errors import InvalidInput

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
    owner: str,
    payload: bytes,
    action: Callable[[], Any],
    status_code: int = 201,
    redact: Callable[[Any], Any] | None = None,
) -> JSONResponse:
    """Run `action` once per idempotency key; its result becomes the JSON answer.

    `redact` shapes what is kept for replays (a secret shown once is not stored).
    """
    if key is None:
        return JSONResponse(declared(request, action()), status_code=status_code)
    fingerprint = idempotency.fingerprint(request.method, request.url.path, payload)
    stored = idempotency.begin(session, owner=owner, key=key, request_fingerprint=fingerprint)
    if stored is not None:
        return _replayed(stored)
    body = declared(request, action())
    idempotency.finish(
        session,
        owner=owner,
        key=key,
        request_fingerprint=fingerprint,
        status_code=status_code,
        body=redact(body) if redact else body,
    )
    return JSONResponse(body, status_code=status_code)


def declared(request: Request, result: Any) -> Any:
    """`result` as the JSON of the route's `response_model` (rows and other models read by
    attribute), or as it is when the route declares none."""
    model = getattr(request.scope.get("route"), "response_model", None)
    if model is None:
        return jsonable_encoder(result)
    adapter = _adapter(model)
    return adapter.dump_python(
        adapter.validate_python(result, from_attributes=True), mode="json", by_alias=True
    )


@cache
def _adapter(model: Any) -> TypeAdapter[Any]:
    return TypeAdapter(model)


@dataclass(frozen=True)
class WriteOnce:
    """An API write's Idempotency-Key for a long solve (`core.solves.Once`): a stored answer
    is replayed before solving; the key is claimed and the answer recorded with the store."""

    request: Request
    key: str | None
    owner: str
    payload: bytes
    status_code: int = 201

    def replay(self, session: Session) -> JSONResponse | None:
        if self.key is None:
            return None
        fingerprint = idempotency.fingerprint(
            self.request.method, self.request.url.path, self.payload
        )
        stored = idempotency.peek(
            session, owner=self.owner, key=self.key, request_fingerprint=fingerprint
        )
        return None if stored is None else _replayed(stored)

    def run(self, session: Session, store: Callable[[], Any]) -> JSONResponse:
        return run_write(
            session,
            self.request,
            key=self.key,
            owner=self.owner,
            payload=self.payload,
            action=store,
            status_code=self.status_code,
        )


def _replayed(stored: idempotency.StoredAnswer) -> JSONResponse:
    return JSONResponse(
        stored.body, status_code=stored.status_code, headers={"Idempotent-Replayed": "true"}
    )


@dataclass(frozen=True)
class WriteKey:
    """A write route's request and its Idempotency-Key header, as one dependency (`KeyDep`),
    so a route names neither and runs its change with `key.run(...)`."""

    request: Request
    key: str | None

    def run(
        self,
        session: Session,
        owner: str,
        *,
        payload: bytes,
        action: Callable[[], Any],
        status_code: int = 201,
        redact: Callable[[Any], Any] | None = None,
    ) -> JSONResponse:
        """`run_write` for this request: once per key of `owner` (the caller's name)."""
        return run_write(
            session,
            self.request,
            key=self.key,
            owner=owner,
            payload=payload,
            action=action,
            status_code=status_code,
            redact=redact,
        )


def write_key(request: Request, key: IdempotencyKey = None) -> WriteKey:
    return WriteKey(request, key)


KeyDep = Annotated[WriteKey, Depends(write_key)]


def payload_of(body: BaseModel | Sequence[BaseModel] | None = None) -> bytes:
    """The bytes that identify a request's body for its idempotency fingerprint."""
    if body is None:
        return b""
    if isinstance(body, BaseModel):
        return body.model_dump_json().encode()
    return b"[" + b",".join(item.model_dump_json().encode() for item in body) + b"]"


async def read_upload(upload: UploadFile, limit: int) -> bytes:
    """An uploaded file's bytes, refused when larger than `limit` (read no further)."""
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(f"The file is larger than the limit of {limit} bytes.")
    return data
