#!/bin/bash
# The web container's side of the meeting's certificate (shared/src/certificate/record.rs): writes
# the http-01 challenge answers of this address's pending order where nginx serves them on port 80
# (custom-meet.conf), then installs the certificate the functions obtained and reloads nginx.
# It reads the records with the task role through SSM's JSON API (GetParametersByPath), signed by
# curl's --aws-sigv4 (curl >= 7.75; the web image installs curl and jq, web/Dockerfile at
# stable-11031, Debian bookworm's curl 7.88).
#
# Environment: CERTIFICATES_PATH (the records' SSM path), MEETING_ADDRESSES (the advertised IPs,
# "ip" or "ip#port", comma-separated: the first is the meeting's address), AWS_REGION.
# Credentials as the AWS SDKs look for them: the environment, else the task role's endpoint
# (AWS_CONTAINER_CREDENTIALS_FULL_URI, or 169.254.170.2 + AWS_CONTAINER_CREDENTIALS_RELATIVE_URI).
# Endpoint: AWS_ENDPOINT_URL_SSM or AWS_ENDPOINT_URL, else SSM's regional endpoint.
# MAX_MEETING_MINUTES (default 480): a stored certificate that would expire within a whole meeting
# plus an hour is one the functions replace (shared/src/certificate/decide.rs, `usable`); this
# script waits for the new one instead of installing the old.
# Overridable paths (tests): CHALLENGE_DIR, KEYS_DIR, RELOAD_COMMAND, POLL_SECONDS, GIVE_UP_SECONDS.
set -u

ip="${MEETING_ADDRESSES%%,*}"
ip="${ip%%#*}"
challenge_dir="${CHALLENGE_DIR:-/config/acme-challenge}"
keys_dir="${KEYS_DIR:-/config/keys}"
# s6 restarts nothing on -h: it sends nginx SIGHUP, which reloads its certificates
# (web/rootfs/etc/services.d/nginx/run execs nginx under s6 at /var/run/s6/services/nginx).
reload="${RELOAD_COMMAND:-s6-svc -h /var/run/s6/services/nginx}"
endpoint="${AWS_ENDPOINT_URL_SSM:-${AWS_ENDPOINT_URL:-https://ssm.${AWS_REGION}.amazonaws.com}}"
poll="${POLL_SECONDS:-3}"
started=$(date -u +%Y-%m-%dT%H:%M:%S)
deadline=$(($(date +%s) + ${GIVE_UP_SECONDS:-900}))
mkdir -p "$challenge_dir" "$keys_dir"

log() { printf '{"source":"meeting-certificate","address":"%s","message":"%s"}\n' "$ip" "$1"; }

credentials() {
  if [ -n "${AWS_ACCESS_KEY_ID:-}" ]; then
    key=$AWS_ACCESS_KEY_ID secret=$AWS_SECRET_ACCESS_KEY token=${AWS_SESSION_TOKEN:-}
    return 0
  fi
  local url="${AWS_CONTAINER_CREDENTIALS_FULL_URI:-http://169.254.170.2${AWS_CONTAINER_CREDENTIALS_RELATIVE_URI:-}}"
  local json
  json=$(curl -sf --max-time 5 "$url") || return 1
  key=$(jq -r .AccessKeyId <<<"$json") secret=$(jq -r .SecretAccessKey <<<"$json") token=$(jq -r '.Token // empty' <<<"$json")
}

# Every record's value, one JSON document per line (GetParametersByPath pages hold 10 at most).
records() {
  credentials || return 1
  local next="" page body
  while :; do
    body=$(jq -nc --arg p "$CERTIFICATES_PATH" --arg n "$next" \
      '{Path: $p, WithDecryption: true, MaxResults: 10} + (if $n == "" then {} else {NextToken: $n} end)')
    page=$(curl -sf --max-time 10 --aws-sigv4 "aws:amz:${AWS_REGION}:ssm" --user "$key:$secret" \
      ${token:+-H "X-Amz-Security-Token: $token"} \
      -H 'Content-Type: application/x-amz-json-1.1' -H 'X-Amz-Target: AmazonSSM.GetParametersByPath' \
      --data "$body" "$endpoint/") || return 1
    jq -c '.Parameters[]?.Value | fromjson? // empty' <<<"$page"
    next=$(jq -r '.NextToken // empty' <<<"$page")
    [ -n "$next" ] || return 0
  done
}

installed=""
while [ "$(date +%s)" -lt "$deadline" ]; do
  if all=$(records); then
    mine=$(jq -c --arg ip "$ip" 'select(.ip == $ip)' <<<"$all")
    # Tokens are base64url (RFC 8555 §8.3); anything else is not written.
    while read -r token answer; do
      [[ "$token" =~ ^[A-Za-z0-9_-]+$ ]] && printf '%s' "$answer" >"$challenge_dir/$token"
    done < <(jq -r 'select(.state == "ordering") | .challenges // {} | to_entries[] | "\(.key) \(.value)"' <<<"$mine")
    good_until=$(date -u -d "+$((${MAX_MEETING_MINUTES:-480} + 60)) minutes" +%Y-%m-%dT%H:%M:%S)
    issued=$(jq -c --arg t "$good_until" 'select(.state == "issued" and .not_after > $t)' <<<"$mine" | head -n 1)
    not_after=$(jq -r '.not_after // empty' <<<"$issued")
    if [ -n "$not_after" ] && [ "$not_after" != "$installed" ]; then
      # The key readable by root only (nginx's master reads it before dropping to www-data); the
      # challenge files written later keep the default mode, which nginx's workers can read.
      (umask 077 && jq -r .key_pem <<<"$issued" >"$keys_dir/cert.key.new")
      jq -r .chain_pem <<<"$issued" >"$keys_dir/cert.crt.new"
      mv "$keys_dir/cert.key.new" "$keys_dir/cert.key"
      mv "$keys_dir/cert.crt.new" "$keys_dir/cert.crt"
      $reload && installed=$not_after && log "installed the certificate valid until $not_after"
    fi
    # Done once installed, or once this meeting's order failed (the self-signed one stays).
    [ -n "$installed" ] && exit 0
    failed=$(jq -c --arg s "$started" 'select(.state == "failed" and .at >= $s)' <<<"$mine")
    if [ -n "$failed" ]; then
      log "the order failed; keeping the self-signed certificate"
      exit 0
    fi
  fi
  sleep "$poll"
done
log "no certificate within the wait; keeping the self-signed certificate"
