"""A loopback stand-in for one Jitsi deployment (docker-jitsi-meet's web, prosody, jicofo and the
bridge's offer), enough for `smoke`'s participant checks: HTTPS with a self-signed certificate
(as a trial stack's web container serves), `/` (Jitsi Meet's page with config.js inlined, as
nginx's SSI does), `/config.js` (system-config.js as served) and `/http-bind` (xmpp.py).

    python3 standin.py [--port 0] [--hostname NAME]... [--public-ip IP | --advertise-ips-from-ssm NAME]
                       [--jwt-app-id ID (--jwt-secret S | --jwt-secret-from-ssm NAME)] [--aws-endpoint URL]
                       [--variant VARIANT]

Once listening it prints one JSON line on stdout: {"port": N}. It binds 127.0.0.1 only.

Token authentication (--jwt-app-id) works as the stack's: config.js names the guest domain, the
main domain needs a moderator token on the BOSH URL, and a guest may not open a room. In the demo,
the advertised address and the token key come from the local AWS's SSM parameters, which is where
the real containers get them (JVB_ADVERTISE_IPS, JWT_APP_SECRET).

Variants, each failing one participant check:
  ok                   everything as a working deployment
  localhost-config     config.bosh on https://localhost:8443 (docker-jitsi-meet without BOSH_RELATIVE)
  bosh-502             /http-bind answers 502 Bad Gateway (prosody down behind nginx)
  bosh-terminate       the BOSH session is refused: terminate, remote-connection-failed
  wrong-candidate-ip   the bridge advertises 198.51.100.23 instead of the public address
  guest-opens-room     with token authentication, a guest may open a room (jicofo without auth)
"""

import argparse
import datetime
import ipaddress
import json
import os
import ssl
import sys
import tempfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ next to the sources

import tokens  # noqa: E402
from xmpp import XmppServer  # noqa: E402

VARIANTS = ("ok", "localhost-config", "bosh-502", "bosh-terminate", "wrong-candidate-ip", "guest-opens-room")
WRONG_IP = "198.51.100.23"
NGINX_502 = ("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>"
             "</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")


class Settings:
    domain, guest_domain, muc, focus = "meet.jitsi", None, "muc.meet.jitsi", "focus.meet.jitsi"

    def __init__(self, args):
        self.variant = args.variant
        self.args = args
        self.token_auth = args.jwt_app_id is not None
        if self.token_auth:
            self.guest_domain = "guest.meet.jitsi"

    def ssm(self, name):
        import boto3  # only for the demo; tests pass values directly
        client = boto3.client("ssm", endpoint_url=self.args.aws_endpoint, region_name="us-east-1",
                              aws_access_key_id="test", aws_secret_access_key="test")
        return client.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]

    def candidate_ips(self):
        if self.variant == "wrong-candidate-ip":
            return [WRONG_IP]
        if self.args.advertise_ips_from_ssm:
            # JVB_ADVERTISE_IPS: "ip" or "ip#port", comma separated (jvb.conf at stable-11031).
            value = self.ssm(self.args.advertise_ips_from_ssm)
            return [entry.split("#")[0].strip() for entry in value.split(",") if entry.strip()]
        return [self.args.public_ip] if self.args.public_ip else []

    def verify_token(self, token):
        if not token:
            raise tokens.TokenError("token required")
        secret = self.args.jwt_secret if self.args.jwt_secret is not None else self.ssm(self.args.jwt_secret_from_ssm)
        return tokens.verify(token, self.args.jwt_app_id, secret.encode())

    def config_js(self):
        bosh = ("'https://localhost:8443/' + subdir + 'http-bind'" if self.variant == "localhost-config"
                else "'/' + subdir + 'http-bind'")
        guests = ""
        if self.token_auth:
            guests = f"config.hosts.anonymousdomain = '{self.guest_domain}';\nconfig.hosts.authdomain = '{self.domain}';\n"
        return ("// Jitsi Meet configuration.\nvar config = {};\n\n"
                "if (!config.hasOwnProperty('hosts')) config.hosts = {};\n\n"
                f"config.hosts.domain = '{self.domain}';\nconfig.focusUserJid = 'focus@auth.meet.jitsi';\n\n"
                "var subdir = '';\nvar subdomain = \"\";\nif (subdir.startsWith('<!--')) {\n    subdir = '';\n}\n"
                "if (subdomain) {\n    subdomain = subdomain.substring(0,subdomain.length-1).split('.').join('_')"
                ".toLowerCase() + '.';\n}\n"
                f"config.hosts.muc = 'muc.' + subdomain + '{self.domain}';\n{guests}"
                f"config.bosh = {bosh};\nconfig.bridgeChannel = {{\n    preferSctp: true\n}};\n")


