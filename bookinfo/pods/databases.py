"""The two database images, run locally: ``examples-bookinfo-mysqldb`` and ``-mongodb``.

``bookinfo apply -f platform/kube/bookinfo-mysql.yaml`` (or ``bookinfo-db.yaml``) starts
a seeded database on a loopback port, so the ratings-mysql and ratings-db routing tasks
work without a cluster. The runner spawns the command :func:`database_process` gives;
the database is seeded before its port accepts connections, so "the port is open" is
the readiness check.

The command is ``python -m bookinfo.pods.databases <service> <port> <datadir>``: it prepares
the data directory (initialised and seeded on the first start) and then *becomes* the
server (``exec``), so the runner's signals and process bookkeeping reach the server
itself.

* mysqldb runs MariaDB (Debian's ``mariadb-server``) with the seed of the image,
  ``services/mysql/ratings_data.sql``. Like the official image, it takes the root
  password from ``MYSQL_ROOT_PASSWORD`` (the runner fills it from the
  ``mysql-credentials`` Secret: ``password``, which ``bookinfo-ratings-v2-mysql.yaml``
  uses); without it root has an empty password. Root logs in over TCP from loopback.
* mongodb runs the first of ``mongod`` (a real MongoDB), ``nx-27017`` or
  ``secantusd-py`` (MongoDB-wire-protocol servers from PyPI) that is installed, seeded
  with ``services/mongodb/ratings_data.json`` on the first start.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bookinfo.errors import DatabaseServerMissing
from bookinfo.system.ports import free_port

SEEDS = Path(__file__).resolve().parents[2] / "services"
MYSQL_SEED = SEEDS / "mysql" / "ratings_data.sql"
MONGO_SEED = SEEDS / "mongodb" / "ratings_data.json"
MONGO_SEEDED_MARKER = ".bookinfo-seeded"
ROOT_USERS = ("localhost", "127.0.0.1", "::1")
SEED_DEADLINE_SECONDS = 60.0
# A Unix socket path must fit in sun_path (108 bytes on Linux).
MAX_SOCKET_PATH = 100



@dataclass(frozen=True)
class MongoServer:
    """A MongoDB-protocol server program and how it is told where to listen and store."""

    program: str
    arguments: Callable[[Path, int], list[str]]


MONGO_SERVERS = (
    MongoServer("mongod", lambda data, port: [
        "--dbpath", str(data), "--port", str(port), "--bind_ip", "127.0.0.1", "--quiet"]),
    MongoServer("nx-27017", lambda data, port: [
        "--data-dir", str(data), "--host", "127.0.0.1", "-p", str(port),
        "--log-file", str(data / "nx-27017.log"), "--pid-file", str(data / "nx-27017.pid")]),
    MongoServer("secantusd-py", lambda data, port: [
        "--host", "127.0.0.1", "--port", str(port), "--storage-path", str(data), "--standalone"]),
)


def database_process(service: str, port: int, datadir: Path) -> tuple[list[str], dict[str, str]]:
    """The command (and extra environment) that runs ``service`` seeded on ``port``.

    ``service`` is ``mysqldb`` or ``mongodb``; ``datadir`` is the pod's own directory
    (kept between starts, like a volume). Raises DatabaseServerMissing naming what to
    install when this machine has no server for it.
    """
    if service == "mysqldb":
        _mariadb_programs()
    elif service == "mongodb":
        _mongo_server()
    else:
        raise ValueError(f"not a database image service: {service!r}")
    argv = [sys.executable, "-m", "bookinfo.pods.databases", service, str(port), str(Path(datadir))]
    return argv, {"PYTHONUNBUFFERED": "1"}


# Searched after PATH: mariadbd lives in sbin, which a user's PATH may lack, and servers
# installed with pip sit beside this Python in the virtual environment.
EXTRA_PROGRAM_DIRS = ("/usr/local/sbin", "/usr/sbin", "/sbin", str(Path(sys.executable).parent))


def find_program(name: str) -> str | None:
    """``name`` on PATH or in EXTRA_PROGRAM_DIRS."""
    search = os.pathsep.join([os.environ.get("PATH", os.defpath), *EXTRA_PROGRAM_DIRS])
    return shutil.which(name, path=search)


def _mariadb_programs() -> tuple[str, str]:
    server, install = find_program("mariadbd"), find_program("mariadb-install-db")
    if server is None or install is None:
        raise DatabaseServerMissing(
            "the mysqldb image runs locally on MariaDB, which is not installed: "
            "install the Debian package mariadb-server "
            "(apt-get install --no-install-recommends mariadb-server)")
    return server, install


def _mongo_server() -> tuple[str, MongoServer]:
    for server in MONGO_SERVERS:
        path = find_program(server.program)
        if path is not None:
            return path, server
    raise DatabaseServerMissing(
        "the mongodb image runs locally on a MongoDB-protocol server, and none is installed: "
        "install MongoDB's mongod, or `pip install nx-27017` into bookinfo's environment")


# --- the command itself: prepare, then exec the server -------------------------------

def run_mariadb(port: int, datadir: Path, root_password: str) -> None:
    """Initialise ``datadir`` on first use, write the init file, exec mariadbd."""
    server, install = _mariadb_programs()
    data = datadir / "data"
    as_root = ["--user=root"] if os.geteuid() == 0 else []
    if not (data / "mysql").is_dir():
        datadir.mkdir(parents=True, exist_ok=True)
        subprocess.run([install, "--no-defaults", *as_root, f"--datadir={data}",
                        "--auth-root-authentication-method=normal", "--skip-test-db"],
                       check=True, stdout=sys.stderr)
    init_file = datadir / "init.sql"
    init_file.write_text(mariadb_init_sql(root_password))
    init_file.chmod(0o600)  # it holds the root password
    sock = datadir / "mysqld.sock"
    if len(str(sock)) > MAX_SOCKET_PATH:
        sock = Path("/tmp") / f"bookinfo-mysqld-{port}.sock"
    os.execv(server, [server, "--no-defaults", *as_root, f"--datadir={data}",
                      f"--socket={sock}", f"--pid-file={datadir / 'mysqld.pid'}",
                      f"--port={port}", "--bind-address=127.0.0.1", "--skip-name-resolve",
                      f"--init-file={init_file}", "--innodb-buffer-pool-size=64M"])


def mariadb_init_sql(root_password: str) -> str:
    """Run by mariadbd at every start, before it accepts connections: the root
    password, then the image's seed (idempotent)."""
    literal = "'" + root_password.replace("\\", "\\\\").replace("'", "\\'") + "'"
    users = "".join(f"ALTER USER IF EXISTS 'root'@'{host}' IDENTIFIED BY {literal};\n"
                    for host in ROOT_USERS)
    return users + MYSQL_SEED.read_text()


