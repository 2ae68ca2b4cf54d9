"""ledger.merkle against the shared RFC 6962 vectors, plus properties over random trees."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import merkle
from tests.ledger.vectors import load

VECTORS = load("rfc6962.json")
TREES = {tree["id"]: tree for tree in VECTORS["trees"]}

# The one published vector that a strict verifier (every hash 32 bytes) answers differently:
# equal sizes with two identical 12-byte "roots". The vectors' README names it an accepted
# deviation for verifiers that reject malformed hash lengths, as ours does.
STRICT_LENGTH_DEVIATIONS = {"tdev:consistency/additional/sizes-are-equal-one-and-proof-is-empty"}


def _h(hexes: list[str]) -> list[bytes]:
    return [bytes.fromhex(x) for x in hexes]


def _leaf_hashes(tree_id: str) -> list[bytes]:
    return _h(TREES[tree_id]["leaf_hashes_hex"])


def _ids(vectors: list[dict[str, Any]]) -> list[str]:
    return [v["id"] for v in vectors]


@pytest.mark.parametrize("vector", VECTORS["hash_vectors"], ids=_ids(VECTORS["hash_vectors"]))
def test_hash_vectors(vector: dict[str, Any]) -> None:
    expected = bytes.fromhex(vector["expected_hex"])
    if vector["kind"] == "empty_root":
        assert merkle.root([]) == expected
    elif vector["kind"] == "leaf":
        assert merkle.leaf_hash(bytes.fromhex(vector["input_hex"])) == expected
    else:
        left, right = bytes.fromhex(vector["left_hex"]), bytes.fromhex(vector["right_hex"])
        assert merkle.node_hash(left, right) == expected


@pytest.mark.parametrize("tree", VECTORS["trees"], ids=list(TREES))
def test_trees_leaf_hashes_roots_and_nodes(tree: dict[str, Any]) -> None:
    leaves = _h(tree["leaves_hex"])
    hashes = [merkle.leaf_hash(leaf) for leaf in leaves]
    assert hashes == _h(tree["leaf_hashes_hex"])
    for r in tree["roots"]:
        assert merkle.root(hashes[: r["tree_size"]]) == bytes.fromhex(r["root_hex"])
    for level, nodes in enumerate(tree.get("node_hashes_hex_by_level", [])):
        for j, node in enumerate(nodes):
            width = 1 << level
            assert merkle.root(hashes[j * width : (j + 1) * width]) == bytes.fromhex(node)


@pytest.mark.parametrize("vector", VECTORS["inclusion"], ids=_ids(VECTORS["inclusion"]))
def test_inclusion_vectors_verify_as_published(vector: dict[str, Any]) -> None:
    ok = merkle.verify_inclusion(
        bytes.fromhex(vector["leaf_hash_hex"]),
        vector["leaf_index"],
        vector["tree_size"],
        _h(vector["path_hex"]),
        bytes.fromhex(vector["root_hex"]),
    )
    assert ok == (vector["expect"] == "valid")


def _consistency_expectation(vector: dict[str, Any]) -> bool:
    if vector["policy_dependent"]:
        return bool(vector["expect_by_policy"]["reject_size1_zero"] == "valid")
    if vector["id"] in STRICT_LENGTH_DEVIATIONS:
        return False
    return bool(vector["expect"] == "valid")


@pytest.mark.parametrize("vector", VECTORS["consistency"], ids=_ids(VECTORS["consistency"]))
def test_consistency_vectors_verify_as_published(vector: dict[str, Any]) -> None:
    ok = merkle.verify_consistency(
        vector["size1"],
        vector["size2"],
        bytes.fromhex(vector["root1_hex"]),
        bytes.fromhex(vector["root2_hex"]),
        _h(vector["path_hex"]),
    )
    assert ok == _consistency_expectation(vector)


def test_strict_length_deviation_is_the_only_one() -> None:
    deviating = [
        v["id"]
        for v in VECTORS["consistency"]
        if not v["policy_dependent"] and (v["expect"] == "valid") != _consistency_expectation(v)
    ]
    assert deviating == sorted(STRICT_LENGTH_DEVIATIONS)


VALID_INCLUSION = [v for v in VECTORS["inclusion"] if v["expect"] == "valid" and v["tree"]]
VALID_CONSISTENCY = [v for v in VECTORS["consistency"] if v["expect"] == "valid" and v["tree"]]


@pytest.mark.parametrize(
    "vector", VALID_INCLUSION + VECTORS["derived_inclusion"], ids=lambda v: v["id"]
)
def test_generated_inclusion_proofs_equal_published(vector: dict[str, Any]) -> None:
    hashes = _leaf_hashes(vector["tree"])[: vector["tree_size"]]
    proof = merkle.inclusion_proof(hashes, vector["leaf_index"])
    assert proof == _h(vector["path_hex"])
    assert merkle.root(hashes) == bytes.fromhex(vector["root_hex"])
    assert merkle.verify_inclusion(
        hashes[vector["leaf_index"]],
        vector["leaf_index"],
        vector["tree_size"],
        proof,
        bytes.fromhex(vector["root_hex"]),
    )


@pytest.mark.parametrize(
    "vector",
    [v for v in VALID_CONSISTENCY if v["size1"] > 0] + VECTORS["derived_consistency"],
    ids=lambda v: v["id"],
)
def test_generated_consistency_proofs_equal_published(vector: dict[str, Any]) -> None:
    hashes = _leaf_hashes(vector["tree"])[: vector["size2"]]
    proof = merkle.consistency_proof(hashes, vector["size1"])
    assert proof == _h(vector["path_hex"])
    assert merkle.root(hashes[: vector["size1"]]) == bytes.fromhex(vector["root1_hex"])
    assert merkle.verify_consistency(
        vector["size1"],
        vector["size2"],
        bytes.fromhex(vector["root1_hex"]),
        bytes.fromhex(vector["root2_hex"]),
        proof,
    )


def test_consistency_from_empty_tree_is_refused() -> None:
    with pytest.raises(ValueError, match="no consistency proof"):
        merkle.consistency_proof([merkle.leaf_hash(b"a")], 0)
    assert not merkle.verify_consistency(0, 1, merkle.EMPTY_ROOT, merkle.leaf_hash(b"a"), [])


def _tree(n: int) -> list[bytes]:
    return [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


@given(st.integers(1, 200).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))))
def test_every_inclusion_proof_verifies_and_binds_the_leaf(case: tuple[int, int]) -> None:
    n, index = case
    hashes = _tree(n)
    proof = merkle.inclusion_proof(hashes, index)
    top = merkle.root(hashes)
    assert len(proof) <= n.bit_length()
    assert merkle.verify_inclusion(hashes[index], index, n, proof, top)
    assert not merkle.verify_inclusion(merkle.leaf_hash(b"other"), index, n, proof, top)
    if n > 1:
        assert not merkle.verify_inclusion(hashes[index], (index + 1) % n, n, proof, top)


@given(st.integers(2, 200).flatmap(lambda n: st.tuples(st.just(n), st.integers(1, n - 1))))
def test_every_consistency_proof_verifies_and_a_rewrite_fails(case: tuple[int, int]) -> None:
    n, m = case
    hashes = _tree(n)
    proof = merkle.consistency_proof(hashes, m)
    old_root, new_root = merkle.root(hashes[:m]), merkle.root(hashes)
    assert merkle.verify_consistency(m, n, old_root, new_root, proof)
    rewritten = list(hashes)
    rewritten[m - 1] = merkle.leaf_hash(b"rewritten")
    assert not merkle.verify_consistency(m, n, old_root, merkle.root(rewritten), proof)
    assert not merkle.verify_consistency(
        m, n, old_root, merkle.root(rewritten), merkle.consistency_proof(rewritten, m)
    )


@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))))
def test_stored_perfect_subtrees_rebuild_any_range(case: tuple[int, int]) -> None:
    n, start_hint = case
    hashes = _tree(n)
    nodes = {}
    for level in range(n.bit_length()):
        width = 1 << level
        for j in range(n // width):
            nodes[(level, j)] = merkle.root(hashes[j * width : (j + 1) * width])
    for start, end in [*merkle.tree_ranges_inclusion(min(start_hint, n - 1), n), (0, n)]:
        assert merkle.range_from_perfect(start, end, nodes) == merkle.root(hashes[start:end])
