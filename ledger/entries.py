"""Ledger entries: the signed, hash-chained records that are the leaves of the Merkle tree.

An entry's *body* is the RFC 8785 canonical JSON of ``{seq, time, kind, actor, payload,
prev}``; its hash is ``SHA-256(body)``; ``prev`` is the hash of the entry before (64 zero
hex digits for the first); its Merkle leaf is ``leaf_hash(body)``. The log key signs
``ENTRY_SIGNATURE_CONTEXT || hash``: the context begins with a NUL byte, which a signed note
can never contain, so an entry signature can never be passed off as a checkpoint signature
made with the same key.

A ``ledger.key_rotated`` entry, signed by the outgoing key, announces the incoming key in
``payload.new_key`` (a note verifier key); every later entry is signed by the new key.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from core.errors import InvalidInput
from ledger.canonical import canonical_json
from ledger.merkle import leaf_hash

GENESIS_PREV = "0" * 64
ENTRY_SIGNATURE_CONTEXT = b"\x00relief-ledger/entry/v1\x00"
KEY_ROTATED = "ledger.key_rotated"
MAX_TEXT = 200


class EntrySigner(Protocol):
    """What `make_entry` needs of a key: Ed25519 signing."""

    def sign(self, message: bytes) -> bytes: ...


def format_time(moment: datetime) -> str:
    """RFC 3339 UTC with microseconds and a ``Z``: one spelling per instant."""
    if moment.tzinfo is None:
        raise InvalidInput("entry time must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def signed_message(entry_hash: bytes) -> bytes:
    """The bytes the log key signs for an entry."""
    return ENTRY_SIGNATURE_CONTEXT + entry_hash


@dataclass(frozen=True)
class Entry:
    """One signed entry, exactly as exported and verified."""

    seq: int
    time: str
    kind: str
    actor: str
    payload: dict[str, Any]
    prev: str
    hash: str
    sig: str

    def body(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": self.time,
            "kind": self.kind,
            "actor": self.actor,
            "payload": self.payload,
            "prev": self.prev,
        }

    def canonical(self) -> bytes:
        return canonical_json(self.body())

    @property
    def leaf_hash(self) -> bytes:
        return leaf_hash(self.canonical())

    def export_line(self) -> bytes:
        """The entry's line in an export (canonical JSON, no newline)."""
        return export_line(self.canonical(), self.hash, self.sig)


def export_line(body: bytes, entry_hash: str, sig: str) -> bytes:
    """``{"entry":<body>,"hash":...,"sig":...}`` in canonical form.

    The keys already sort as JCS requires and ``body`` is canonical, so the line is the
    canonical JSON of the whole object: a verifier can compare bytes instead of re-encoding.
    """
    return (
        b'{"entry":'
        + body
        + b',"hash":"'
        + entry_hash.encode()
        + b'","sig":"'
        + sig.encode()
        + b'"}'
    )


def _check_text(field_name: str, value: str) -> None:
    if not value or len(value) > MAX_TEXT or not value.isprintable():
        raise InvalidInput(
            f"entry {field_name} must be 1 to {MAX_TEXT} printable characters",
        )


def make_entry(
    *,
    seq: int,
    moment: datetime,
    kind: str,
    actor: str,
    payload: dict[str, Any],
    prev: str,
    signer: EntrySigner,
) -> tuple[Entry, bytes]:
    """A new signed entry and its canonical body bytes."""
    _check_text("kind", kind)
    _check_text("actor", actor)
    if not isinstance(payload, dict):
        raise InvalidInput("entry payload must be a JSON object")
    body_obj = {
        "seq": seq,
        "time": format_time(moment),
        "kind": kind,
        "actor": actor,
        "payload": payload,
        "prev": prev,
    }
    body = canonical_json(body_obj)
    digest = hashlib.sha256(body).digest()
    sig = base64.b64encode(signer.sign(signed_message(digest))).decode()
    # Keep the payload as a verifier will parse it back from the canonical bytes.
    clean = json.loads(body)
    entry = Entry(
        seq=seq,
        time=clean["time"],
        kind=kind,
        actor=actor,
        payload=clean["payload"],
        prev=prev,
        hash=digest.hex(),
        sig=sig,
    )
    return entry, body
