"""A real HTTP endpoint for Envoy tests: answers with who it is and what it received.

``?sleep=S`` answers after S seconds, ``?status=N`` answers with status N; every
request is recorded in ``hits`` (path and headers) so tests can count attempts.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class EchoServer:
    def __init__(self, name: str):
        self.name = name
        self.hits: list[dict] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def hits_for(self, path: str) -> list[dict]:
        with self._lock:
            return [h for h in self.hits if h["path"] == path]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        echo = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            wbufsize = 65536  # head and body leave in one write (no Nagle/delayed-ACK stall)
            disable_nagle_algorithm = True

            def do_GET(self):
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                record = {"endpoint": echo.name, "path": url.path, "method": self.command,
                          "headers": {k.lower(): v for k, v in self.headers.items()}}
                with echo._lock:
                    echo.hits.append(record)
                if "sleep" in query:
                    time.sleep(float(query["sleep"][0]))
                body = json.dumps(record).encode()
                self.send_response(int(query.get("status", ["200"])[0]))
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

            def log_message(self, *args):  # keep test output quiet
                pass

        return Handler
