"""Serving HTTP: one process, or several sharing the port through SO_REUSEPORT.

uvicorn's own multi-worker mode hands its workers a listening socket made without the TCP
protocol number, so asyncio never sets TCP_NODELAY on the connections and every keep-alive
reply waits ~40 ms for a delayed ACK. Each of our processes binds its own socket instead.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys


def listening_socket(host: str, port: int, reuse_port: bool) -> socket.socket:
    """A TCP listening socket (with the protocol number, so accepted sockets get TCP_NODELAY)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve_one(host: str, port: int, reuse_port: bool = False, settings=None) -> None:
    """This process serves the app (built from ``settings``, read once) until it is told to stop."""
    import uvicorn

    from bot.app import create_app

    app = create_app(settings)
    sock = listening_socket(host, port, reuse_port)
    _quiet_gc()
    # log_config=None: uvicorn's own loggers go through our masked JSON handler, never its plain one
    config = uvicorn.Config(app, log_level="warning", access_log=False, log_config=None)
    uvicorn.Server(config).run(sockets=[sock])


def _quiet_gc() -> None:
    """Move what start-up built (models, catalog) out of the collector's way: fewer, shorter pauses."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def run_processes(host: str, port: int, workers: int) -> None:
    """Start ``workers`` processes on the same port and stop them together."""
    cmd = [sys.argv[0], "serve", "--host", host, "--port", str(port), "--reuse-port"]
    children = [subprocess.Popen(cmd, env=dict(os.environ)) for _ in range(workers)]

    def stop(*_):
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        for child in children:
            child.wait()
    finally:
        stop()
