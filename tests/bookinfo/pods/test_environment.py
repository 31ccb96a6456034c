"""A pod's environment: image env, service links, HOSTNAME, Deployment env, host rewriting."""
from __future__ import annotations

import base64

import pytest

from bookinfo.errors import UnsupportedEnv
from bookinfo.objects.services import Service, ServicePort
from bookinfo.pods.environment import container_env, env_prefix, rewrite_service_hosts, service_links


def service(name: str, port: int, port_name: str) -> Service:
    return Service(name, "default", {}, {"app": name}, [ServicePort(port_name, port)])


DETAILS = service("details", 9080, "http")
MONGODB = service("mongodb", 27017, "mongo")
MYSQLDB = service("mysqldb", 3306, "tcp")
REVIEWS_V1 = service("reviews-v1", 9080, "")
VIEWS = [DETAILS, MONGODB, MYSQLDB]
# The pod's listener for each (Service, port).
LISTENERS = {("details", 9080): 41001, ("mongodb", 27017): 41002, ("mysqldb", 3306): 41003,
             ("reviews-v1", 9080): 41004}


def test_service_links_point_every_service_at_the_pods_own_listener():
    env = service_links([DETAILS, REVIEWS_V1], LISTENERS)
    assert env["DETAILS_HOSTNAME"] == "127.0.0.1"
    assert env["DETAILS_SERVICE_PORT"] == "41001"
    assert env["DETAILS_SERVICE_PORT_HTTP"] == "41001"
    # Kubernetes' own link, which services must not read (it is not a port number).
    assert env["DETAILS_PORT"] == "tcp://127.0.0.1:41001"
    assert env["REVIEWS_V1_SERVICE_PORT"] == "41004"
    assert "REVIEWS_V1_SERVICE_PORT_" not in " ".join(env)


def test_env_prefix_follows_kubernetes_spelling():
    assert env_prefix("reviews-v1") == "REVIEWS_V1"


def test_urls_naming_a_service_are_rewritten_to_the_listener():
    env = rewrite_service_hosts({"MONGO_DB_URL": "mongodb://mongodb:27017/test",
                                 "OTHER": "http://details.default.svc.cluster.local:9080/x",
                                 "FOREIGN": "http://example.com:9080/", "WRONG_PORT": "mongodb://mongodb:1/"},
                                VIEWS, LISTENERS)
    assert env["MONGO_DB_URL"] == "mongodb://127.0.0.1:41002/test"
    assert env["OTHER"] == "http://127.0.0.1:41001/x"
    assert env["FOREIGN"] == "http://example.com:9080/"
    assert env["WRONG_PORT"] == "mongodb://mongodb:1/"


def test_a_host_variable_and_its_port_sibling_are_rewritten_together():
    env = rewrite_service_hosts({"MYSQL_DB_HOST": "mysqldb", "MYSQL_DB_PORT": "3306",
                                 "MYSQL_DB_USER": "root", "DB_TYPE": "mysql"}, VIEWS, LISTENERS)
    assert env == {"MYSQL_DB_HOST": "127.0.0.1", "MYSQL_DB_PORT": "41003",
                   "MYSQL_DB_USER": "root", "DB_TYPE": "mysql"}


def test_container_env_resolves_values_secrets_fields_and_references():
    secret = {"data": {"rootpasswd": base64.b64encode(b"password").decode()}}
    container = {"env": [
        {"name": "A", "value": "one"},
        {"name": "B", "value": "$(A)-two $$(A)"},
        {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "mysql-credentials", "key": "rootpasswd"}}},
        {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
    ]}
    env = container_env(container, {"mysql-credentials": secret}, "pod-abc", "default")
    assert env == {"A": "one", "B": "one-two $(A)", "PW": "password", "POD": "pod-abc"}


def test_a_missing_secret_is_a_clear_error():
    container = {"env": [{"name": "PW", "valueFrom": {"secretKeyRef": {"name": "nope", "key": "k"}}}]}
    with pytest.raises(UnsupportedEnv, match="Secret 'nope' has no key 'k'"):
        container_env(container, {}, "pod", "default")
