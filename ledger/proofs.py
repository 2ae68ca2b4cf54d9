"""Proof bundles: what an auditor takes away to check one entry, or that the log only grew.

A bundle is a JSON object that holds a signed checkpoint and the proof against it, so it
can be checked offline with the log's public key(s):

* inclusion: ``{"type": "inclusion", "checkpoint", "seq", "entry": <export line>, "path"}``;
* consistency: ``{"type": "consistency", "checkpoint", "old_size", "old_root", "path"}``,
  checked against an older checkpoint that the auditor kept.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from core.errors import InvalidInput
from ledger import merkle, note
from ledger.canonical import canonical_json
from ledger.entries import export_line


class ProofError(InvalidInput):
    """The bundle does not prove what it claims."""


def inclusion_bundle(
    signed_checkpoint: str, seq: int, entry_line: bytes, path: list[bytes]
) -> dict[str, Any]:
    return {
        "type": "inclusion",
        "checkpoint": signed_checkpoint,
        "seq": seq,
        "entry": entry_line.decode(),
        "path": [h.hex() for h in path],
    }


def consistency_bundle(
    signed_checkpoint: str, old_size: int, old_root: bytes, path: list[bytes]
) -> dict[str, Any]:
    return {
        "type": "consistency",
        "checkpoint": signed_checkpoint,
        "old_size": old_size,
        "old_root": old_root.hex(),
        "path": [h.hex() for h in path],
    }


def _hashes(values: Any) -> list[bytes]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ProofError("path must be a list of hex strings")
    try:
        return [bytes.fromhex(v) for v in values]
    except ValueError as exc:
        raise ProofError("path holds a value that is not hex") from exc


def _open(signed: Any, origin: str | None, keys: list[str]) -> note.Checkpoint:
    if not isinstance(signed, str):
        raise ProofError("checkpoint must be a signed note")
    text = note.parse(signed).text
    claimed = note.parse_checkpoint(text)
    checkpoint, _ = note.open_checkpoint(signed, origin or claimed.origin, keys)
    return checkpoint


def checkpoint_from_file_text(text: str) -> str:
    """A signed checkpoint from a saved note, or from the last line of an export file."""
    stripped = text.rstrip("\n")
    if stripped.startswith("{"):
        try:
            signed = json.loads(stripped.rsplit("\n", 1)[-1])["checkpoint"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ProofError("the file's last line is not a checkpoint") from exc
        if not isinstance(signed, str):
            raise ProofError("the file's last line is not a checkpoint")
        return signed
    return text


def check_bundle(
    bundle: dict[str, Any], keys: list[str], *, old_checkpoint: str | None = None
) -> str:
    """Check a bundle offline; what it proved, in words. Raises ProofError or NoteError."""
    kind = bundle.get("type")
    if kind == "inclusion":
        return _check_inclusion(bundle, keys)
    if kind == "consistency":
        if old_checkpoint is None:
            raise ProofError("a consistency proof is checked against an older checkpoint")
        return _check_consistency(bundle, keys, old_checkpoint)
    raise ProofError(f"unknown proof type {kind!r}")


def _check_inclusion(bundle: dict[str, Any], keys: list[str]) -> str:
    checkpoint = _open(bundle.get("checkpoint"), None, keys)
    seq, line = bundle.get("seq"), bundle.get("entry")
    if type(seq) is not int or not isinstance(line, str):
        raise ProofError("inclusion bundle needs an integer seq and an entry line")
    try:
        obj = json.loads(line)
        body = obj["entry"]
        body_bytes = canonical_json(body)
        rebuilt = export_line(body_bytes, obj["hash"], obj["sig"])
    except (ValueError, KeyError, TypeError, AttributeError, InvalidInput) as exc:
        raise ProofError("entry is not an export line") from exc
    if rebuilt != line.encode():
        raise ProofError("entry line is not in canonical form")
    if body.get("seq") != seq or hashlib.sha256(body_bytes).hexdigest() != obj["hash"]:
        raise ProofError("entry does not match its seq or hash")
    # The entry's own signature needs the key in force at its seq (rotations); the signed
    # checkpoint already commits to it through the tree.
    leaf = merkle.leaf_hash(body_bytes)
    path = _hashes(bundle.get("path"))
    if not merkle.verify_inclusion(leaf, seq, checkpoint.size, path, checkpoint.root):
        raise ProofError(f"entry {seq} is not in the tree of size {checkpoint.size}")
    return f"entry {seq} is included in the checkpoint of size {checkpoint.size}"


def _check_consistency(bundle: dict[str, Any], keys: list[str], old_checkpoint: str) -> str:
    new = _open(bundle.get("checkpoint"), None, keys)
    old = _open(old_checkpoint, new.origin, keys)
    path = _hashes(bundle.get("path"))
    if bundle.get("old_size") != old.size or bundle.get("old_root") != old.root.hex():
        raise ProofError("the proof is for another old checkpoint than the one given")
    if not merkle.verify_consistency(old.size, new.size, old.root, new.root, path):
        raise ProofError(
            f"the checkpoint of size {new.size} does not extend the one of size {old.size}"
        )
    return f"the checkpoint of size {new.size} extends the one of size {old.size}"
