#!/usr/bin/env bash
# The functions are built once per `make test` (make build) and nothing may re-link them while the
# test streams run or pack them: a re-link changes the zips under a running Terraform apply
# (`Provider produced inconsistent final plan` on source_code_hash).
#
# usage: scripts/check-build-stable.sh record   after `make build`: note each binary's hash and time
#        scripts/check-build-stable.sh verify   after the tests: the same binaries, and neither
#                                               workspace build command re-links them
set -euo pipefail
source "$(dirname "$0")/terraform-common.sh"
cd "$REPO_ROOT"
stamp=target/build-stamp

fingerprint() {
  for fn in "${FUNCTIONS[@]}"; do
    printf '%s %s %s\n' "$fn" "$(stat -c %.9Y "target/debug/$fn" 2>/dev/null || echo missing)" \
      "$(sha256sum "target/debug/$fn" 2>/dev/null | cut -d' ' -f1)"
  done
}

case "${1:-}" in
  record) fingerprint >"$stamp" ;;
  verify)
    [ -f "$stamp" ] || die "no $stamp: run make build first"
    compare() { # what
      diff <(cat "$stamp") <(fingerprint) >/dev/null ||
        die "$1 re-linked the functions (before | after):
$(diff <(cat "$stamp") <(fingerprint) || true)"
    }
    compare "a step of make test"
    cargo build --quiet --workspace --bins --tests
    compare "cargo build --workspace --bins --tests"
    cargo build --quiet --workspace --bins
    compare "cargo build --workspace --bins"
    echo "build-stable: the functions were built once and no workspace build re-links them"
    ;;
  *) die "usage: $0 record|verify" ;;
esac
