"""Run the real API on a free local port in a background thread, for tests that need HTTP."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from sqlalchemy import Engine

from api.app import create_app
from core.settings import Settings
from tests.waits import WAIT_S, wait_until


@contextmanager
def served(engine: Engine, settings: Settings) -> Iterator[str]:
    # The server gets the socket already bound: no other test can take the port between
    # choosing it and listening on it.
    listening = socket.socket()
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listening.bind(("127.0.0.1", 0))
    port = int(listening.getsockname()[1])
    config = uvicorn.Config(
        create_app(settings, engine), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    with listening:
        thread.start()
        wait_until(lambda: server.started or not thread.is_alive(), "the test server to start")
        if not server.started:
            raise RuntimeError("the test server stopped while starting")
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=WAIT_S)
    if thread.is_alive():  # only when the test itself passed, not to hide its failure
        raise RuntimeError(f"the test server did not stop within {WAIT_S:g} s")
