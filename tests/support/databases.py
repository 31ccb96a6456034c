"""Real databases for tests: MariaDB and a MongoDB-protocol server, each on a free port
with its data in a temporary directory.

They are started exactly as ``bookinfo`` runs the database images locally
(:func:`bookinfo.pods.databases.database_process`), so tests read the images' seed. MariaDB
comes from Debian's ``mariadb-server`` and the MongoDB-protocol server (``nx-27017``)
from the test extras; ``.ci/run`` installs both.
"""
from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pymysql
import pytest
from pymongo import MongoClient

from bookinfo.pods.databases import database_process

from .net import free_port, wait_until

ROOT_PASSWORD = "password"  # the mysql-credentials Secret's value
START_TIMEOUT = 60.0


class DatabaseServer:
    """One database image (``mysqldb`` or ``mongodb``) run locally; restartable on the
    same port and data directory, as a pod whose volume survives."""

    def __init__(self, service: str, workdir: Path):
        self.service = service
        self.port = free_port()
        self.datadir = workdir / service
        self.log = workdir / f"{service}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "DatabaseServer":
        argv, extra_env = database_process(self.service, self.port, self.datadir)
        env = dict(os.environ, **extra_env, MYSQL_ROOT_PASSWORD=ROOT_PASSWORD)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_until(self._ready_or_exited, timeout=START_TIMEOUT, interval=0.1,
                       what=f"{self.service} on port {self.port}")
        except AssertionError:
            self.stop()
            raise
        if self.proc.poll() is not None:
            raise AssertionError(f"{self.service} exited with {self.proc.returncode}:\n"
                                 f"{self.log.read_text(errors='replace')[-3000:]}")
        return self

    def stop(self) -> None:
        """SIGTERM (a clean shutdown, as the runner does) and wait; SIGKILL after 30 s."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def _ready_or_exited(self) -> bool:
        return self.proc.poll() is not None or self.ready()

    def ready(self) -> bool:
        """The seed is readable (so ratings may start)."""
        if self.service == "mysqldb":
            with self.mysql() as connection, connection.cursor() as cursor:
                cursor.execute("SELECT COUNT(*) FROM ratings")
                return cursor.fetchone()[0] >= 2
        with self.mongo() as client:
            return client.get_database("test").get_collection("ratings").count_documents({}) >= 2

    # --- direct access for the tests (the database's own view, not ratings') ---------

    def mysql(self, password: str = ROOT_PASSWORD) -> pymysql.connections.Connection:
        return pymysql.connect(host="127.0.0.1", port=self.port, user="root", password=password,
                               database="test", autocommit=True, connect_timeout=2,
                               read_timeout=5, write_timeout=5)

    def mongo(self) -> MongoClient:
        return MongoClient(self.mongo_url, serverSelectionTimeoutMS=2000, connectTimeoutMS=2000,
                           socketTimeoutMS=5000)

    @property
    def mongo_url(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/test?directConnection=true"

    def ratings_env(self) -> dict[str, str]:
        """The environment of a ratings v2 pod using this database (as the manifests)."""
        if self.service == "mysqldb":
            return {"SERVICE_VERSION": "v2", "DB_TYPE": "mysql", "MYSQL_DB_HOST": "127.0.0.1",
                    "MYSQL_DB_PORT": str(self.port), "MYSQL_DB_USER": "root",
                    "MYSQL_DB_PASSWORD": ROOT_PASSWORD}
        return {"SERVICE_VERSION": "v2", "MONGO_DB_URL": self.mongo_url}



class DatabaseServers:
    """Each database image started on first use and kept for the session (the
    ``databases`` fixture); tests that change a database's data or stop it put it back
    as they found it."""

    def __init__(self, tmp_path_factory):
        self._tmp_path_factory = tmp_path_factory
        self._servers: dict[str, DatabaseServer] = {}

    def __getitem__(self, service: str) -> DatabaseServer:
        if service not in self._servers:
            workdir = self._tmp_path_factory.mktemp(service)
            self._servers[service] = DatabaseServer(service, workdir).start()
        return self._servers[service]

    def stop_all(self) -> None:
        for server in self._servers.values():
            server.stop()


@pytest.fixture(scope="session")
def databases(tmp_path_factory) -> Iterator[DatabaseServers]:
    """``databases["mysqldb"]`` (MariaDB) and ``databases["mongodb"]``; import this name."""
    servers = DatabaseServers(tmp_path_factory)
    yield servers
    servers.stop_all()
