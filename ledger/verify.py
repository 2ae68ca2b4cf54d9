"""Offline verification of an export: trust the math and one public key, not the server.

Checks every line's canonical form, every entry's sequence number, hash, link to the one
before and signature, follows key rotations from the trusted (first) key, recomputes the
Merkle root and checks it, and the tree size, against the signed checkpoint at the end.
The answer names the first entry that fails and why.

Per-entry work (JSON parsing, canonical encoding, hashing, Ed25519) is spread over worker
processes in ordered chunks; a chunk checks its own links and reports its first ``prev``
and last hash so the parent can check the links between chunks. The signing key in force
at each entry is known up front: rotation entries are found by a cheap byte search while
reading (then parsed for real), so workers never wait for each other.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from core import pools
from core.errors import InvalidInput
from ledger import merkle
from ledger.canonical import canonical_json
from ledger.entries import GENESIS_PREV, KEY_ROTATED, export_line, parse_time, signed_message
from ledger.export import FORMAT, checkpoint_line, header_line
from ledger.note import (
    ED25519,
    Checkpoint,
    NoteError,
    VerifierKey,
    open_checkpoint,
    parse,
    parse_checkpoint,
)

pools.preload(__name__)  # chunks are checked in worker processes

BODY_KEYS = {"seq", "time", "kind", "actor", "payload", "prev"}
_ROTATION_MARK = b'"kind":"' + KEY_ROTATED.encode() + b'"'
CHUNK = 4096


@dataclass(frozen=True)
class VerifyReport:
    """The outcome: ``ok``, or the first failing entry's ``seq`` (None: not an entry) and why."""

    ok: bool
    reason: str
    seq: int | None = None
    entries: int = 0
    checkpoint: Checkpoint | None = None
    final_key: str | None = None


class _Failure(Exception):
    def __init__(self, seq: int | None, reason: str) -> None:
        super().__init__(reason)
        self.seq = seq
        self.reason = reason


@dataclass(frozen=True)
class _ChunkResult:
    start: int
    leaves: bytes
    first_prev: str | None
    last_hash: str | None
    error: tuple[int, str] | None


def _rotation_key(body: Any) -> VerifierKey | None:
    """The key a rotation body announces, or None when it announces none that is valid."""
    payload = body.get("payload") if isinstance(body, dict) else None
    new_key = payload.get("new_key") if isinstance(payload, dict) else None
    if not isinstance(new_key, str):
        return None
    try:
        key = VerifierKey.parse(new_key)
    except NoteError:
        return None
    return key if key.key_type == ED25519 else None


def _check_line(raw: bytes, seq: int, key: VerifyKey) -> tuple[dict[str, Any], bytes, bytes]:
    """Check one entry line on its own; its body, hash and leaf hash. Raises _Failure."""
    try:
        obj = json.loads(raw)
    except ValueError:
        raise _Failure(seq, "line is not JSON") from None
    if not isinstance(obj, dict) or obj.keys() != {"entry", "hash", "sig"}:
        raise _Failure(seq, "line is not an entry")
    body, hash_hex, sig_b64 = obj["entry"], obj["hash"], obj["sig"]
    if not isinstance(body, dict) or body.keys() != BODY_KEYS:
        raise _Failure(seq, "entry does not have exactly seq, time, kind, actor, payload, prev")
    if not isinstance(hash_hex, str) or not isinstance(sig_b64, str):
        raise _Failure(seq, "hash and sig must be strings")
    try:
        canonical = canonical_json(body)
    except InvalidInput:
        raise _Failure(seq, "entry cannot be canonicalised") from None
    if export_line(canonical, hash_hex, sig_b64) != raw:
        raise _Failure(seq, "line is not in canonical form")
    found = body["seq"]
    if type(found) is not int or found != seq:
        raise _Failure(seq, f"expected seq {seq}, found {found!r}")
    if not all(isinstance(body[k], str) for k in ("time", "kind", "actor", "prev")):
        raise _Failure(seq, "time, kind, actor and prev must be strings")
    if not isinstance(body["payload"], dict):
        raise _Failure(seq, "payload must be an object")
    try:
        parse_time(body["time"])
    except ValueError:
        raise _Failure(seq, "time is not RFC 3339 UTC") from None
    digest = hashlib.sha256(canonical).digest()
    if digest.hex() != hash_hex:
        raise _Failure(seq, "hash does not match the entry")
    try:
        sig = base64.b64decode(sig_b64, validate=True)
    except (binascii.Error, ValueError):
        sig = b""
    if len(sig) != 64 or base64.b64encode(sig).decode() != sig_b64:
        raise _Failure(seq, "signature is not base64 of 64 bytes")
    try:
        key.verify(signed_message(digest), sig)
    except BadSignatureError:
        raise _Failure(seq, "signature does not verify with the key in force") from None
    return body, digest, merkle.leaf_hash(canonical)


