"""SIGTERM to a real server in the middle of a routing solve in worker processes: the
server stops within its grace, no worker process survives it, and its port is free."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import psutil
import pytest
from sqlalchemy import Engine

from tests.dispatch.test_solve_outside import World, world  # noqa: F401
from tests.waits import WAIT_S, wait_until


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _port_is_free(port: int) -> bool:
    """A new server could listen on it (as servers do, past connections in TIME_WAIT)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _alive(process: psutil.Process) -> bool:
    try:
        return bool(process.status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("fresh_engine", ["sqlite"], indirect=True)
def test_sigterm_mid_solve_leaves_no_worker_and_frees_the_port(
    fresh_engine: Engine,
    world: World,  # noqa: F811
    tmp_path: Path,
) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": fresh_engine.url.render_as_string(hide_password=False),
        "RELIEF_DATA_DIR": str(tmp_path),
        "RELIEF_ENVIRONMENT": "test",
        "RELIEF_ROUTING_WORKERS": "2",
        "RELIEF_ROUTING_TIME_LIMIT_S": "600",  # the solve outlasts the test by far
        "RELIEF_SHUTDOWN_GRACE_S": "1",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    answers: list[object] = []
    try:
        base = f"http://127.0.0.1:{port}"

        def up() -> bool:
            try:
                return httpx.get(f"{base}/health", timeout=5).status_code == 200
            except httpx.HTTPError:
                return server.poll() is not None

        wait_until(up, "the server to start")
        assert server.poll() is None, server.stderr.read() if server.stderr else ""

        def route() -> None:
            try:
                answers.append(
                    httpx.post(
                        f"{base}/plans/{world.plan_id}/routes",
                        json={},
                        headers=world.coordinator,
                        timeout=2 * WAIT_S,
                    ).status_code
                )
            except httpx.HTTPError as exc:
                answers.append(exc)

        caller = threading.Thread(target=route, daemon=True)
        caller.start()
        parent = psutil.Process(server.pid)
        # the fork server and the two workers of the routing search
        wait_until(lambda: len(parent.children(recursive=True)) >= 3, "the solve's workers")
        workers = parent.children(recursive=True)
        assert _port_is_free(port) is False
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=WAIT_S)
        wait_until(lambda: not any(_alive(p) for p in workers), "the workers to end")
        assert _port_is_free(port)
        caller.join(timeout=WAIT_S)
        assert answers
        assert answers[0] != 201  # the solve was abandoned, not stored
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=WAIT_S)
