#!/usr/bin/env bash
# Installs what `make test` and `make demo` need on a fresh machine, from the package registries
# only. Terraform and its provider mirror come with the machine image and cannot be installed here.
#
# flags: --deploy (cargo-lambda, for release zips: make deploy, make bench), --browser (Debian chromium and the browser
#        test's npm packages; never a browser downloaded by playwright)
set -euo pipefail
source "$(dirname "$0")/terraform-common.sh"

MOTO_VERSION=5.2.1
CARGO_LAMBDA_VERSION=1.9.2
CHROMIUM=/usr/bin/chromium

pip_install() { python3 -m pip install --quiet --disable-pip-version-check "$@"; }

python3 -c "import moto, flask, werkzeug" 2>/dev/null && [ "$(python3 -c 'import moto; print(moto.__version__)')" = "$MOTO_VERSION" ] ||
  { echo "installing moto[server]==$MOTO_VERSION"; pip_install "moto[server]==$MOTO_VERSION"; }
flags=" $* "
if [[ "$flags" == *" --deploy "* ]]; then
  command -v cargo-lambda >/dev/null || { echo "installing cargo-lambda==$CARGO_LAMBDA_VERSION"; pip_install "cargo-lambda==$CARGO_LAMBDA_VERSION"; }
fi
if [[ "$flags" == *" --browser "* ]]; then
  if [ ! -x "$CHROMIUM" ]; then
    command -v apt-get >/dev/null && [ "$(id -u)" = 0 ] ||
      die "$CHROMIUM is missing and cannot be installed here (needs apt-get as root): apt-get install chromium chromium-driver"
    echo "installing chromium and chromium-driver (Debian)"
    apt_log="$(mktemp)"
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium chromium-driver; } >"$apt_log" 2>&1 ||
      { tail -20 "$apt_log"; die "could not install chromium with apt-get (log above)"; }
    rm -f "$apt_log"
  fi
  command -v npm >/dev/null || die "npm is missing: the browser test needs Node.js 20 or later with npm"
  browser_test="$REPO_ROOT/tests/browser"
  # npm ci only when node_modules is missing or older than the lock file.
  if [ "$browser_test/package-lock.json" -nt "$browser_test/node_modules/.package-lock.json" ]; then
    echo "installing the browser test's npm packages (npm ci)"
    (cd "$browser_test" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --silent --no-audit --no-fund) ||
      die "npm ci in tests/browser failed"
  fi
  echo "setup: $("$CHROMIUM" --version 2>/dev/null)"
fi
require_terraform
echo "setup: moto $(python3 -c 'import moto; print(moto.__version__)'), $("$TERRAFORM_BIN" version | head -1)"
