"""Ledger benchmark: appends, offline verification and proofs, next to the physical limits.

    python -m bench.ledger                  # the full run: 1,000,000 entries
    python -m bench.ledger --entries 20000  # a quick development run

Measures, in one run on this machine:

* the limits: Ed25519 signs/s and verifies/s (PyNaCl) and SHA-256 MB/s (hashlib), the
  same libraries the ledger uses;
* appends/s, one entry per transaction (SQLite, and PostgreSQL when reachable) and batched
  (`append_many`, 10,000 entries per transaction);
* the time to export and to verify an export of N entries offline (both cores), against
  the floor set by Ed25519 verification alone;
* inclusion and consistency proof times at N entries from the store (O(log n) stored
  subtrees) against the reference: recomputing the proof from all N leaf hashes.

Writes bench/results/ledger.json and bench/results/ledger.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nacl.signing import VerifyKey
from sqlalchemy import create_engine, text

import migrations
from core.db import make_engine, session_scope
from ledger import merkle, service
from ledger.keys import LogSigner
from ledger.verify import verify_export

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS = REPO_ROOT / "bench" / "results"
ORIGIN = "relief-reserve.example/bench-log"
PG_ADMIN_URL = os.environ.get(
    "RELIEF_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _payload(i: int) -> dict[str, Any]:
    """A dispatch-sized payload (the entry body is about 300 bytes)."""
    return {
        "plan": i // 50,
        "depot": f"D-{i % 37:03d}",
        "community": f"C-{i % 211:04d}",
        "lines": [{"item": "WATER-5L", "lot": f"L{i % 997}", "qty": 120 + i % 400}],
    }


def _rate(n: int, fn: Callable[[], object], repeats: int = 5) -> dict[str, float]:
    """Median operations per second over ``repeats`` runs of ``n`` operations."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    return {"ops_per_s": n / median, "median_s": median}


def physical_limits() -> dict[str, Any]:
    signer = LogSigner.generate(ORIGIN)
    message = b"\x00relief-ledger/entry/v1\x00" + bytes(32)
    sig = signer.sign(message)
    vk = VerifyKey(signer.public_key)
    n = 3000
    signs = _rate(n, lambda: [signer.sign(message) for _ in range(n)])
    verifies = _rate(n, lambda: [vk.verify(message, sig) for _ in range(n)])
    block = os.urandom(1 << 20)
    sha_big = _rate(64, lambda: [hashlib.sha256(block).digest() for _ in range(64)])
    small = os.urandom(300)
    sha_small = _rate(100_000, lambda: [hashlib.sha256(small).digest() for _ in range(100_000)])
    return {
        "ed25519_signs_per_s": signs["ops_per_s"],
        "ed25519_verifies_per_s": verifies["ops_per_s"],
        "sha256_mb_per_s_1mib_blocks": sha_big["ops_per_s"],  # 1 MiB per op
        "sha256_hashes_per_s_300b": sha_small["ops_per_s"],
    }


def _sqlite_url(folder: Path, name: str) -> str:
    url = f"sqlite:///{folder / name}"
    migrations.upgrade(url)
    return url


def _pg_url() -> tuple[str, Callable[[], None]] | None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        admin.dispose()
        return None
    name = f"relief_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    migrations.upgrade(url)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def single_appends(url: str, signer: LogSigner, n: int) -> dict[str, float]:
    """Appends per second, each entry in its own committed transaction."""
    engine = make_engine(url)
    start = time.perf_counter()
    for i in range(n):
        with session_scope(engine) as session:
            service.append(
                session, signer, kind="dispatch.sent", actor="bench", payload=_payload(i)
            )
    elapsed = time.perf_counter() - start
    engine.dispose()
    return {"entries": n, "seconds": elapsed, "appends_per_s": n / elapsed}


