"""gunicorn's access log, without the work our log line never uses.

For every request gunicorn's logger builds a dictionary of every atom it knows: each
request and response header and every WSGI environ entry, re-keyed. Our line
(``ACCESS_LOG_FORMAT``) uses five of them. Building only those writes the same line for
a fraction of the CPU (docs/performance.md), on every request of every service.
A different format (set through ``GUNICORN_CMD_ARGS``) gets gunicorn's full set.
"""
from __future__ import annotations

from gunicorn.glogging import Logger

ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'


class AccessLogger(Logger):
    """gunicorn's Logger; the atoms of ``ACCESS_LOG_FORMAT`` computed as gunicorn does."""

    def atoms(self, resp, req, environ, request_time):
        if self.cfg.access_log_format != ACCESS_LOG_FORMAT:
            return super().atoms(resp, req, environ, request_time)
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        sent = getattr(resp, "sent", None)
        return {
            "h": environ.get("REMOTE_ADDR", "-"),
            "r": f"{environ['REQUEST_METHOD']} {environ['RAW_URI']} {environ['SERVER_PROTOCOL']}",
            "s": status,
            "b": str(sent) if sent is not None else "-",
            "M": request_time.seconds * 1000 + request_time.microseconds // 1000,
        }
