"""ratings v2 under gunicorn against real databases: MariaDB (``DB_TYPE=mysql``) and a
MongoDB-protocol server, each seeded as its image is
(docs/upstream-behaviour.md#ratings-databases).

One database and one ratings process per back-end, shared by the tests in order: seeded
reads, POST then GET, concurrent POSTs, a ratings restart, and a database outage.
"""
from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.support.databases import DatabaseServer
from tests.support.net import wait_until
from tests.support.processes import ServiceProcess

pytestmark = pytest.mark.db

SEEDED = {"Reviewer1": 5, "Reviewer2": 4}
CONNECT_ERROR = {"error": "could not connect to ratings database"}
# Generous for a loaded 2-core machine; the store's own bounds are a few seconds.
OUTAGE_ANSWER_SECONDS = 8.0


class Backend:
    """A database, the ratings v2 process using it, and the database's own view."""

    def __init__(self, database: DatabaseServer):
        self.database = database
        self.ratings = ServiceProcess("ratings", database.ratings_env())

    def restart_ratings(self) -> None:
        self.ratings.stop()
        self.ratings = ServiceProcess("ratings", self.database.ratings_env())

    def get(self, product: int | str) -> requests.Response:
        return requests.get(f"{self.ratings.url}/ratings/{product}", timeout=15)

    def post(self, product: int | str, body: str) -> requests.Response:
        return requests.post(f"{self.ratings.url}/ratings/{product}", data=body.encode(),
                             timeout=15)

    def set_second_seeded_rating(self, value: int) -> None:
        """Change upstream's seed in place, as an operator could."""
        if self.database.service == "mysqldb":
            with self.database.mysql() as connection, connection.cursor() as cursor:
                cursor.execute("UPDATE ratings SET Rating = %s WHERE ReviewID = 2", (value,))
        else:
            with self.database.mongo() as client:
                ratings = client.get_database("test").get_collection("ratings")
                second = list(ratings.find({}, limit=2))[1]
                ratings.update_one({"_id": second["_id"]}, {"$set": {"rating": value}})


@pytest.fixture(scope="module", params=["mysqldb", "mongodb"])
def backend(request, databases):
    database: DatabaseServer = databases[request.param]
    if database.service == "mysqldb":
        # As upstream's mysqldb image: only the seed; ratings creates its own table.
        with database.mysql() as connection, connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS product_ratings")
    else:
        with database.mongo() as client:
            client.get_database("test").drop_collection("product_ratings")
    backend = Backend(database)
    yield backend
    backend.ratings.stop()


def test_seeded_ratings_are_read_as_upstream_reads_them(backend):
    response = backend.get(0)
    assert response.status_code == 200
    assert response.content == b'{"id":0,"ratings":{"Reviewer1":5,"Reviewer2":4}}'
    assert response.headers["Content-type"] == "application/json"
    # Read from the database on every request, not a constant.
    backend.set_second_seeded_rating(3)
    try:
        assert backend.get(1).json() == {"id": 1, "ratings": {"Reviewer1": 5, "Reviewer2": 3}}
    finally:
        backend.set_second_seeded_rating(4)


def test_post_persists_per_product_and_get_returns_it(backend):
    posted = backend.post(7, '{"Reviewer1":1,"Reviewer2":2}')
    assert (posted.status_code, posted.content) == (200, b'{"id":7,"ratings":{"Reviewer1":1,"Reviewer2":2}}')
    assert backend.get(7).content == posted.content
    assert backend.get(8).json()["ratings"] == SEEDED  # other products keep the seed
    assert backend.get("007").json() == {"id": 7, "ratings": {"Reviewer1": 1, "Reviewer2": 2}}


def test_any_json_value_round_trips_exactly(backend):
    body = '{"b":1e30,"$set":{"x.y":["ü",true,null]},"2":0.5,"a":-7}'
    posted = backend.post("99999999999999999999", body)
    assert posted.status_code == 200
    got = backend.get("99999999999999999999")
    assert got.status_code == 200
    assert got.content == posted.content
    assert got.content.startswith(b'{"id":100000000000000000000,"ratings":{"2":0.5,"b":1e+30,')
    assert backend.post(-1, "5").content == backend.get(-1).content == b'{"id":-1,"ratings":5}'


def test_concurrent_posts_lose_nothing(backend):
    products = range(100, 150)
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda p: backend.post(p, json.dumps({"Reviewer1": p % 5})), products))
    assert [a.status_code for a in answers] == [200] * 50
    with ThreadPoolExecutor(max_workers=16) as pool:
        stored = list(pool.map(lambda p: backend.get(p).json()["ratings"], products))
    assert stored == [{"Reviewer1": p % 5} for p in products]


def test_concurrent_posts_to_one_product_leave_one_whole_value(backend):
    bodies = [json.dumps({"Reviewer1": i, "Reviewer2": i}) for i in range(50)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda body: backend.post(3, body), bodies))
    assert {a.status_code for a in answers} == {200}
    final = backend.get(3).json()["ratings"]
    assert final["Reviewer1"] == final["Reviewer2"] and final["Reviewer1"] in range(50)
    # Once acknowledged, a later write is what everyone reads.
    assert backend.post(3, '{"Reviewer1":4,"Reviewer2":4}').status_code == 200
    assert backend.get(3).json()["ratings"] == {"Reviewer1": 4, "Reviewer2": 4}


def test_health_reports_a_reachable_database(backend):
    response = requests.get(f"{backend.ratings.url}/health", timeout=5)
    assert (response.status_code, response.json()) == (
        200, {"status": "Ratings is healthy", "database": "reachable"})


def test_a_ratings_restart_keeps_what_was_acknowledged(backend):
    assert backend.post(11, '{"Reviewer1":2}').status_code == 200
    backend.restart_ratings()
    assert backend.get(11).json() == {"id": 11, "ratings": {"Reviewer1": 2}}
    assert backend.get(7).json()["ratings"] == {"Reviewer1": 1, "Reviewer2": 2}


def test_database_outage_gives_error_bodies_then_recovers_without_a_restart(backend):
    assert backend.post(12, '{"Reviewer1":3}').status_code == 200
    warm = backend.get(12)  # pooled connections exist when the database goes away
    assert warm.status_code == 200
    ratings_pid = backend.ratings.proc.pid
    backend.database.stop()
    try:
        for request in (lambda: backend.get(12), lambda: backend.post(12, "{}")):
            started = time.monotonic()
            response = request()
            assert time.monotonic() - started < OUTAGE_ANSWER_SECONDS
            assert (response.status_code, response.json()) == (500, CONNECT_ERROR)
            assert response.headers["Content-type"] == "application/json"
        started = time.monotonic()
        health = requests.get(f"{backend.ratings.url}/health", timeout=5)
        assert time.monotonic() - started < 2.0
        assert (health.status_code, health.json()) == (
            200, {"status": "Ratings is healthy", "database": "unreachable"})
    finally:
        backend.database.start()
    wait_until(lambda: backend.get(12).status_code == 200, timeout=20,
               what="ratings to read the database again")
    assert backend.get(12).json()["ratings"] == {"Reviewer1": 3}
    assert backend.post(14, '{"Reviewer2":1}').status_code == 200
    assert backend.get(14).json()["ratings"] == {"Reviewer2": 1}
    assert backend.ratings.proc.pid == ratings_pid and backend.ratings.proc.poll() is None
