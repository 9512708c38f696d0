#!/usr/bin/env bash
# Packs already-built function binaries the way cargo-lambda does (<out>/<fn>/bootstrap.zip with
# one executable named bootstrap), so that the tests' Terraform apply reuses the test build
# instead of compiling the SDKs a second time. `make deploy` uses cargo-lambda's own release zips.
#
# Every consumer packs into a folder of its own, so no zip changes under a running Terraform.
#
# usage: scripts/package-lambdas.sh <binary_dir> <out_dir>
#   the binaries are <binary_dir>/<fn> (cargo's layout) or <binary_dir>/<fn>/bootstrap
set -euo pipefail
source "$(dirname "$0")/terraform-common.sh"
[ $# -eq 2 ] || { echo "usage: $0 <binary_dir> <out_dir>" >&2; exit 2; }
bin_dir=$1 out_dir=$2
for fn in "${FUNCTIONS[@]}"; do
  binary="$bin_dir/$fn"
  [ -d "$binary" ] && binary="$binary/bootstrap"
  [ -x "$binary" ] || die "$binary is not built (make build)"
  mkdir -p "$out_dir/$fn"
  python3 - "$binary" "$out_dir/$fn/bootstrap.zip" <<'PY'
import sys, zipfile
binary, archive = sys.argv[1], sys.argv[2]
import os
partial = f"{archive}.{os.getpid()}.partial"  # renamed into place: parallel test steps may pack at once
with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
    info = zipfile.ZipInfo("bootstrap")
    info.external_attr = 0o755 << 16  # executable, as Lambda requires
    info.compress_type = zipfile.ZIP_DEFLATED
    with open(binary, "rb") as f:
        z.writestr(info, f.read())
os.replace(partial, archive)
PY
done
echo "packed $(ls "$out_dir" | wc -l) functions into $out_dir"