def run_mongo(port: int, datadir: Path) -> None:
    """Seed ``datadir`` on first use (through a private port), then exec the server."""
    path, server = _mongo_server()
    datadir.mkdir(parents=True, exist_ok=True)
    if not (datadir / MONGO_SEEDED_MARKER).exists():
        _seed_mongo(path, server, datadir)
        (datadir / MONGO_SEEDED_MARKER).write_text("test.ratings seeded\n")
    os.execv(path, [path, *server.arguments(datadir, port)])


def _seed_mongo(path: str, server: MongoServer, datadir: Path) -> None:
    """Start the server where nobody else connects, import the seed, stop it."""
    from pymongo import MongoClient

    port = free_port()
    process = subprocess.Popen([path, *server.arguments(datadir, port)], stdout=sys.stderr)
    try:
        client = MongoClient(f"mongodb://127.0.0.1:{port}/?directConnection=true",
                             serverSelectionTimeoutMS=int(SEED_DEADLINE_SECONDS * 1000))
        with client:
            ratings = client.get_database("test").get_collection("ratings")
            ratings.drop()
            ratings.insert_many([json.loads(line) for line in MONGO_SEED.read_text().splitlines()
                                 if line.strip()])
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=SEED_DEADLINE_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main(argv: Sequence[str]) -> int:
    """``python -m bookinfo.pods.databases mysqldb|mongodb PORT DATADIR``."""
    if len(argv) != 3 or argv[0] not in ("mysqldb", "mongodb") or not argv[1].isdigit():
        print("usage: python -m bookinfo.pods.databases mysqldb|mongodb PORT DATADIR", file=sys.stderr)
        return 2
    service, port, datadir = argv[0], int(argv[1]), Path(argv[2]).resolve()
    try:
        if service == "mysqldb":
            run_mariadb(port, datadir, os.environ.get("MYSQL_ROOT_PASSWORD", ""))
        else:
            run_mongo(port, datadir)
    except Exception as exc:  # the process's top level: one line for the runner's log
        print(f"{service}: cannot start: {exc}", file=sys.stderr)
        return 1
    return 0  # not reached: the run_* functions exec the server


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
