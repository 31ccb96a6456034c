"""The cheaper access logger writes exactly the line gunicorn's own logger writes."""
from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger, SafeAtoms

from bookinfo_common.access_log import ACCESS_LOG_FORMAT, AccessLogger

ENVIRON = {"REQUEST_METHOD": "GET", "RAW_URI": "/details/0?x=%3C", "SERVER_PROTOCOL": "HTTP/1.1",
           "REMOTE_ADDR": "127.0.0.1", "PATH_INFO": "/details/0", "HTTP_USER_AGENT": "wrk"}
REQUEST = SimpleNamespace(headers=[("USER-AGENT", "wrk")])


def line(logger_class, log_format: str, sent, status="200 OK", elapsed_us=12_345) -> str:
    cfg = Config()
    cfg.set("access_log_format", log_format)
    logger = logger_class(cfg)
    response = SimpleNamespace(status=status, sent=sent, headers=[("Content-Type", "application/json")])
    atoms = logger.atoms(response, REQUEST, ENVIRON, datetime.timedelta(microseconds=elapsed_us))
    return log_format % SafeAtoms(atoms)


@pytest.mark.parametrize("sent, status, elapsed_us", [
    (178, "200 OK", 12_345), (0, "404 NOT FOUND", 999), (None, "503 Service Unavailable", 2_000_001)])
def test_same_line_as_gunicorn(sent, status, elapsed_us):
    ours = line(AccessLogger, ACCESS_LOG_FORMAT, sent, status, elapsed_us)
    assert ours == line(Logger, ACCESS_LOG_FORMAT, sent, status, elapsed_us)
    assert ours.startswith('127.0.0.1 "GET /details/0?x=%3C HTTP/1.1" ')


def test_another_format_gets_every_gunicorn_atom():
    custom = '%(h)s %({user-agent}i)s %(s)s'
    assert line(AccessLogger, custom, 10) == "127.0.0.1 wrk 200"
