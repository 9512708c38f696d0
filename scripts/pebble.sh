#!/usr/bin/env bash
# Pebble, Let's Encrypt's test ACME server (Debian package `pebble`), on loopback in DIR: its HTTPS
# listener under a throwaway CA made here, http-01 validated on port 80 of the identifier's address
# (as Let's Encrypt does), no random waits. Once it answers, writes DIR/ready.json:
#   {"directory_url": …, "roots": DIR/roots.pem}  (the listener's CA and Pebble's issuing root)
# then runs until killed (kill its process group: it is Pebble's parent). For the tests
# (tests/src/pebble.rs) and `make demo`.
set -euo pipefail
dir=$1
mkdir -p "$dir"
cd "$dir"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
openssl req -x509 "${ec[@]}" -days 2 -subj "/CN=pebble listener CA" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign -keyout ca.key -out ca.crt 2>/dev/null
openssl req "${ec[@]}" -subj /CN=localhost -keyout key.pem -out leaf.csr 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >leaf.ext
openssl x509 -req -in leaf.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile leaf.ext -out cert.pem 2>/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port) management=$(free_port)
cat >config.json <<JSON
{"pebble": {"listenAddress": "127.0.0.1:$port", "managementListenAddress": "127.0.0.1:$management",
  "certificate": "$dir/cert.pem", "privateKey": "$dir/key.pem", "httpPort": 80, "tlsPort": 443,
  "ocspResponderURL": "", "externalAccountBindingRequired": false}}
JSON
PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 pebble -config config.json >pebble.log 2>&1 &
pebble_pid=$!
for _ in $(seq 150); do
  curl -sf --max-time 2 --cacert ca.crt "https://127.0.0.1:$port/dir" >/dev/null && break
  kill -0 "$pebble_pid" 2>/dev/null || { cat pebble.log >&2; exit 1; }
  sleep 0.1
done
{ cat ca.crt; curl -sf --max-time 5 --cacert ca.crt "https://127.0.0.1:$management/roots/0"; } >roots.pem
printf '{"directory_url": "https://127.0.0.1:%s/dir", "roots": "%s/roots.pem"}\n' "$port" "$dir" >ready.json.tmp
mv ready.json.tmp ready.json
wait "$pebble_pid"
