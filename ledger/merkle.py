"""RFC 6962 / RFC 9162 Merkle tree: hashes, roots, inclusion and consistency proofs.

A pure module over plain bytes, so that auditors' scripts and outside tools can use it
without the rest of the ledger. The public names are fixed:

    leaf_hash, root, inclusion_proof, verify_inclusion, consistency_proof, verify_consistency

Proof generation is written once, over a *range hasher* (a function giving the Merkle tree
hash of leaves ``[start, end)``). Over a list of leaf hashes that function recomputes the
subtree; the ledger's store instead answers it from stored perfect subtrees
(`perfect_subtrees`), which is why a proof from the store costs O(log n) reads.

Policy (see the test vectors' README): every hash must be 32 bytes; consistency from an
empty tree (old size 0) is rejected; equal sizes need an empty proof and equal roots.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

RangeHasher = Callable[[int, int], bytes]
"""Merkle tree hash of the leaves ``[start, end)`` of some fixed list of leaves."""


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 || data)``: the hash of one leaf."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``: the hash of an interior node."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly less than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle tree hash of a list of leaf hashes (RFC 9162 §2.1.1).

    Built bottom-up: pairing neighbours and carrying an odd last node up a level gives
    exactly the tree that splits at the largest power of two below n.
    """
    if not leaf_hashes:
        return EMPTY_ROOT
    level = list(leaf_hashes)
    sha = hashlib.sha256
    while len(level) > 1:
        nxt = [sha(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def list_hasher(leaf_hashes: Sequence[bytes]) -> RangeHasher:
    """A range hasher that recomputes subtrees from a list of leaf hashes."""

    def hasher(start: int, end: int) -> bytes:
        return root(leaf_hashes[start:end])

    return hasher


def inclusion_proof_from(hasher: RangeHasher, index: int, tree_size: int) -> list[bytes]:
    """PATH(index, D[tree_size]) of RFC 9162 §2.1.3.1, leaf-to-root order."""
    if not 0 <= index < tree_size:
        raise ValueError(f"index {index} is outside a tree of size {tree_size}")
    proof: list[bytes] = []
    start, end, m = 0, tree_size, index
    while end - start > 1:
        k = _split(end - start)
        if m < k:
            proof.append(hasher(start + k, end))
            end = start + k
        else:
            proof.append(hasher(start, start + k))
            start, m = start + k, m - k
    proof.reverse()
    return proof


def consistency_proof_from(hasher: RangeHasher, old_size: int, new_size: int) -> list[bytes]:
    """PROOF(old_size, D[new_size]) of RFC 9162 §2.1.4.1 for 0 < old_size <= new_size."""
    if not 0 < old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to size {new_size}")
    proof: list[bytes] = []
    start, end, m, whole = 0, new_size, old_size, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            proof.append(hasher(start + k, end))
            end = start + k
        else:
            proof.append(hasher(start, start + k))
            start, m, whole = start + k, m - k, False
    if not whole:
        proof.append(hasher(start, end))
    proof.reverse()
    return proof


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """The inclusion proof of leaf ``index`` in the tree over all of ``leaf_hashes``."""
    return inclusion_proof_from(list_hasher(leaf_hashes), index, len(leaf_hashes))


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """The proof that the tree of the first ``old_size`` leaves is a prefix of the whole."""
    return consistency_proof_from(list_hasher(leaf_hashes), old_size, len(leaf_hashes))


def _all_hashes(*hashes: bytes) -> bool:
    return all(len(h) == HASH_SIZE for h in hashes)


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: does ``proof`` put ``leaf_hash`` at ``index`` under ``root``?

    Take ``tree_size`` and ``root`` together from one signed checkpoint: a path alone does
    not bind the size.
    """
    if not 0 <= index < tree_size or not _all_hashes(leaf_hash, root, *proof):
        return False
    fn, sn, r = index, tree_size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree (old_size, old_root) a prefix of (new_size, new_root)?

    Old size 0 is rejected (there is nothing to be consistent with); equal sizes need an
    empty proof and equal roots.
    """
    if not 0 < old_size <= new_size or not _all_hashes(old_root, new_root, *proof):
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0


def perfect_subtrees(start: int, end: int) -> list[tuple[int, int]]:
    """The perfect subtrees, as ``(level, index)``, whose hashes make up ``[start, end)``.

    Level ``L`` index ``j`` covers leaves ``[j * 2**L, (j + 1) * 2**L)``. Every range that
    the RFC 6962 recursion visits starts on a boundary of its own largest power of two, so
    it splits into at most log2(n) such subtrees.
    """
    out: list[tuple[int, int]] = []
    while start < end:
        size = end - start
        if size & (size - 1) == 0:
            level = size.bit_length() - 1
            out.append((level, start >> level))
            break
        k = _split(size)
        level = k.bit_length() - 1
        out.append((level, start >> level))
        start += k
    return out


def range_from_perfect(start: int, end: int, nodes: dict[tuple[int, int], bytes]) -> bytes:
    """The hash of ``[start, end)`` from its perfect subtrees (see `perfect_subtrees`)."""
    if start == end:
        return EMPTY_ROOT
    parts = [nodes[key] for key in perfect_subtrees(start, end)]
    acc = parts[-1]
    for part in reversed(parts[:-1]):
        acc = node_hash(part, acc)
    return acc


def tree_ranges_inclusion(index: int, tree_size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes `inclusion_proof_from` asks for."""
    asked: list[tuple[int, int]] = []

    def record(start: int, end: int) -> bytes:
        asked.append((start, end))
        return EMPTY_ROOT

    inclusion_proof_from(record, index, tree_size)
    return asked


def tree_ranges_consistency(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes `consistency_proof_from` asks for."""
    asked: list[tuple[int, int]] = []

    def record(start: int, end: int) -> bytes:
        asked.append((start, end))
        return EMPTY_ROOT

    consistency_proof_from(record, old_size, new_size)
    return asked