def _check_chunk(start: int, lines: list[bytes], keys: dict[int, bytes]) -> _ChunkResult:
    """Check a run of entry lines. ``keys[s]`` is the public key in force from seq ``s``."""
    leaves: list[bytes] = []
    first_prev: str | None = None
    last_hash: str | None = None
    current = VerifyKey(keys[start])
    for offset, raw in enumerate(lines):
        seq = start + offset
        if seq in keys and seq != start:
            current = VerifyKey(keys[seq])
        try:
            body, digest, leaf = _check_line(raw, seq, current)
            if seq == 0 and body["prev"] != GENESIS_PREV:
                raise _Failure(seq, "first entry does not start the chain")
            if last_hash is not None and body["prev"] != last_hash:
                raise _Failure(seq, f"prev is not the hash of entry {seq - 1}")
            if body["kind"] == KEY_ROTATED and _rotation_key(body) is None:
                raise _Failure(seq, "key rotation does not announce a valid Ed25519 key")
        except _Failure as failure:
            return _ChunkResult(
                start, b"".join(leaves), first_prev, last_hash, (seq, failure.reason)
            )
        if first_prev is None:
            first_prev = body["prev"]
        last_hash = digest.hex()
        leaves.append(leaf)
    return _ChunkResult(start, b"".join(leaves), first_prev, last_hash, None)


def _check_chunk_args(args: tuple[int, list[bytes], dict[int, bytes]]) -> _ChunkResult:
    return _check_chunk(*args)


class _Reader:
    """Splits the stream into header, entry chunks and the final line; tracks rotations."""

    def __init__(self, lines: Iterable[bytes], trusted: VerifierKey) -> None:
        self._lines = iter(lines)
        self.header: bytes | None = None
        self.last: bytes | None = None
        self.count = 0
        self.key_from: dict[int, VerifierKey] = {0: trusted}
        self.current = trusted

    def chunks(self, size: int) -> Iterator[tuple[int, list[bytes], dict[int, bytes]]]:
        self.header = next(self._lines, None)
        pending: bytes | None = next(self._lines, None)
        chunk: list[bytes] = []
        chunk_keys: dict[int, bytes] = {self.count: self.current.public_key}
        for line in self._lines:
            assert pending is not None
            seq = self.count
            raw = pending[:-1] if pending.endswith(b"\n") else pending
            chunk.append(raw)
            self.count += 1
            if _ROTATION_MARK in raw:
                self._note_rotation(seq, raw, chunk_keys)
            pending = line
            if len(chunk) == size:
                yield seq - size + 1, chunk, chunk_keys
                chunk, chunk_keys = [], {self.count: self.current.public_key}
        if chunk:
            yield self.count - len(chunk), chunk, chunk_keys
        self.last = pending

    def _note_rotation(self, seq: int, raw: bytes, chunk_keys: dict[int, bytes]) -> None:
        try:
            body = json.loads(raw).get("entry")
        except (ValueError, AttributeError):
            return
        if isinstance(body, dict) and body.get("kind") == KEY_ROTATED:
            key = _rotation_key(body)
            if key is not None:
                self.current = key
                self.key_from[seq + 1] = key
                chunk_keys[seq + 1] = key.public_key


def _strip_line(line: bytes | None, what: str) -> bytes:
    if line is None:
        raise _Failure(None, f"export has no {what} line")
    if not line.endswith(b"\n"):
        raise _Failure(None, f"the {what} line does not end with a newline")
    return line[:-1]


