"""The database images run locally (bookinfo.pods.databases): seeded on a free port, the
MySQL root password from the Secret, data kept across restarts, and a clear message
when no server is installed."""
from __future__ import annotations

import sys

import pymysql
import pytest

from bookinfo.pods import databases
from bookinfo.pods.databases import database_process, mariadb_init_sql
from bookinfo.errors import DatabaseServerMissing, WorkloadError
from tests.support.databases import ROOT_PASSWORD, DatabaseServer


@pytest.fixture(scope="module")
def mysqldb(tmp_path_factory):
    server = DatabaseServer("mysqldb", tmp_path_factory.mktemp("local-mysqldb")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def mongodb(tmp_path_factory):
    server = DatabaseServer("mongodb", tmp_path_factory.mktemp("local-mongodb")).start()
    yield server
    server.stop()


def test_the_command_is_this_python_running_the_preparation_module(tmp_path):
    argv, env = database_process("mysqldb", 3307, tmp_path / "db")
    assert argv == [sys.executable, "-m", "bookinfo.pods.databases", "mysqldb", "3307", str(tmp_path / "db")]
    assert isinstance(env, dict)
    with pytest.raises(ValueError):
        database_process("ratings", 3307, tmp_path)


@pytest.mark.db
def test_mysqldb_is_seeded_as_the_image(mysqldb):
    with mysqldb.mysql() as connection, connection.cursor() as cursor:
        cursor.execute("SELECT ReviewID, Rating FROM ratings ORDER BY ReviewID")
        assert cursor.fetchall() == ((1, 5), (2, 4))
        cursor.execute("SHOW TABLES")
        assert {row[0] for row in cursor.fetchall()} == {"ratings", "product_ratings"}


@pytest.mark.db
def test_mysqldb_root_logs_in_over_tcp_with_the_secrets_password_only(mysqldb):
    with pytest.raises(pymysql.err.OperationalError) as refused:
        mysqldb.mysql(password="")
    assert refused.value.args[0] == 1045  # access denied
    with mysqldb.mysql(password=ROOT_PASSWORD) as connection:
        assert connection.get_server_info()


@pytest.mark.db
def test_mysqldb_keeps_data_across_a_restart_without_reseeding(mysqldb):
    with mysqldb.mysql() as connection, connection.cursor() as cursor:
        cursor.execute("REPLACE INTO product_ratings (product_id, ratings_json) VALUES ('1', '5')")
        cursor.execute("UPDATE ratings SET Rating = 3 WHERE ReviewID = 1")
    mysqldb.stop()
    mysqldb.start()
    with mysqldb.mysql() as connection, connection.cursor() as cursor:
        cursor.execute("SELECT ratings_json FROM product_ratings WHERE product_id = '1'")
        assert cursor.fetchall() == (("5",),)
        cursor.execute("SELECT ReviewID, Rating FROM ratings ORDER BY ReviewID")
        assert cursor.fetchall() == ((1, 3), (2, 4))  # the seed does not overwrite
        cursor.execute("UPDATE ratings SET Rating = 5 WHERE ReviewID = 1")


@pytest.mark.db
def test_mongodb_is_seeded_as_the_image(mongodb):
    with mongodb.mongo() as client:
        seed = client.get_database("test").get_collection("ratings")
        assert [d["rating"] for d in seed.find({}, {"_id": 0})] == [5, 4]


@pytest.mark.db
def test_mongodb_keeps_data_across_a_restart_without_reseeding(mongodb):
    with mongodb.mongo() as client:
        client.get_database("test").get_collection("ratings").insert_one({"rating": 1})
    mongodb.stop()
    mongodb.start()
    with mongodb.mongo() as client:
        seed = client.get_database("test").get_collection("ratings")
        assert [d["rating"] for d in seed.find({}, {"_id": 0})] == [5, 4, 1]


@pytest.mark.parametrize("service, package", [("mysqldb", "mariadb-server"),
                                              ("mongodb", "nx-27017")])
def test_a_missing_server_names_what_to_install(service, package, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(databases, "EXTRA_PROGRAM_DIRS", ())
    with pytest.raises(DatabaseServerMissing) as missing:
        database_process(service, 3306, tmp_path / "db")
    assert package in str(missing.value)
    assert isinstance(missing.value, WorkloadError)  # the runner reports it as one line


def test_the_root_password_is_quoted_in_the_init_file():
    sql = mariadb_init_sql("it's a \\ test")
    assert "IDENTIFIED BY 'it\\'s a \\\\ test';" in sql
    assert sql.count("ALTER USER IF EXISTS 'root'@") == 3
