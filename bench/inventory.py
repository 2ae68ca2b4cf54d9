"""Inventory benchmarks: bulk import, and single-movement API writes under 16 concurrent clients.

    python -m bench.inventory [--lines 100000] [--requests 2000] [--backends sqlite,postgres]

Each figure is measured on SQLite (a file) and on PostgreSQL (a fresh database on the local
server) in the same run. Next to the API write figures stands the floor the database itself
sets: the same two-statement transaction (insert a journal line, update a balance) sent
straight through the driver by 16 threads, one commit each. The ratio says what the service
costs on top of the database.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

import migrations
from accounts import service as users
from core.db import make_engine, session_scope
from inventory import seed, service
from ledger.keys import LogSigner

RESULTS = Path(__file__).resolve().parent / "results"
PG_ADMIN = os.environ.get(
    "RELIEF_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def database(backend: str) -> Iterator[str]:
    """A fresh, migrated database with the demo district loaded."""
    if backend == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="relief-bench-"))
        url = f"sqlite:///{folder / 'bench.db'}"
        cleanup: Callable[[], None] = lambda: shutil.rmtree(folder, ignore_errors=True)  # noqa: E731
    else:
        name = f"relief_bench_{os.getpid()}_{random.randrange(10**6)}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name

        def cleanup() -> None:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    try:
        migrations.upgrade(url)
        engine = make_engine(url)
        with session_scope(engine) as session:
            seed.load_catalogue(session, seed.CATALOGUE.read_text(encoding="utf-8"))
            seed.load_district(
                session,
                json.loads(seed.DEMO_DISTRICT.read_text(encoding="utf-8")),
                today=date.today(),
            )
        engine.dispose()
        yield url
    finally:
        cleanup()


def movement_file(lines: int, depots: list[str], items: list[str], seed_value: int = 1) -> bytes:
    """A valid movement file: receipts of new lots, then issues and transfers they cover."""
    rng = random.Random(seed_value)
    out = ["kind,depot,item,lot,expiry,quantity,to_depot"]
    held: dict[tuple[str, str], int] = {}
    for n in range(lines):
        depot, item = rng.choice(depots), rng.choice(items)
        have = held.get((depot, item), 0)
        roll = rng.random()
        if have < 50 or roll < 0.4:
            qty = rng.randint(50, 500)
            out.append(f"receipt,{depot},{item},B{n},2030-01-01,{qty},")
            held[(depot, item)] = have + qty
        elif roll < 0.85:
            qty = rng.randint(1, min(have, 40))
            out.append(f"issue,{depot},{item},,,{qty},")
            held[(depot, item)] = have - qty
        else:
            other = rng.choice([d for d in depots if d != depot])
            qty = rng.randint(1, min(have, 40))
            out.append(f"transfer,{depot},{item},,,{qty},{other}")
            held[(depot, item)] = have - qty
            held[(other, item)] = held.get((other, item), 0) + qty
    return ("\n".join(out) + "\n").encode()


def bench_import(url: str, lines: int) -> dict[str, Any]:
    engine = make_engine(url)
    with session_scope(engine) as session:
        depots = [d.code for d in service.list_depots(session)]
        items = [i.code for i in service.list_items(session) if not i.shelf_life_days][:20]
    data = movement_file(lines, depots, items)
    started = time.perf_counter()
    with session_scope(engine) as session:
        result = service.import_movements(
            session,
            data,
            "bench.csv",
            actor="bench",
            max_rows=lines + 1,
            signer=LogSigner.generate("bench.example/log"),
        )
    seconds = time.perf_counter() - started
    with session_scope(engine) as session:
        assert service.journal_discrepancies(session) == []
    engine.dispose()
    return {
        "lines": lines,
        "movements": result.movements,
        "seconds": round(seconds, 2),
        "lines_per_s": round(lines / seconds),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def relief_serve(url: str) -> Iterator[str]:
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=url,
        RELIEF_ENVIRONMENT="development",
        RELIEF_DATA_DIR=tempfile.mkdtemp(),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("relief serve did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _latencies(run_one: Callable[[int], bool], requests: int, clients: int) -> dict[str, Any]:
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()

    def worker(n: int) -> None:
        nonlocal failures
        t0 = time.perf_counter()
        ok = run_one(n)
        elapsed = time.perf_counter() - t0
        with lock:
            latencies.append(elapsed)
            failures += 0 if ok else 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(worker, range(requests)))
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": requests,
        "clients": clients,
        "failed": failures,
        "per_s": round(requests / wall, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
    }


def bench_api_writes(url: str, requests: int, clients: int) -> dict[str, Any]:
    engine = make_engine(url)
    with session_scope(engine) as session:
        depot = service.list_depots(session)[0].id
        item = next(i.id for i in service.list_items(session) if not i.shelf_life_days)
        user = users.create_user(
            session,
            username="bench",
            password="load test pass 2026",
            role="depot_manager",
            depot_ids=[depot or 0],
        )
        _, token = users.create_api_token(session, user, name="bench")
    engine.dispose()
    auth = {"Authorization": f"Bearer {token}"}
    local = threading.local()
    with relief_serve(url) as base:

        def one(n: int) -> bool:
            http = getattr(local, "http", None)
            if http is None:
                http = local.http = httpx.Client(base_url=base, timeout=60, headers=auth)
            if n % 2 == 0:
                body = {"depot_id": depot, "item_id": item, "lot_number": "BENCH", "quantity": 3}
                answer = http.post(
                    "/movements/receipts", json=body, headers={"Idempotency-Key": f"b{n}"}
                )
            else:
                body = {"depot_id": depot, "item_id": item, "quantity": 1}
                answer = http.post(
                    "/movements/issues", json=body, headers={"Idempotency-Key": f"b{n}"}
                )
            return answer.status_code == 201

        http_result = _latencies(one, requests, clients)
    return http_result


def bench_raw_writes(url: str, requests: int, clients: int) -> dict[str, Any]:
    """The database's own floor: insert a journal line and update a balance, one commit each."""
    engine = make_engine(url)
    with session_scope(engine) as session:
        balance = session.execute(
            text("SELECT id, depot_id, item_id, lot_id FROM stock_balance LIMIT 1")
        ).one()
    insert = text(
        "INSERT INTO movement (kind, depot_id, item_id, lot_id, quantity, actor, occurred_at, recorded_at,"
        " action_id) VALUES ('receipt', :d, :i, :l, 1, 'raw', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, :a)"
    )
    update = text("UPDATE stock_balance SET quantity = quantity + 1 WHERE id = :b")

    def one(n: int) -> bool:
        with engine.begin() as connection:
            connection.execute(
                insert,
                {"d": balance.depot_id, "i": balance.item_id, "l": balance.lot_id, "a": f"raw{n}"},
            )
            connection.execute(update, {"b": balance.id})
        return True

    result = _latencies(one, requests, clients)
    engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count()}, "backends": {}}
    for backend in args.backends.split(","):
        print(f"[{backend}] import of {args.lines:,} lines…", flush=True)
        with database(backend) as url:
            imported = bench_import(url, args.lines)
        print(f"[{backend}] {args.requests} API writes, {args.clients} clients…", flush=True)
        with database(backend) as url:
            api = bench_api_writes(url, args.requests, args.clients)
            raw = bench_raw_writes(url, args.requests, args.clients)
        results["backends"][backend] = {
            "import": imported,
            "api_writes": api,
            "raw_db_writes": raw,
            "api_vs_raw_throughput": round(api["per_s"] / raw["per_s"], 3),
        }
        print(json.dumps(results["backends"][backend], indent=2), flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "inventory.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / "inventory.md").write_text(render(results))
    print(render(results))


def render(results: dict[str, Any]) -> str:
    lines = [
        "# Inventory benchmark",
        "",
        "`python -m bench.inventory` — import of a movement file, and single-movement API writes",
        "(receipts and issues alternating, each with an Idempotency-Key) against `relief serve`,",
        "next to the database's floor (the same insert + update sent straight through the driver).",
        "",
        "| backend | import lines | import s | lines/s | API writes/s | p50 ms | p99 ms | raw DB writes/s | raw p50 ms | API / raw |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for backend, r in results["backends"].items():
        i, a, w = r["import"], r["api_writes"], r["raw_db_writes"]
        lines.append(
            f"| {backend} | {i['lines']:,} | {i['seconds']} | {i['lines_per_s']:,} | {a['per_s']} | {a['p50_ms']} "
            f"| {a['p99_ms']} | {w['per_s']} | {w['p50_ms']} | {r['api_vs_raw_throughput']} |"
        )
    lines.append("")
    lines.append(
        f"{results['backends'] and next(iter(results['backends'].values()))['api_writes']['clients']} "
        f"concurrent clients; machine: {results['machine']['cpus']} CPUs."
    )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
