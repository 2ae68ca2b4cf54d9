"""Response models for the ledger's HTTP API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ledger.entries import Entry
from ledger.service import ConsistencyProof, InclusionProof


class EntryPublic(BaseModel):
    """One entry as signed: the body fields, its hash (hex) and signature (base64)."""

    seq: int
    time: str
    kind: str
    actor: str
    payload: dict[str, Any]
    prev: str
    hash: str
    sig: str

    @classmethod
    def of(cls, entry: Entry) -> EntryPublic:
        return cls(**entry.body(), hash=entry.hash, sig=entry.sig)


class InclusionProofPublic(BaseModel):
    """RFC 9162 inclusion proof; hashes are lowercase hex, the path leaf-to-root."""

    seq: int
    tree_size: int
    leaf_hash: str
    root: str
    path: list[str]

    @classmethod
    def of(cls, proof: InclusionProof) -> InclusionProofPublic:
        return cls(
            seq=proof.seq,
            tree_size=proof.tree_size,
            leaf_hash=proof.leaf_hash.hex(),
            root=proof.root.hex(),
            path=[h.hex() for h in proof.path],
        )


class ConsistencyProofPublic(BaseModel):
    """RFC 9162 consistency proof between two tree sizes; hashes are lowercase hex."""

    old_size: int
    new_size: int
    old_root: str
    new_root: str
    path: list[str]

    @classmethod
    def of(cls, proof: ConsistencyProof) -> ConsistencyProofPublic:
        return cls(
            old_size=proof.old_size,
            new_size=proof.new_size,
            old_root=proof.old_root.hex(),
            new_root=proof.new_root.hex(),
            path=[h.hex() for h in proof.path],
        )
