"""A recording HTTP endpoint on 127.0.0.1 for tests: a webhook consumer, a stand-in events endpoint."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class RecordingEndpoint:
    """Remembers every POST as (headers, body) and answers with the given statuses in turn, then 200."""

    def __init__(self, path: str = "/", statuses=()):
        self.statuses, self.received = list(statuses), []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                endpoint.received.append((dict(self.headers), body))
                self.send_response(endpoint.statuses.pop(0) if endpoint.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
