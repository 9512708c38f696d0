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

# Debian packages, as root (CI, a fresh machine); otherwise says what to install.
apt_install() {
  command -v apt-get >/dev/null && [ "$(id -u)" = 0 ] ||
    die "missing: $* (needs apt-get as root): apt-get install $*"
  echo "installing $* (Debian)"
  local apt_log
  apt_log="$(mktemp)"
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"; } >"$apt_log" 2>&1 ||
    { tail -20 "$apt_log"; die "could not install $* with apt-get (log above)"; }
  rm -f "$apt_log"
}

python3 -c "import moto, flask, werkzeug" 2>/dev/null && [ "$(python3 -c 'import moto; print(moto.__version__)')" = "$MOTO_VERSION" ] ||
  { echo "installing moto[server]==$MOTO_VERSION"; pip_install "moto[server]==$MOTO_VERSION"; }
# Pebble (Let's Encrypt's test CA) for the certificate tests; curl, jq and openssl run the web
# container's certificate script and make the tests' throwaway CA.
missing=()
for tool in pebble:pebble jq:jq curl:curl openssl:openssl; do
  command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
done
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
flags=" $* "
if [[ "$flags" == *" --deploy "* ]]; then
  command -v cargo-lambda >/dev/null || { echo "installing cargo-lambda==$CARGO_LAMBDA_VERSION"; pip_install "cargo-lambda==$CARGO_LAMBDA_VERSION"; }
fi
if [[ "$flags" == *" --browser "* ]]; then
  if [ ! -x "$CHROMIUM" ]; then
    apt_install chromium chromium-driver
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
