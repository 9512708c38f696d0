"""The web container's ports 80 and 443 on the meeting's address, with its certificate script:
runs terraform/modules/jitsi-service/files/meeting-certificate.sh (the task's own) against the
local AWS, serves the challenge answers it writes on port 80 (as custom-meet.conf has nginx do;
anything else is redirected to HTTPS) and, on port 443, the certificate it installs, else a
self-signed one (as the image generates, web/rootfs/etc/cont-init.d/10-config at stable-11031).

    python3 web_certificate.py --aws-endpoint URL --certificates-path PATH
                               (--address IP | --address-from-ssm NAME [--follow]) [--script-log FILE]

Binds IP:80 and IP:443 (the local AWS hands out 127.64.0.0/10 addresses; ports under 1024 need
root or CAP_NET_BIND_SERVICE). Prints {"address": IP} once listening. Runs until killed; with
--follow (make demo) it moves to each new meeting's address, as each meeting's task is a new one.
"""

import argparse
import http.server
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "terraform", "modules", "jitsi-service", "files", "meeting-certificate.sh")


def address_from_ssm(endpoint, name, other_than=None):
    import boto3
    ssm = boto3.client("ssm", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")
    while True:  # the functions write the meeting's address before asking for the task
        value = ssm.get_parameter(Name=name)["Parameter"]["Value"]
        first = value.split(",")[0].split("#")[0].strip()
        if first.startswith("127.") and first != other_than:
            return first
        time.sleep(0.5)


class Certificates:
    """The TLS context for the files the script writes, rebuilt when they change."""

    def __init__(self, keys_dir):
        self.keys_dir = keys_dir
        self.crt, self.key = (os.path.join(keys_dir, n) for n in ("cert.crt", "cert.key"))
        self.stamp, self.context = None, None
        fallback = os.path.join(keys_dir, "self-signed")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-days", "3650", "-subj", "/CN=*", "-keyout", fallback + ".key",
                        "-out", fallback + ".crt"], check=True, capture_output=True)
        self.fallback = (fallback + ".crt", fallback + ".key")

    def current(self):
        paths = (self.crt, self.key) if os.path.exists(self.crt) and os.path.exists(self.key) else self.fallback
        stamp = (paths, os.path.getmtime(paths[0]))
        if stamp != self.stamp:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*paths)
            self.stamp, self.context = stamp, context
        return self.context


def serve(address, port, handler, certificates=None):
    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True

        def get_request(self):
            sock, peer = self.socket.accept()
            if certificates is not None:
                sock = certificates.current().wrap_socket(sock, server_side=True)
            return sock, peer

        def handle_error(self, request, client_address):
            pass  # handshakes the functions abandon while waiting are expected

    server = Server((address, port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--aws-endpoint", required=True)
    parser.add_argument("--certificates-path", required=True)
    parser.add_argument("--address")
    parser.add_argument("--address-from-ssm")
    parser.add_argument("--script-log")
    parser.add_argument("--follow", action="store_true")
    args = parser.parse_args()
    address = args.address or address_from_ssm(args.aws_endpoint, args.address_from_ssm)
    while True:
        servers, script = run(args, address)
        if not args.follow:
            threading.Event().wait()
        address = address_from_ssm(args.aws_endpoint, args.address_from_ssm, other_than=address)
        script.kill()
        for server in servers:
            server.shutdown()
            server.server_close()


def run(args, address):
    """The container's ports on `address` and its certificate script; returns both to stop them."""
    work = tempfile.mkdtemp(prefix="web-certificate-")
    challenge_dir, keys_dir = os.path.join(work, "acme-challenge"), os.path.join(work, "keys")
    os.makedirs(challenge_dir)
    os.makedirs(keys_dir)
    certificates = Certificates(keys_dir)

    class Http(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            prefix = "/.well-known/acme-challenge/"
            if self.path.startswith(prefix):
                path = os.path.join(challenge_dir, os.path.basename(self.path[len(prefix):]))
                if os.path.isfile(path):
                    body = open(path, "rb").read()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                self.send_error(404)
                return
            self.send_response(301)
            self.send_header("Location", f"https://{address}{self.path}")
            self.end_headers()

        def log_message(self, *_):
            pass

    class Https(Http):
        def do_GET(self):
            body = b"<!doctype html><title>Jitsi Meet</title>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    servers = [serve(address, 80, Http), serve(address, 443, Https, certificates)]

    env = dict(os.environ, CERTIFICATES_PATH=args.certificates_path, MEETING_ADDRESSES=address,
               AWS_REGION="us-east-1", AWS_ENDPOINT_URL=args.aws_endpoint, AWS_ACCESS_KEY_ID="web-task",
               AWS_SECRET_ACCESS_KEY="test", CHALLENGE_DIR=challenge_dir, KEYS_DIR=keys_dir,
               RELOAD_COMMAND="true", POLL_SECONDS="0.5", GIVE_UP_SECONDS="120")
    log = open(args.script_log, "a") if args.script_log else subprocess.DEVNULL
    script = subprocess.Popen(["bash", "-x", SCRIPT] if args.script_log else ["bash", SCRIPT], env=env,
                              stdout=log, stderr=log)
    print(json.dumps({"address": address}), flush=True)
    return servers, script


if __name__ == "__main__":
    sys.dont_write_bytecode = True
    socket.setdefaulttimeout(30)
    main()