def index_page(config_js):
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Jitsi Meet</title>\n"
            "<meta property=\"og:title\" content=\"Jitsi Meet\"/>\n"
            f"<script>{config_js}</script>\n<script src=\"libs/app.bundle.min.js?v=1\"></script>\n"
            "</head><body><div id=\"react\"></div></body></html>\n")


def handler_for(settings, xmpp):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "nginx"

        def log_message(self, fmt, *args):
            if settings.args.verbose:
                sys.stderr.write("standin: " + fmt % args + "\n")

        def answer(self, status, body, content_type):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
            self.close_connection = True

        def do_GET(self):
            path = urlsplit(self.path).path
            if path == "/config.js":
                self.answer(200, settings.config_js(), "application/javascript")
            elif path == "/" or (path.count("/") == 1 and "." not in path):  # a room's page is the same page
                self.answer(200, index_page(settings.config_js()), "text/html")
            else:
                self.answer(404, "not found", "text/plain")

        def do_POST(self):
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if url.path != "/http-bind":
                self.answer(404, "not found", "text/plain")
            elif settings.variant == "bosh-502":
                self.answer(502, NGINX_502, "text/html")
            else:
                query = {key: values[0] for key, values in parse_qs(url.query).items()}
                status, text = xmpp.handle(body, query)
                self.answer(status, text, "text/xml; charset=utf-8")

    return Handler


def self_signed_context(hostnames):
    """A TLS context with a fresh self-signed certificate for these names and 127.0.0.1."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostnames[0])])
    now = datetime.datetime.now(datetime.timezone.utc)
    alternatives = [x509.DNSName(h) for h in hostnames] + [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName(alternatives), critical=False)
                   .sign(key, hashes.SHA256()))
    with tempfile.TemporaryDirectory() as folder:
        cert_path, key_path = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
        with open(cert_path, "wb") as f:
            f.write(certificate.public_bytes(serialization.Encoding.PEM))
        with open(key_path, "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
    return context


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that rejects the self-signed certificate ends the handshake: expected, not news.
        error = sys.exc_info()[1]
        if not isinstance(error, (ssl.SSLError, ConnectionError)):
            super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--hostname", action="append", default=[])
    parser.add_argument("--public-ip")
    parser.add_argument("--advertise-ips-from-ssm", metavar="PARAMETER")
    parser.add_argument("--jwt-app-id")
    parser.add_argument("--jwt-secret")
    parser.add_argument("--jwt-secret-from-ssm", metavar="PARAMETER")
    parser.add_argument("--aws-endpoint")
    parser.add_argument("--variant", choices=VARIANTS, default="ok")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    if args.jwt_app_id and args.jwt_secret is None and not args.jwt_secret_from_ssm:
        parser.error("--jwt-app-id needs --jwt-secret or --jwt-secret-from-ssm")
    settings = Settings(args)
    server = Server(("127.0.0.1", args.port), handler_for(settings, XmppServer(settings)))
    context = self_signed_context(args.hostname or ["localhost"])
    # The handshake happens in each request's thread, not in the accepting one.
    server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
