"""End to end through `bookinfo up`: the ratings-db and ratings-mysql routing tasks run
locally. reviews v3 -> ratings v2 -> MongoDB, then -> ratings v2-mysql -> MariaDB, and the
page's stars are the ratings each database holds."""
from __future__ import annotations

import pymysql
import pytest
import requests
from pymongo import MongoClient

from tests.support.databases import ROOT_PASSWORD
from tests.support.net import wait_until
from tests.support.runner import REPO, RunningStack

pytestmark = pytest.mark.db

MANIFESTS = ("platform/kube/bookinfo.yaml", "networking/bookinfo-gateway.yaml",
             "networking/destination-rule-all.yaml", "platform/kube/bookinfo-db.yaml",
             "platform/kube/bookinfo-mysql.yaml", "platform/kube/bookinfo-ratings-v2.yaml",
             "platform/kube/bookinfo-ratings-v2-mysql.yaml",
             "networking/virtual-service-ratings-db.yaml")
STAR = 'id="glyphicon glyphicon-star"'


def database_port(stack: RunningStack, deployment: str) -> int:
    return next(pod["port"] for pod in stack.state()["pods"] if pod["deployment"] == deployment)


def stars(url: str) -> int:
    page = requests.get(url + "/productpage", timeout=20)
    assert page.status_code == 200
    assert "text-red-500" in page.text  # reviews v3, as both VirtualServices route
    return page.text.count(STAR)


def test_the_page_shows_the_stars_mongodb_holds(stack):
    url = stack.url
    assert stars(url) == 5 + 4  # the seed
    port = database_port(stack, "mongodb-v1")
    with MongoClient(f"mongodb://127.0.0.1:{port}/?directConnection=true",
                     serverSelectionTimeoutMS=5000) as client:
        seed = client.get_database("test").get_collection("ratings")
        seed.drop()
        seed.insert_many([{"rating": 2}, {"rating": 1}])
    assert stars(url) == 2 + 1


def test_the_page_shows_the_stars_mysql_holds_once_routed_there(stack):
    url = stack.url
    port = database_port(stack, "mysqldb-v1")
    with pymysql.connect(host="127.0.0.1", port=port, user="root", password=ROOT_PASSWORD,
                         database="test", autocommit=True) as connection:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE ratings SET Rating = 1 WHERE ReviewID IN (1, 2)")
    assert stack.apply(REPO / "networking/virtual-service-ratings-mysql.yaml") == [
        "virtualservice.networking.istio.io/reviews unchanged",
        "virtualservice.networking.istio.io/ratings configured"]
    wait_until(lambda: stars(url) == 1 + 1, timeout=20, what="the page to use ratings v2-mysql")
