"""MySQL-only behaviour of ratings v2, against MariaDB
(docs/upstream-behaviour.md#ratings-routing-and-answers)."""
from __future__ import annotations

import pytest

from tests.support.databases import DatabaseServer

from .conftest import ratings_client

pytestmark = pytest.mark.db

CONNECT_ERROR = b'{"error":"could not connect to ratings database"}'


@pytest.fixture(scope="module")
def mariadb(databases) -> DatabaseServer:
    return databases["mysqldb"]


def test_a_failed_select_keeps_upstreams_message(mariadb):
    client = ratings_client(**mariadb.ratings_env())
    assert client.post("/ratings/601", data=b'{"Reviewer1":1}').status_code == 200
    with mariadb.mysql() as connection, connection.cursor() as cursor:
        cursor.execute("RENAME TABLE ratings TO ratings_elsewhere")
        try:
            response = client.get("/ratings/600")
            assert (response.status_code, response.data) == (500, b'{"error":"could not perform select"}')
            # Stored ratings do not need the seed table.
            assert client.get("/ratings/601").data == b'{"id":601,"ratings":{"Reviewer1":1}}'
        finally:
            cursor.execute("RENAME TABLE ratings_elsewhere TO ratings")
    assert client.get("/ratings/600").status_code == 200


def test_a_refused_login_is_a_500_not_upstreams_200(mariadb):
    client = ratings_client(**(mariadb.ratings_env() | {"MYSQL_DB_PASSWORD": "wrong"}))
    response = client.get("/ratings/0")
    assert (response.status_code, response.data) == (500, CONNECT_ERROR)
    assert response.headers["Content-type"] == "application/json"
    assert client.get("/health").json == {"status": "Ratings is healthy", "database": "unreachable"}


def test_pymysql_can_do_caching_sha2_full_authentication_without_tls():
    """MySQL 8.4/9.x's default login sends the password RSA-encrypted on a plain
    connection; PyMySQL needs ``cryptography`` for it (a dependency of ours for that
    reason). Exercised with a real key, as no MySQL server runs in these tests."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from pymysql import _auth

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    salt = bytes(range(1, 21))
    sent = _auth.sha2_rsa_encrypt(b"password", salt, public_pem)
    plain = key.decrypt(sent, padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA1()),
                                           algorithm=hashes.SHA1(), label=None))
    assert bytes(a ^ salt[i % len(salt)] for i, a in enumerate(plain)) == b"password\0"
