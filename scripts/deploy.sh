#!/usr/bin/env bash
# make deploy: builds the three functions for Lambda with cargo-lambda (release, arm64 by default)
# and applies the Terraform stack to the AWS account of the current credentials.
#
# env: ARCH=arm64|x86_64 (default arm64; the Lambda architecture follows what was built)
#      TF_VARS="-var hosted_zone_id=Z… -var meeting_hostname=meet.example.org" (any extra variables)
# The start secret is generated on the first deploy, kept in .local/start-secret (mode 600, git-ignored)
# and printed once; only its SHA-256 goes to AWS.
set -euo pipefail
source "$(dirname "$0")/terraform-common.sh"
cd "$REPO_ROOT"

arch="${ARCH:-arm64}"
case "$arch" in
  arm64) build_flags=(--arm64) ;;
  x86_64) build_flags=(--x86-64) ;;
  *) die "ARCH must be arm64 or x86_64, not $arch" ;;
esac
python3 -c 'import boto3; boto3.client("sts").get_caller_identity()' >/dev/null 2>&1 ||
  die "no usable AWS credentials (aws configure, or AWS_PROFILE / AWS_ACCESS_KEY_ID …)"

scripts/setup.sh --deploy
echo "==> building the functions (release, $arch)"
# Only the three functions: the workspace's other binaries (the demo driver, the bench, `cost`) are tools.
cargo lambda build --release "${build_flags[@]}" --output-format zip "${FUNCTIONS[@]/#/--package=}"

mkdir -p .local && chmod 700 .local
if [ ! -s .local/start-secret ]; then
  (umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(32))' >.local/start-secret)
  first_deploy=yes
fi
secret_hash="$(tr -d '\n' <.local/start-secret | sha256sum | cut -d' ' -f1)"

# The offline provider mirror when this machine has one; otherwise the public registry.
init_flags=()
[ -d "$TF_PLUGIN_DIR/registry.terraform.io/hashicorp/aws" ] && init_flags=(-plugin-dir="$TF_PLUGIN_DIR")
tf -chdir=terraform init -input=false "${init_flags[@]}"
# shellcheck disable=SC2086 # TF_VARS is a list of -var flags
tf -chdir=terraform apply -input=false -var "lambda_dist_dir=$REPO_ROOT/target/lambda" \
  -var "lambda_architecture=$arch" -var "start_secret_hash=$secret_hash" ${TF_VARS:-}

start_url="$(tf -chdir=terraform output -raw start_url)"
echo
if [ -n "${first_deploy:-}" ]; then
  echo "Your start link (keep it private; it is shown only now, the secret is in .local/start-secret):"
  echo "  ${start_url}#key=$(cat .local/start-secret)"
else
  echo "Start page: $start_url  (the secret is in .local/start-secret)"
fi
