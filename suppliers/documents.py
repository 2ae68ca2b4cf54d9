"""Qualification documents: stored content-addressed, described by issuer, number and dates.

The file is written to ``<store>/<sha256>`` before the row is flushed. A transaction that
then rolls back leaves an unreferenced file behind; that is harmless (the same bytes would
be stored under the same name again) and cheaper than coordinating the file system with
the database.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session, col

from core.errors import FieldProblem, InvalidInput
from core.inputs import without_control_characters
from suppliers import schemas
from suppliers.models import SupplierDocument
from suppliers.registry import get_supplier
from suppliers.rules import HeldDocument

MAX_FILENAME = 255


def store_file(store: Path, content: bytes) -> str:
    """Write `content` as ``store/<sha256>`` (once; atomically) and return the hash."""
    digest = hashlib.sha256(content).hexdigest()
    target = store / digest
    if target.exists():
        return digest
    store.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=store, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest


def check_dates(meta: schemas.DocumentMeta) -> None:
    if meta.valid_until < meta.valid_from:
        raise InvalidInput(
            f"The document's validity ends ({meta.valid_until}) before it starts "
            f"({meta.valid_from}).",
            problems=[FieldProblem(("body", "valid_until"), "ends before valid_from")],
        )


def upload(
    session: Session,
    supplier_id: int,
    meta: schemas.DocumentMeta,
    *,
    content: bytes,
    filename: str,
    store: Path,
    actor: str,
) -> SupplierDocument:
    """Record a document of the supplier; the answer carries the file's SHA-256."""
    get_supplier(session, supplier_id)
    check_dates(meta)
    if not content:
        raise InvalidInput("The uploaded file is empty.")
    digest = store_file(store, content)
    document = SupplierDocument(
        supplier_id=supplier_id,
        sha256=digest,
        filename=(without_control_characters(Path(filename).name) or "document")[:MAX_FILENAME],
        size_bytes=len(content),
        uploaded_by=actor,
        **meta.model_dump(),
    )
    session.add(document)
    session.flush()
    return document


def list_documents(session: Session, supplier_id: int) -> Sequence[SupplierDocument]:
    return (
        session.execute(
            select(SupplierDocument)
            .where(col(SupplierDocument.supplier_id) == supplier_id)
            .order_by(col(SupplierDocument.id))
        )
        .scalars()
        .all()
    )


def valid_until_on_or_after(session: Session, day: date) -> Sequence[SupplierDocument]:
    """Every supplier's documents still valid on `day` or later (for the expiry alerts)."""
    return (
        session.execute(
            select(SupplierDocument)
            .where(col(SupplierDocument.valid_until) >= day)
            .order_by(col(SupplierDocument.id))
        )
        .scalars()
        .all()
    )


def held(documents: Sequence[SupplierDocument]) -> list[HeldDocument]:
    return [HeldDocument(d.id or 0, d.kind, d.valid_from, d.valid_until) for d in documents]
