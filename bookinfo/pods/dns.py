"""Service names resolved from inside a pod when it connects, as cluster DNS resolves them.

On a cluster a pod reaches a Service by name, and the name resolves when the connection
is made: a Service created after the pod started is reachable at once. Here a pod is a
process on the host, so the runner keeps, per pod, a table of the Service names it may
use and, for each Service port, the pod's own outbound listener on Envoy (its sidecar).
The runner rewrites the table whenever Services come or go; the pod's ``getaddrinfo``
answers from it, reading the file again only when it changed. Names not in the table
(anything outside the mesh) go to the system resolver as before.

The table is JSON: ``{"<host>": {"<service port>": <listener port>}}`` with every spelling
of each Service's name (``mongodb``, ``mongodb.default``, ... ``.svc.cluster.local``).
"""
from __future__ import annotations

import _socket
import json
import os
from collections.abc import Mapping
from pathlib import Path

from bookinfo.system.files import atomic_write

LOOPBACK = "127.0.0.1"

# The variable that tells a pod's process where its table is (set by the runner).
TABLE_VARIABLE = "BOOKINFO_POD_SERVICES"

HostTable = Mapping[str, Mapping[int, int]]


def write_table(path: Path, table: HostTable) -> None:
    """Replace the pod's table at once (the pod may be reading it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {host: {str(port): listener for port, listener in sorted(ports.items())}
                for host, ports in sorted(table.items())}
    atomic_write(path, json.dumps(document, indent=1))


class PodResolver:
    """``socket.getaddrinfo`` with the pod's Service names in front of the system's."""

    def __init__(self, path: Path, system_getaddrinfo=_socket.getaddrinfo):
        self.path = path
        self._system = system_getaddrinfo
        self._stamp: tuple[int, int] | None = None
        self._table: dict[str, dict[str, int]] = {}

    def table(self) -> dict[str, dict[str, int]]:
        """The current table, read again only when the file was replaced."""
        try:
            stat = os.stat(self.path)
        except OSError:
            return {}
        stamp = (stat.st_ino, stat.st_mtime_ns)
        if stamp != self._stamp:
            try:
                self._table = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return self._table
            self._stamp = stamp
        return self._table

    def getaddrinfo(self, host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode("ascii", "replace") if isinstance(host, bytes) else host
        if name and port is not None:
            listener = self.table().get(name.lower().rstrip("."), {}).get(str(port))
            if listener is not None:
                return self._system(LOOPBACK, listener, family, type, proto, flags)
        return self._system(host, port, family, type, proto, flags)


def install_from_environment(environ: Mapping[str, str]) -> None:
    """Put the pod's resolver in place when the runner named a table (a pod's own process).

    It replaces the C module's ``_socket.getaddrinfo``, which both the standard
    ``socket.getaddrinfo`` and gevent's resolver (the pods' gevent workers patch ``socket``
    after this runs) call for every lookup."""
    path = environ.get(TABLE_VARIABLE)
    if path:
        _socket.getaddrinfo = PodResolver(Path(path)).getaddrinfo
