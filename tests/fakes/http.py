"""A tiny threaded HTTP server on loopback that records calls and answers JSON."""

from __future__ import annotations

import email.parser
import email.policy
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    """JSON, urlencoded or multipart bodies as a dict (uploaded files as {filename, size, data})."""
    if not body:
        return {}
    if content_type.startswith("application/json"):
        return json.loads(body)
    if content_type.startswith("multipart/form-data"):
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
        out: dict[str, Any] = {}
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            if part.get_filename():
                out[name] = {"filename": part.get_filename(), "size": len(payload), "data": payload}
            else:
                out[name] = payload.decode("utf-8", "replace")
        return out
    return {k: v[0] for k, v in urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}


class FakeServer:
    """Subclasses implement ``handle(path, params) -> (status, json)``; calls are in ``.calls``."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _read(self) -> bytes:
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    body = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            self.rfile.readline()
                            return body
                        body += self.rfile.read(size)
                        self.rfile.readline()
                n = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(n) if n else b""

            def _go(self) -> None:
                body = self._read()
                url = urllib.parse.urlsplit(self.path)
                params = parse_body(self.headers.get("Content-Type", ""), body)
                params.update({k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()})
                status, result = outer.handle(url.path, params)
                raw = json.dumps(result, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = _go

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that went away (a killed worker) is not an error here

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def handle(self, path: str, params: dict[str, Any]) -> tuple[int, Any]:
        raise NotImplementedError

    def record(self, **call: Any) -> dict[str, Any]:
        call["t"] = time.time()
        with self.lock:
            self.calls.append(call)
        return call

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        """Every recorded call of ``method``."""
        with self.lock:
            return [c for c in self.calls if c["method"].lower() == method.lower()]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
