"""A pod resolves Service names from the table the runner keeps, read again when replaced."""
from __future__ import annotations

import socket

from bookinfo.pods.dns import PodResolver, write_table


class SystemResolver:
    """Stands in for the system resolver and records what reached it."""

    def __init__(self):
        self.asked = []

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        self.asked.append((host, port))
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (host, port))]


def test_a_service_name_and_port_resolve_to_the_pods_listener(tmp_path):
    table = tmp_path / "names.json"
    write_table(table, {"mongodb": {27017: 41001}, "mongodb.default.svc.cluster.local": {27017: 41001}})
    system = SystemResolver()
    resolve = PodResolver(table, system).getaddrinfo
    assert resolve("mongodb", 27017)[0][4] == ("127.0.0.1", 41001)
    assert resolve("MongoDB.default.svc.cluster.local.", "27017")[0][4] == ("127.0.0.1", 41001)
    assert resolve(b"mongodb", 27017)[0][4] == ("127.0.0.1", 41001)
    assert system.asked == [("127.0.0.1", 41001)] * 3


def test_other_names_and_ports_go_to_the_system_resolver(tmp_path):
    table = tmp_path / "names.json"
    write_table(table, {"mongodb": {27017: 41001}})
    system = SystemResolver()
    resolve = PodResolver(table, system).getaddrinfo
    resolve("mongodb", 80)
    resolve("example.com", 443)
    resolve(None, 8080)
    assert system.asked == [("mongodb", 80), ("example.com", 443), (None, 8080)]


def test_a_service_created_later_resolves_once_the_table_is_replaced(tmp_path):
    table = tmp_path / "names.json"
    system = SystemResolver()
    resolve = PodResolver(table, system).getaddrinfo
    resolve("mysqldb", 3306)  # no table yet: the system resolver answers
    write_table(table, {"details": {9080: 41000}})
    resolve("mysqldb", 3306)
    write_table(table, {"details": {9080: 41000}, "mysqldb": {3306: 41002}})
    assert resolve("mysqldb", 3306)[0][4] == ("127.0.0.1", 41002)
    write_table(table, {"details": {9080: 41000}})  # the Service was deleted
    resolve("mysqldb", 3306)
    assert system.asked == [("mysqldb", 3306), ("mysqldb", 3306), ("127.0.0.1", 41002), ("mysqldb", 3306)]


def test_a_damaged_table_keeps_the_last_good_answers(tmp_path):
    table = tmp_path / "names.json"
    write_table(table, {"mongodb": {27017: 41001}})
    resolve = PodResolver(table, SystemResolver()).getaddrinfo
    assert resolve("mongodb", 27017)[0][4] == ("127.0.0.1", 41001)
    table.write_text("{not json")
    assert resolve("mongodb", 27017)[0][4] == ("127.0.0.1", 41001)
