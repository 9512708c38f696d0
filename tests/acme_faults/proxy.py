"""An ACME CA that misbehaves in one way, for the certificate fallback tests: a loopback HTTPS
proxy in front of Pebble (scripts/pebble.sh) that passes everything through with the client's
Host (Pebble checks each JWS `url` against it and names its own URLs after it), except new orders, which it answers with one fault:

  refuse      400 rejectedIdentifier, as a CA that will not issue for the address
  rate-limit  429 rateLimited with Let's Encrypt's "retry after …" detail (Boulder, ratelimits)
  stall       no answer for 120 s, as a CA that hangs

    python3 proxy.py PEBBLE_DIR FAULT

PEBBLE_DIR is scripts/pebble.sh's folder: its ready.json names the upstream, and its listener
certificate (127.0.0.1, under the CA in roots.pem) serves here too. Prints {"directory_url": …}.
"""

import http.server
import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

PROBLEMS = {
    "refuse": (400, "urn:ietf:params:acme:error:rejectedIdentifier",
               "Error creating new order :: Cannot issue for this identifier"),
    "rate-limit": (429, "urn:ietf:params:acme:error:rateLimited",
                   "too many new orders (300) from this account in the last 3h0m0s, retry after {until}: "
                   "see https://letsencrypt.org/docs/rate-limits/#new-orders-per-account"),
}


def main():
    pebble_dir, fault = sys.argv[1], sys.argv[2]
    ready = json.load(open(os.path.join(pebble_dir, "ready.json")))
    upstream = ready["directory_url"].rsplit("/dir", 1)[0]  # https://127.0.0.1:PORT
    upstream_context = ssl.create_default_context(cafile=os.path.join(pebble_dir, "ca.crt"))

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            self.forward()

        def do_HEAD(self):
            self.forward()

        def do_POST(self):
            self.forward()

        def forward(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) or None
            if self.command == "POST" and self.path.startswith("/order-plz") and fault in PROBLEMS:
                status, kind, detail = PROBLEMS[fault]
                until = (datetime.now(timezone.utc) + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M:%S UTC")
                return self.answer(status, {"Content-Type": "application/problem+json"},
                                   json.dumps({"type": kind, "detail": detail.format(until=until), "status": status}).encode())
            if self.command == "POST" and self.path.startswith("/order-plz") and fault == "stall":
                time.sleep(120)
            request = urllib.request.Request(upstream + self.path, data=body, method=self.command,
                                             headers=dict(self.headers.items()))
            try:
                response = urllib.request.urlopen(request, context=upstream_context, timeout=30)
            except urllib.error.HTTPError as error:
                response = error
            payload = response.read().replace(upstream.encode(), self.origin().encode())
            headers = {k: v.replace(upstream, self.origin()) for k, v in response.headers.items()
                       if k.lower() not in ("content-length", "transfer-encoding", "connection")}
            self.answer(response.status, headers, payload)

        def origin(self):
            return f"https://127.0.0.1:{self.server.server_address[1]}"

        def answer(self, status, headers, payload):
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        def log_message(self, *_):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.path.join(pebble_dir, "cert.pem"), os.path.join(pebble_dir, "key.pem"))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print(json.dumps({"directory_url": f"https://127.0.0.1:{server.server_address[1]}/dir"}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.dont_write_bytecode = True
    main()
