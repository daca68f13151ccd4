"""A dummy webhook receiver for Alertmanager: answers 200 and counts what it got.

`python sink.py PORT` serves on 127.0.0.1:PORT; `GET /stats` returns the counts as JSON.
"""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_lock = threading.Lock()
_counts = {"notifications": 0, "alerts": 0}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            alerts = len(json.loads(body).get("alerts", []))
        except ValueError:
            alerts = 0
        with _lock:
            _counts["notifications"] += 1
            _counts["alerts"] += alerts
        self._reply(b"{}")

    def do_GET(self) -> None:
        with _lock:
            self._reply(json.dumps(_counts).encode())

    def _reply(self, data: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        return


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), _Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
