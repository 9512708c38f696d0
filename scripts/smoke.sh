#!/usr/bin/env bash
# make smoke: the deployed stack's settings from Terraform, then tools/smoke against it with your
# AWS credentials (the binary `make build` made; see README, "Smoke test").
set -euo pipefail
source "$(dirname "$0")/terraform-common.sh"
cd "$REPO_ROOT"
require_terraform
mkdir -p .local
tf -chdir=terraform output -json smoke_settings >.local/smoke-stack.json 2>/dev/null ||
  die "no deployed stack found: run make deploy first (terraform output smoke_settings)"
exec target/debug/smoke --stack .local/smoke-stack.json "$@"