def _run_chunks(reader: _Reader, workers: int, chunk_size: int) -> Iterator[_ChunkResult]:
    if workers <= 1:
        for args in reader.chunks(chunk_size):
            yield _check_chunk(*args)
        return
    with pools.process_pool(workers) as pool:
        # imap keeps results in order; chunks are produced as the file is read.
        yield from pool.imap(_check_chunk_args, reader.chunks(chunk_size), chunksize=1)


def verify_export(
    lines: Iterable[bytes],
    trusted_key: str,
    *,
    workers: int = 1,
    chunk_size: int = CHUNK,
) -> VerifyReport:
    """Verify an export read as raw lines (each ending in a newline, as from a binary file).

    ``trusted_key`` is the log's first verifier key; rotations are followed from it.
    """
    try:
        trusted = VerifierKey.parse(trusted_key)
    except NoteError as exc:
        return VerifyReport(False, f"trusted key: {exc.detail}")
    if trusted.key_type != ED25519:
        return VerifyReport(False, "trusted key must be an Ed25519 (type 1) note key")
    reader = _Reader(lines, trusted)
    try:
        leaves = _verify_entries(reader, workers, chunk_size)
        header = _strip_line(reader.header, "header")
        try:
            origin = json.loads(header)["origin"]
        except (ValueError, KeyError, TypeError):
            raise _Failure(None, "header is not an export header") from None
        if not isinstance(origin, str) or header != header_line(origin):
            raise _Failure(None, f"header is not a {FORMAT} header")
        checkpoint = _verify_checkpoint(reader, origin, len(leaves))
        if merkle.root(leaves) != checkpoint.root:
            raise _Failure(None, "Merkle root of the entries does not match the checkpoint")
    except _Failure as failure:
        return VerifyReport(False, failure.reason, failure.seq, reader.count)
    return VerifyReport(
        True,
        f"{len(leaves)} entries verified",
        entries=len(leaves),
        checkpoint=checkpoint,
        final_key=reader.current.encode(),
    )


def _verify_entries(reader: _Reader, workers: int, chunk_size: int) -> list[bytes]:
    """Leaf hashes of all entries, or _Failure at the first entry that fails."""
    leaves: list[bytes] = []
    last_hash: str | None = None
    for result in _run_chunks(reader, workers, chunk_size):
        if (
            result.first_prev is not None
            and last_hash is not None
            and result.first_prev != last_hash
        ):
            raise _Failure(result.start, f"prev is not the hash of entry {result.start - 1}")
        blob = result.leaves
        leaves.extend(blob[i : i + 32] for i in range(0, len(blob), 32))
        if result.error is not None:
            raise _Failure(*result.error)
        last_hash = result.last_hash or last_hash
    return leaves


def _verify_checkpoint(reader: _Reader, origin: str, size: int) -> Checkpoint:
    raw = _strip_line(reader.last, "checkpoint")
    try:
        signed = json.loads(raw)["checkpoint"]
    except (ValueError, KeyError, TypeError):
        raise _Failure(None, "last line is not a checkpoint") from None
    if not isinstance(signed, str) or raw != checkpoint_line(signed):
        raise _Failure(None, "checkpoint line is not in canonical form")
    try:
        if parse(signed).encode() != signed:
            raise _Failure(None, "checkpoint note is not in canonical form")
        claimed = parse_checkpoint(parse(signed).text)
        if claimed.size != size:
            # Named before the signature is checked: a cut tail may also have cut the
            # rotation to the key that signed the checkpoint.
            raise _Failure(
                min(size, claimed.size),
                f"export has {size} entries but the checkpoint covers {claimed.size}",
            )
        checkpoint, _ = open_checkpoint(signed, origin, [reader.current])
    except NoteError as exc:
        raise _Failure(None, f"checkpoint: {exc.detail}") from None
    return checkpoint


def verify_export_bytes(data: bytes, trusted_key: str, *, workers: int = 1) -> VerifyReport:
    """`verify_export` over an in-memory export."""
    return verify_export(data.splitlines(keepends=True), trusted_key, workers=workers)
