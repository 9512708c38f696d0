#!/usr/bin/env bash
# Installs what `make test` and `make demo` need on a fresh machine, from the package registries
# only. Terraform and its provider mirror come with the machine image and cannot be installed here.
set -euo pipefail
source "$(dirname "$0")/terraform-common.sh"

MOTO_VERSION=5.2.1
CARGO_LAMBDA_VERSION=1.9.2

pip_install() { python3 -m pip install --quiet --disable-pip-version-check "$@"; }

python3 -c "import moto, flask, werkzeug" 2>/dev/null && [ "$(python3 -c 'import moto; print(moto.__version__)')" = "$MOTO_VERSION" ] ||
  { echo "installing moto[server]==$MOTO_VERSION"; pip_install "moto[server]==$MOTO_VERSION"; }
if [ "${1:-}" = "--demo" ] || [ "${1:-}" = "--deploy" ]; then
  command -v cargo-lambda >/dev/null || { echo "installing cargo-lambda==$CARGO_LAMBDA_VERSION"; pip_install "cargo-lambda==$CARGO_LAMBDA_VERSION"; }
fi
require_terraform
echo "setup: moto $(python3 -c 'import moto; print(moto.__version__)'), $("$TERRAFORM_BIN" version | head -1)"
