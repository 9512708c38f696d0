#!/usr/bin/env bash
# Static security scan of terraform/ with checkov, offline. Every skipped check is skipped next to its
# resource with a reason (#checkov:skip=...); any failed check fails this script.
set -euo pipefail
source "$(dirname "$0")/terraform-common.sh"

CHECKOV_VERSION="${CHECKOV_VERSION:-3.3.30}"
# A private virtualenv keeps checkov's many pinned dependencies away from moto/boto3.
CHECKOV_VENV="${CHECKOV_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/jitsi-on-demand/checkov-venv}"
start=$(date +%s)

installed="$("$CHECKOV_VENV/bin/checkov" --version 2>/dev/null || true)"
if [ "$installed" != "$CHECKOV_VERSION" ]; then
  echo "==> installing checkov $CHECKOV_VERSION into $CHECKOV_VENV (once)"
  python3 -m venv --clear "$CHECKOV_VENV" || die "python3 -m venv failed"
  "$CHECKOV_VENV/bin/pip" install -q --disable-pip-version-check "checkov==$CHECKOV_VERSION" ||
    die "pip install checkov==$CHECKOV_VERSION failed"
fi

# Offline: no Prisma Cloud platform, no guideline/mapping download, no version check, no external
# modules, no telemetry.
export BC_SKIP_MAPPING=TRUE CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false ENABLE_DEFINITION_KEY=false
export CHECKOV_ALLOW_KUBERNETES_RBAC=false ANALYTICS_OPT_OUT=true BC_ANALYTICS_OPT_OUT=true
export no_proxy="" HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9

echo "==> checkov $("$CHECKOV_VENV/bin/checkov" --version) on terraform/"
"$CHECKOV_VENV/bin/checkov" \
  --directory "$TF_DIR" \
  --framework terraform \
  --download-external-modules false \
  --skip-download \
  --quiet --compact \
  --skip-path '\.terraform' \
  || { echo "FAIL terraform-checkov ($(( $(date +%s) - start )) s)"; exit 1; }

echo "PASS terraform-checkov ($(( $(date +%s) - start )) s)"
