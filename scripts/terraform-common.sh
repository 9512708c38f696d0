# Shared helpers for the scripts (sourced, not run).
# shellcheck shell=bash

TERRAFORM_BIN="${TERRAFORM_BIN:-/usr/local/bin/terraform}"
TF_PLUGIN_DIR="${TF_PLUGIN_DIR:-/opt/tf-plugins}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TF_DIR="$REPO_ROOT/terraform"

# The three Lambda functions (workspace packages and binaries of the same names).
FUNCTIONS=(start-meeting task-state stop-meeting)

die() { echo "ERROR: $*" >&2; exit 1; }

# Terraform and the offline provider mirror come with the machine image; no registry can supply them
# here, so a missing one is a failure, never a skip.
require_terraform() {
  [ -x "$TERRAFORM_BIN" ] || die "terraform not found at $TERRAFORM_BIN (Terraform 1.11.x is expected from the machine image; set TERRAFORM_BIN to override)"
  [ -d "$TF_PLUGIN_DIR/registry.terraform.io/hashicorp/aws" ] ||
    die "offline provider mirror missing: $TF_PLUGIN_DIR/registry.terraform.io/hashicorp/aws (hashicorp/aws 5.100 is expected; set TF_PLUGIN_DIR to override)"
  # A CLI config path that points at a missing file only produces warnings; use an empty one instead.
  if [ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -f "$TF_CLI_CONFIG_FILE" ]; then
    export TF_CLI_CONFIG_FILE=/dev/null
  fi
  export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
}

tf() { "$TERRAFORM_BIN" "$@"; }