def batched_appends(url: str, signer: LogSigner, n: int, batch: int) -> dict[str, float]:
    """Appends per second with `append_many`, ``batch`` entries per transaction."""
    engine = make_engine(url)
    start = time.perf_counter()
    done = 0
    while done < n:
        size = min(batch, n - done)
        requests = [
            service.EntryRequest("dispatch.sent", "bench", _payload(done + i)) for i in range(size)
        ]
        with session_scope(engine) as session:
            service.append_many(session, signer, requests)
        done += size
    elapsed = time.perf_counter() - start
    engine.dispose()
    return {"entries": n, "batch": batch, "seconds": elapsed, "appends_per_s": n / elapsed}


def export_and_verify(url: str, signer: LogSigner, folder: Path) -> dict[str, Any]:
    engine = make_engine(url)
    path = folder / "export.jsonl"
    start = time.perf_counter()
    with session_scope(engine) as session, path.open("wb") as out:
        for line in service.export(session, signer, ORIGIN):
            out.write(line)
    export_s = time.perf_counter() - start
    engine.dispose()
    workers = os.cpu_count() or 1
    start = time.perf_counter()
    with path.open("rb") as lines:
        report = verify_export(lines, signer.verifier_key, workers=workers)
    verify_s = time.perf_counter() - start
    if not report.ok:
        raise RuntimeError(f"benchmark export failed to verify: {report.reason}")
    return {
        "entries": report.entries,
        "export_bytes": path.stat().st_size,
        "export_s": export_s,
        "verify_s": verify_s,
        "verify_workers": workers,
        "verify_entries_per_s": report.entries / verify_s,
    }


def proofs(url: str, n: int, samples: int, reference_samples: int) -> dict[str, Any]:
    engine = make_engine(url)
    rng = random.Random(7)
    inclusion, consistency = [], []
    with session_scope(engine) as session:
        for _ in range(samples):
            seq = rng.randrange(n)
            start = time.perf_counter()
            proof = service.inclusion_proof(session, seq)
            inclusion.append(time.perf_counter() - start)
            assert merkle.verify_inclusion(proof.leaf_hash, seq, n, proof.path, proof.root)
            old = rng.randrange(1, n)
            start = time.perf_counter()
            cons = service.consistency_proof(session, old)
            consistency.append(time.perf_counter() - start)
            assert merkle.verify_consistency(old, n, cons.old_root, cons.new_root, cons.path)
        bodies = session.connection().execute(text("SELECT body FROM ledger_entry ORDER BY seq"))
        leaves = [merkle.leaf_hash(row[0].encode()) for row in bodies]
    engine.dispose()
    ref_inclusion, ref_consistency = [], []
    for _ in range(reference_samples):
        seq, old = rng.randrange(n), rng.randrange(1, n)
        start = time.perf_counter()
        merkle.inclusion_proof(leaves, seq)
        ref_inclusion.append(time.perf_counter() - start)
        start = time.perf_counter()
        merkle.consistency_proof(leaves, old)
        ref_consistency.append(time.perf_counter() - start)
    ours_inc, ours_cons = statistics.median(inclusion), statistics.median(consistency)
    ref_inc, ref_cons = statistics.median(ref_inclusion), statistics.median(ref_consistency)
    return {
        "tree_size": n,
        "samples": samples,
        "inclusion_median_ms": ours_inc * 1e3,
        "consistency_median_ms": ours_cons * 1e3,
        "reference_samples": reference_samples,
        "reference_inclusion_median_ms": ref_inc * 1e3,
        "reference_consistency_median_ms": ref_cons * 1e3,
        "inclusion_speedup": ref_inc / ours_inc,
        "consistency_speedup": ref_cons / ours_cons,
    }


