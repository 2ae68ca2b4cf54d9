"""ledger.verify: an export verifies offline, and any tampering names the first bad entry."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import merkle
from ledger.entries import KEY_ROTATED, make_entry
from ledger.keys import LogSigner
from ledger.memlog import MemoryLog
from ledger.verify import verify_export, verify_export_bytes

ORIGIN = "relief.example/district-log"
T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
FIRST = LogSigner(name=ORIGIN, seed=bytes([7]) * 32)
SECOND = LogSigner(name=ORIGIN, seed=bytes([8]) * 32)


def _log(n: int = 12, rotate_at: int | None = 5) -> MemoryLog:
    log = MemoryLog(origin=ORIGIN, signer=FIRST)
    for i in range(n):
        moment = T0 + timedelta(minutes=i)
        if i == rotate_at:
            log.rotate(SECOND, actor="admin", moment=moment)
        else:
            payload = {"dispatch": i, "lines": [{"item": "WATER-5L", "qty": 100 + i}], "note": "水"}
            log.append(kind="dispatch.sent", actor=f"user:{i % 3}", payload=payload, moment=moment)
    return log


LOG = _log()
EXPORT = b"".join(LOG.export())
LINES = EXPORT.splitlines(keepends=True)  # header, entries 0..n-1, checkpoint


def _check(data: bytes) -> tuple[bool, int | None]:
    report = verify_export_bytes(data, FIRST.verifier_key)
    return report.ok, report.seq


def test_an_untouched_export_verifies_following_the_key_rotation() -> None:
    report = verify_export_bytes(EXPORT, FIRST.verifier_key)
    assert report.ok, report.reason
    assert report.entries == 12
    assert report.checkpoint is not None
    assert report.checkpoint.root == merkle.root(LOG.leaves)
    assert report.final_key == SECOND.verifier_key


def test_verification_in_worker_processes_agrees() -> None:
    log = _log(300, rotate_at=130)
    data = b"".join(log.export())
    report = verify_export(
        data.splitlines(keepends=True), FIRST.verifier_key, workers=2, chunk_size=64
    )
    assert report.ok, report.reason
    bad = bytearray(data)
    line_start = sum(len(x) for x in data.splitlines(keepends=True)[:201])
    bad[line_start + 40] ^= 1
    report = verify_export(
        bytes(bad).splitlines(keepends=True), FIRST.verifier_key, workers=2, chunk_size=64
    )
    assert (report.ok, report.seq) == (False, 200)


def test_an_empty_log_verifies() -> None:
    data = b"".join(MemoryLog(origin=ORIGIN, signer=FIRST).export())
    assert _check(data) == (True, None)


def _join(lines: list[bytes]) -> bytes:
    return b"".join(lines)


def test_deleted_entry_is_named() -> None:
    assert _check(_join(LINES[:4] + LINES[5:])) == (False, 3)


def test_reordered_entries_are_named() -> None:
    swapped = [*LINES[:3], LINES[4], LINES[3], *LINES[5:]]
    assert _check(_join(swapped)) == (False, 2)


def test_duplicated_entry_is_named() -> None:
    assert _check(_join([*LINES[:4], LINES[3], *LINES[4:]])) == (False, 3)


def test_truncated_tail_keeping_the_checkpoint_is_named() -> None:
    assert _check(_join(LINES[:9] + LINES[-1:])) == (False, 8)


def test_inserted_entry_signed_by_another_key_is_named() -> None:
    intruder = LogSigner(name=ORIGIN, seed=bytes([9]) * 32)
    prev = json.loads(LINES[3])["hash"]
    forged, _ = make_entry(
        seq=3,
        moment=T0,
        kind="dispatch.sent",
        actor="mallory",
        payload={},
        prev=prev,
        signer=intruder,
    )
    data = _join([*LINES[:4], forged.export_line() + b"\n", *LINES[4:]])
    report = verify_export_bytes(data, FIRST.verifier_key)
    assert (report.ok, report.seq) == (False, 3)


def test_wrong_trusted_key_fails_at_the_first_entry() -> None:
    report = verify_export_bytes(EXPORT, SECOND.verifier_key)
    assert (report.ok, report.seq) == (False, 0)
    assert "signature" in report.reason


def test_a_rotation_to_an_attacker_key_is_caught_where_it_is() -> None:
    line = json.loads(LINES[6])
    assert line["entry"]["kind"] == KEY_ROTATED
    intruder = LogSigner(name=ORIGIN, seed=bytes([9]) * 32)
    line["entry"]["payload"]["new_key"] = intruder.verifier_key
    tampered = json.dumps(line, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
    assert _check(_join([*LINES[:6], tampered, *LINES[7:]])) == (False, 5)


def test_a_rewritten_history_with_a_fresh_checkpoint_by_another_key_fails() -> None:
    rogue = _log()
    rogue.signer = LogSigner(name=ORIGIN, seed=bytes([9]) * 32)
    data = b"".join(rogue.export())
    ok, seq = _check(data)
    assert not ok
    assert seq is None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(EXPORT) - 1), st.integers(1, 255))
def test_any_single_changed_byte_is_detected_at_its_entry(position: int, xor: int) -> None:
    data = bytearray(EXPORT)
    data[position] ^= xor
    ok, seq = _check(bytes(data))
    assert not ok
    line_index = EXPORT.count(b"\n", 0, position)  # 0 = header
    entry_count = len(LINES) - 2
    if 1 <= line_index <= entry_count and EXPORT[position : position + 1] != b"\n":
        assert seq == line_index - 1


MUTATIONS = st.sampled_from(["delete", "duplicate", "swap", "truncate", "forge"])


@settings(max_examples=100, deadline=None)
@given(MUTATIONS, st.integers(0, len(LINES) - 3), st.integers(0, len(LINES) - 3))
def test_random_entry_mutations_are_detected_and_the_first_bad_entry_named(
    mutation: str, i: int, j: int
) -> None:
    entries = LINES[1:-1]
    head, tail = LINES[:1], LINES[-1:]
    if mutation == "delete":
        changed, first = entries[:i] + entries[i + 1 :], i
    elif mutation == "duplicate":
        changed, first = [*entries[: i + 1], entries[i], *entries[i + 1 :]], i + 1
    elif mutation == "swap":
        if i == j:
            return
        lo, hi = sorted((i, j))
        changed = list(entries)
        changed[lo], changed[hi] = changed[hi], changed[lo]
        first = lo
    elif mutation == "truncate":
        changed, first = entries[:i], i
    else:
        obj = json.loads(entries[i])
        obj["sig"] = obj["sig"][:-4] + ("AAA=" if obj["sig"][-4:] != "AAA=" else "BBB=")
        line = json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
        changed, first = [*entries[:i], line, *entries[i + 1 :]], i
    ok, seq = _check(_join(head + changed + tail))
    assert not ok
    assert seq == first


@pytest.mark.parametrize("cut", [1, 10, 200])
def test_a_cut_off_file_is_detected(cut: int) -> None:
    assert not _check(EXPORT[:-cut])[0]
