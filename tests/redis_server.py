"""A real redis-server for tests: loopback only, private directory, always stopped.

Use the ``redis_server`` fixture (started, ``appendonly`` off), or parametrize it
indirectly for options::

    @pytest.mark.parametrize("redis_server", [{"appendonly": True}], indirect=True)

``stop()`` and ``start()`` (or ``restart()``) keep the same port, so clients
configured with ``url`` reconnect to the restarted server.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
import shutil
import socket
import subprocess
import time
from typing import Any

import pytest

REDIS_SERVER = "/usr/bin/redis-server"
_START_TIMEOUT = 10.0
_STOP_TIMEOUT = 10.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """One redis-server process on 127.0.0.1 with no RDB snapshots."""

    def __init__(self, directory: Path, *, appendonly: bool = False) -> None:
        self.directory = directory
        self.appendonly = appendonly
        self.port = _free_port()
        self.log_path = directory / "redis.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Starts and waits until the server answers PING (AOF loaded, if any)."""
        if self.running:
            return
        args = [
            REDIS_SERVER,
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.directory),
            "--save", "",
            "--appendonly", "yes" if self.appendonly else "no",
            "--daemonize", "no",
            "--logfile", str(self.log_path),
        ]  # fmt: skip
        self._process = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + _START_TIMEOUT
        while not _answers_ping(self.port):
            if self._process.poll() is not None:
                log = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
                self._process = None
                raise RuntimeError(f"redis-server exited on port {self.port}:\n{log}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not answer on port {self.port}")
            time.sleep(0.01)  # readiness poll, not a timing assumption

    def stop(self) -> None:
        """SIGTERM (Redis flushes the AOF on it), then SIGKILL if it hangs."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture
def redis_server(
    request: pytest.FixtureRequest, tmp_path: Path, socket_enabled: None
) -> Iterator[RedisServer]:
    """A started server; ``request.param`` may hold ``RedisServer`` keyword options."""
    if shutil.which(REDIS_SERVER) is None:
        pytest.fail(f"{REDIS_SERVER} is required for Redis tests")
    options: dict[str, Any] = getattr(request, "param", None) or {}
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisServer(directory, **options)
    try:
        server.start()
        yield server
    finally:
        server.stop()
