"""ratings v2's stores against real databases, in-process: the documented schema of
POSTed ratings, upstream's seed rules at their edges, and damaged data."""
from __future__ import annotations

import datetime

import pytest

from ratings.databases.mysql import CREATE_PRODUCT_RATINGS
from tests.support.databases import DatabaseServer

from .conftest import ratings_client

pytestmark = pytest.mark.db

LOAD_ERROR = b'{"error":"could not load ratings from database"}'


@pytest.fixture(scope="module", params=["mysqldb", "mongodb"])
def database(request, databases) -> DatabaseServer:
    return databases[request.param]


@pytest.fixture(scope="module")
def client(database):
    return ratings_client(**database.ratings_env())


def stored_rows(database: DatabaseServer) -> dict:
    """product_ratings as the database holds it: {product_id: (ratings_json, updated_at)}."""
    if database.service == "mysqldb":
        with database.mysql() as connection, connection.cursor() as cursor:
            cursor.execute("SELECT product_id, ratings_json, updated_at FROM product_ratings")
            return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
    with database.mongo() as client:
        documents = client.get_database("test").get_collection("product_ratings").find()
        return {d["_id"]: (d["ratings_json"], d["updated_at"]) for d in documents}


def test_posted_ratings_are_stored_as_documented(database, client):
    before = datetime.datetime.now()
    assert client.post("/ratings/501", data=b'{"Reviewer1": 1, "Reviewer2": 2.5}').status_code == 200
    ratings_json, updated_at = stored_rows(database)["501"]
    assert ratings_json == '{"Reviewer1":1,"Reviewer2":2.5}'
    assert isinstance(updated_at, datetime.datetime)
    assert abs((updated_at.replace(tzinfo=None) - before).total_seconds()) < 24 * 3600


def test_a_damaged_stored_value_is_a_load_error(database, client):
    if database.service == "mysqldb":
        with database.mysql() as connection, connection.cursor() as cursor:
            cursor.execute("REPLACE INTO product_ratings (product_id, ratings_json) VALUES ('502', '{oops')")
    else:
        with database.mongo() as mongo:
            mongo.get_database("test").get_collection("product_ratings").replace_one(
                {"_id": "502"}, {"_id": "502", "ratings": "no ratings_json here"}, upsert=True)
    response = client.get("/ratings/502")
    assert (response.status_code, response.data) == (500, LOAD_ERROR)
    assert client.post("/ratings/502", data=b"[1]").status_code == 200  # a POST repairs it
    assert client.get("/ratings/502").data == b'{"id":502,"ratings":[1]}'


def test_a_short_seed_reads_as_zero_as_upstream(database, client):
    """Upstream: the first two seeded ratings, 0 for a missing one."""
    if database.service == "mysqldb":
        with database.mysql() as connection, connection.cursor() as cursor:
            cursor.execute("DELETE FROM ratings WHERE ReviewID = 2")
            try:
                assert client.get("/ratings/503").data == b'{"id":503,"ratings":{"Reviewer1":5,"Reviewer2":0}}'
            finally:
                cursor.execute("INSERT INTO ratings (ReviewID, Rating) VALUES (2, 4)")
    else:
        with database.mongo() as mongo:
            seed = mongo.get_database("test").get_collection("ratings")
            second = list(seed.find({}, limit=2))[1]
            seed.delete_one({"_id": second["_id"]})
            try:
                assert client.get("/ratings/503").data == b'{"id":503,"ratings":{"Reviewer1":5,"Reviewer2":0}}'
            finally:
                seed.insert_one({"rating": 4})
    assert client.get("/ratings/503").data == b'{"id":503,"ratings":{"Reviewer1":5,"Reviewer2":4}}'


def test_the_seed_sql_declares_the_table_the_store_creates():
    from bookinfo.pods.databases import MYSQL_SEED

    assert CREATE_PRODUCT_RATINGS + ";" in MYSQL_SEED.read_text()
