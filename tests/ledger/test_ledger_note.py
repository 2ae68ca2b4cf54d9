"""ledger.note against the shared C2SP signed-note, checkpoint and cosignature vectors."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from ledger import note
from ledger.keys import LogSigner, WitnessCosigner
from tests.ledger.vectors import load

VECTORS = load("signed-note.json")
NOTES = [v for v in VECTORS["notes"] if not v.get("format_only")]
FORMAT_ONLY = [v for v in VECTORS["notes"] if v.get("format_only")]


def _open(vector: dict[str, Any]) -> None:
    """Accept the note as the vector describes it: signatures, then the checkpoint if any."""
    note.verify(vector["note"], vector.get("vkeys", []))
    if "checkpoint" in vector:
        note.open_checkpoint(vector["note"], vector["checkpoint"]["origin"], vector["vkeys"])


@pytest.mark.parametrize("vector", NOTES, ids=[v["id"] for v in NOTES])
def test_note_vectors(vector: dict[str, Any]) -> None:
    keys = vector.get("vkeys", [])
    if vector["expect"] == "invalid":
        with pytest.raises(note.NoteError):
            _open(vector)
        return
    names = note.verify(vector["note"], keys)
    assert names == set(vector["expect_verified_names"])
    assert not names & set(vector.get("expect_unverified_names", []))
    if "checkpoint" in vector:
        checkpoint, signers = note.open_checkpoint(
            vector["note"], vector["checkpoint"]["origin"], keys
        )
        assert signers == names
        assert checkpoint.origin == vector["checkpoint"]["origin"]
        assert len(checkpoint.root) == 32
    if "expect_cosignature_v1" in vector:
        name = vector["expect_cosignature_v1"]["name"]
        key = next(k for k in map(note.VerifierKey.parse, keys) if k.name == name)
        assert key.key_type == note.COSIGNATURE_V1
        assert note.verify(vector["note"], [key]) == {name}


DETERMINISTIC = [v for v in NOTES if v.get("deterministic_resign")]


@pytest.mark.parametrize("vector", DETERMINISTIC, ids=[v["id"] for v in DETERMINISTIC])
def test_resigning_reproduces_the_published_note(vector: dict[str, Any]) -> None:
    if "skey" in vector:
        signer = LogSigner.parse_private(vector["skey"])
    else:
        name = vector["vkeys"][0].split("+")[0]
        signer = LogSigner(name=name, seed=bytes.fromhex(vector["seed_hex"]))
    assert signer.verifier_key == vector["vkeys"][0]
    assert note.sign(vector["text"], [signer]) == vector["note"]


@pytest.mark.parametrize("vector", FORMAT_ONLY, ids=[v["id"] for v in FORMAT_ONLY])
def test_cosignature_line_format(vector: dict[str, Any]) -> None:
    parsed = note.parse(vector["note"])
    line = next(s for s in parsed.signatures if s.name == vector["cosignature_line_name"])
    assert line.key_id.hex() == vector["expect_key_id_hex"]
    assert len(line.signature) == 72
    timestamp = int.from_bytes(line.signature[:8], "big")
    assert timestamp == vector["expect_timestamp"]
    message = note.cosignature_message(parsed.text.encode(), timestamp)
    assert message.decode() == vector["expect_signed_message"]


@pytest.mark.parametrize(
    "case", VECTORS["checkpoint_parse"], ids=[c["id"] for c in VECTORS["checkpoint_parse"]]
)
def test_checkpoint_parsing_is_strict(case: dict[str, Any]) -> None:
    if case["expect_strict"] == "valid":
        note.parse_checkpoint(case["checkpoint_text"])
    else:
        with pytest.raises(note.MalformedNote):
            note.parse_checkpoint(case["checkpoint_text"])


def test_our_checkpoint_round_trips_and_a_witness_cosigns_it() -> None:
    log = LogSigner(name="relief.example/log", seed=bytes(range(32)))
    witness = WitnessCosigner(name="province.example/w1", seed=bytes(32), timestamp=1_700_000_000)
    checkpoint = note.Checkpoint("relief.example/log", 42, bytes(range(32)))
    signed = note.sign(checkpoint.text(), [log])
    cosigned = note.add_signatures(signed, [witness])
    keys = [log.verifier_key, witness.verifier_key]
    opened, names = note.open_checkpoint(cosigned, "relief.example/log", keys)
    assert opened == checkpoint
    assert names == {"relief.example/log", "province.example/w1"}
    assert note.verify(cosigned, [witness.verifier_key]) == {"province.example/w1"}


def test_a_known_key_with_a_bad_signature_rejects_the_note_even_if_another_verifies() -> None:
    good = LogSigner(name="a.example", seed=bytes(32))
    other = LogSigner(name="b.example", seed=bytes([1]) * 32)
    signed = note.sign("hello\n", [good, other])
    parsed = note.parse(signed)
    bad_line = note.SignatureLine(other.name, other.key_id, bytes(64))
    forged = note.Note(parsed.text, (parsed.signatures[0], bad_line)).encode()
    assert note.verify(forged, [good.verifier_key]) == {"a.example"}
    with pytest.raises(note.InvalidNoteSignature):
        note.verify(forged, [good.verifier_key, other.verifier_key])


@pytest.mark.parametrize(
    "vkey",
    [
        "no-plus-signs",
        "name+zzzzzzzz+AQ==",
        "name+00000000+" + base64.b64encode(bytes([1]) + bytes(32)).decode(),
        "bad name+00000000+AQ==",
    ],
)
def test_malformed_verifier_keys_are_refused(vkey: str) -> None:
    with pytest.raises(note.MalformedNote):
        note.VerifierKey.parse(vkey)