def _markdown(results: dict[str, Any]) -> str:
    lim, big = results["limits"], results["large"]
    ver, prf = big["export_verify"], big["proofs"]
    n = ver["entries"]
    floor_s = n / lim["ed25519_verifies_per_s"] / ver["verify_workers"]
    rows = [
        "# Ledger benchmark",
        "",
        f"Machine: {results['machine']['cpus']} CPU(s). Medians; ratios against the limit "
        "measured in the same run with the same libraries.",
        "",
        "| measure | ours | limit / reference | ratio |",
        "|---|---:|---:|---:|",
        f"| Ed25519 signs/s (PyNaCl, 1 core) | | {lim['ed25519_signs_per_s']:,.0f} | |",
        f"| Ed25519 verifies/s (PyNaCl, 1 core) | | {lim['ed25519_verifies_per_s']:,.0f} | |",
        f"| SHA-256 MB/s (hashlib, 1 MiB blocks) | | {lim['sha256_mb_per_s_1mib_blocks']:,.0f} | |",
    ]
    for name, single in results["single_appends"].items():
        rows.append(
            f"| appends/s, 1 per transaction ({name}) | {single['appends_per_s']:,.0f} "
            f"| {lim['ed25519_signs_per_s']:,.0f} signs/s | "
            f"{single['appends_per_s'] / lim['ed25519_signs_per_s']:.3f} |"
        )
    batched = big["batched_appends"]
    rows += [
        f"| appends/s, batched {batched['batch']:,} per transaction (SQLite, to {n:,}) "
        f"| {batched['appends_per_s']:,.0f} | {lim['ed25519_signs_per_s']:,.0f} signs/s "
        f"| {batched['appends_per_s'] / lim['ed25519_signs_per_s']:.3f} |",
        f"| export {n:,} entries ({ver['export_bytes'] / 1e6:,.0f} MB), s "
        f"| {ver['export_s']:.1f} | | |",
        f"| verify export of {n:,} entries, s ({ver['verify_workers']} processes) "
        f"| {ver['verify_s']:.1f} | {floor_s:.1f} (Ed25519 verify alone) "
        f"| {ver['verify_s'] / floor_s:.2f} |",
        f"| inclusion proof at {n:,}, ms (store) | {prf['inclusion_median_ms']:.2f} "
        f"| {prf['reference_inclusion_median_ms']:.0f} (rebuild from all leaves) "
        f"| {prf['inclusion_speedup']:,.0f}x faster |",
        f"| consistency proof at {n:,}, ms (store) | {prf['consistency_median_ms']:.2f} "
        f"| {prf['reference_consistency_median_ms']:.0f} (rebuild from all leaves) "
        f"| {prf['consistency_speedup']:,.0f}x faster |",
        "",
        "Reproduce: `python -m bench.ledger` (JSON: `bench/results/ledger.json`).",
    ]
    return "\n".join(rows) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--single", type=int, default=1000, help="single-transaction appends")
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--proof-samples", type=int, default=200)
    parser.add_argument("--reference-samples", type=int, default=5)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="relief-ledger-bench-"))
    signer = LogSigner.generate(ORIGIN)
    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count()}, "limits": physical_limits()}
    print("limits", results["limits"], flush=True)
    try:
        single = {"sqlite": single_appends(_sqlite_url(folder, "single.db"), signer, args.single)}
        pg = _pg_url()
        if pg is not None:
            url, drop = pg
            try:
                single["postgresql"] = single_appends(url, signer, args.single)
            finally:
                drop()
        results["single_appends"] = single
        print("single", single, flush=True)
        url = _sqlite_url(folder, "large.db")
        large: dict[str, Any] = {
            "batched_appends": batched_appends(url, signer, args.entries, args.batch)
        }
        print("batched", large["batched_appends"], flush=True)
        large["export_verify"] = export_and_verify(url, signer, folder)
        print("export/verify", large["export_verify"], flush=True)
        large["proofs"] = proofs(url, args.entries, args.proof_samples, args.reference_samples)
        print("proofs", large["proofs"], flush=True)
        results["large"] = large
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ledger.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "ledger.md").write_text(_markdown(results), encoding="utf-8")
    print(_markdown(results))


if __name__ == "__main__":
    main()
