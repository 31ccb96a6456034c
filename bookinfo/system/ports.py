"""Loopback ports for the stack: the user's gateway port, and free ones for everything else."""
from __future__ import annotations

import contextlib
import errno
import socket
from bookinfo.errors import PortInUse



def check_free(port: int, host: str = "127.0.0.1") -> None:
    """Raise PortInUse unless ``port`` can be bound now (Envoy would fail later, less clearly)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                raise PortInUse(f"port {port} is already in use on {host} "
                                f"(choose another with --port)") from None
            raise


def free_port(host: str = "127.0.0.1") -> int:
    """One port nothing listens on right now (a test or benchmark server's own port)."""
    return free_ports(1, host)[0]


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """``count`` distinct ports nothing listens on, chosen by the kernel.

    All sockets stay bound until every port is picked, so the ports differ; the kernel
    hands out ephemeral ports round-robin, so a just-freed one is not reused soon.
    """
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((host, 0))
            ports.append(sock.getsockname()[1])
        return ports
