"""Listening sockets for the mock and the reference portal, re-bindable at once after a stop or a crash.

A server that stopped (or was killed) leaves its accepted connections in TIME_WAIT for about a minute;
without SO_REUSEADDR a new bind on the port fails all that time. With it, Linux still refuses the bind
while another socket *listens* there, so "in use" keeps meaning a server is running.
"""

from __future__ import annotations

import socket

from harness.core.errors import UsageError

BACKLOG = 2048  # uvicorn's default


def _socket_for(host: str) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    return sock


def listen_socket(host: str, port: int) -> socket.socket:
    """A socket listening on host:port (0: a free port); `UsageError` when another server listens there."""
    sock = _socket_for(host)
    try:
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(False)
    return sock


def check_port(host: str, port: int) -> None:
    """`UsageError` when another server listens on host:port (a port in TIME_WAIT is free)."""
    listen_socket(host, port).close()


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def bound_port(sock: socket.socket) -> int:
    return int(sock.getsockname()[1])
