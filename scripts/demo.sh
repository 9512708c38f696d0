#!/usr/bin/env bash
# make demo: the project's real Terraform applied to a local AWS (moto plus AWS's own timings), the
# three functions served by `cargo lambda watch` with the environment Terraform gave them, and a
# driver playing what AWS does by itself (ECS scheduler, EventBridge, flow metrics). Ctrl-C (or the
# end of a CI run) destroys everything and leaves no process behind.
#
# env: DEMO_SPEED (default 6: AWS's delays divided by 6), DEMO_CI=1 (non-interactive, full speed:
#      clicks by itself and exits once the meeting is back to idle), DEMO_BROWSER=1 (non-interactive:
#      the browser test in tests/browser clicks, against AWS's delays divided by 15 so that every
#      state can be seen; the driver exits once the meeting is back to idle)
set -euo pipefail
source "$(dirname "$0")/terraform-common.sh"
cd "$REPO_ROOT"

export DEMO_CI="${DEMO_CI:-0}" DEMO_BROWSER="${DEMO_BROWSER:-0}"
if [ "$DEMO_CI" = 1 ]; then export DEMO_SPEED="${DEMO_SPEED:-0}"
elif [ "$DEMO_BROWSER" = 1 ]; then export DEMO_SPEED="${DEMO_SPEED:-15}"
else export DEMO_SPEED="${DEMO_SPEED:-6}"; fi
work="$(mktemp -d)"
export TF_DATA_DIR="$work/tf-data"
aws_pid="" lambda_pgid="" driver_pid="" applied=""
tf_vars=()

say() { printf '\033[1m%s\033[0m\n' "$*"; }

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  echo
  say "Tearing down"
  [ -n "$driver_pid" ] && kill "$driver_pid" 2>/dev/null || true
  [ -n "$lambda_pgid" ] && kill -- "-$lambda_pgid" 2>/dev/null || true
  if [ -n "$applied" ]; then
    tf -chdir="$work/tf" destroy -auto-approve -input=false -no-color "${tf_vars[@]}" >"$work/destroy.log" 2>&1 &&
      echo "  terraform destroy: done" || { echo "  terraform destroy failed:"; tail -20 "$work/destroy.log"; rc=1; }
  fi
  [ -n "$aws_pid" ] && kill "$aws_pid" 2>/dev/null && wait "$aws_pid" 2>/dev/null || true
  rm -rf "$work"
  echo "  local AWS stopped; nothing is left running"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() { # url seconds
  local deadline=$((SECONDS + $2))
  while [ "$SECONDS" -lt "$deadline" ]; do
    curl -fsS -m 10 -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}

say "Preparing (first run: installs moto and cargo-lambda, builds the functions)"
setup_flags=(--demo)
if [ "$DEMO_BROWSER" = 1 ]; then setup_flags+=(--browser); fi
scripts/setup.sh "${setup_flags[@]}"
cargo build --quiet --workspace --bins
scripts/package-lambdas.sh target/debug target/lambda-dev >/dev/null

say "Starting the local AWS"
aws_port="$(free_port)"
python3 tests/local_aws/server.py --port "$aws_port" >"$work/local-aws.log" 2>&1 &
aws_pid=$!
wait_for "http://127.0.0.1:$aws_port/_local/faults" 30 || die "the local AWS did not start: $(tail -5 "$work/local-aws.log")"
export LOCAL_AWS_PORT="$aws_port"
echo "  http://127.0.0.1:$aws_port"

say "Applying the Terraform stack to it"
secret="$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
secret_hash="$(printf '%s' "$secret" | sha256sum | cut -d' ' -f1)"
mkdir -p "$work/tf"
(cd "$TF_DIR" && tar --exclude=.terraform --exclude='*.tfstate*' -cf - .) | tar -C "$work/tf" -xf -
# Same configuration as a real deploy; only the endpoint, the architecture of the local build and
# shorter idle timers (so a whole cycle takes a couple of minutes) differ.
tf_vars=(-var "aws_endpoint_url=http://127.0.0.1:$aws_port" -var "lambda_dist_dir=$REPO_ROOT/target/lambda-dev"
  -var "start_secret_hash=$secret_hash" -var "lambda_architecture=x86_64"
  -var "grace_minutes=0.5" -var "no_show_minutes=1" -var "idle_minutes=0.5" -var "max_meeting_minutes=10")
tf -chdir="$work/tf" init -backend=false -plugin-dir="$TF_PLUGIN_DIR" -input=false -no-color >"$work/init.log" 2>&1 ||
  { cat "$work/init.log"; die "terraform init failed"; }
t0=$(date +%s)
applied=yes
tf -chdir="$work/tf" apply -auto-approve -input=false -no-color "${tf_vars[@]}" >"$work/apply.log" 2>&1 ||
  { tail -40 "$work/apply.log"; die "terraform apply failed"; }
echo "  $(grep -E '^Apply complete' "$work/apply.log") ($(( $(date +%s) - t0 )) s)"

# The functions get exactly the environment Terraform deployed them with, plus the local endpoint.
python3 - "$aws_port" >"$work/lambda.env" <<'PY'
import sys, boto3
client = boto3.client("lambda", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-east-1",
                      aws_access_key_id="test", aws_secret_access_key="test")
name = next(f["FunctionName"] for f in client.list_functions()["Functions"] if f["FunctionName"].endswith("-start-meeting"))
for key, value in client.get_function_configuration(FunctionName=name)["Environment"]["Variables"].items():
    print(f"{key}={value}")
print(f"AWS_ENDPOINT_URL=http://127.0.0.1:{sys.argv[1]}")
print("AWS_ACCESS_KEY_ID=test\nAWS_SECRET_ACCESS_KEY=test\nAWS_REGION=us-east-1")
PY

say "Serving the functions (cargo lambda watch)"
lambda_port="$(free_port)"
# Unattended runs test the build they began with: an edit meanwhile must not restart the functions.
reload=()
if [ "$DEMO_CI" = 1 ] || [ "$DEMO_BROWSER" = 1 ]; then reload=(--ignore-changes); fi
setsid cargo lambda watch --quiet "${reload[@]}" --invoke-port "$lambda_port" --env-file "$work/lambda.env" >"$work/lambda.log" 2>&1 &
lambda_pgid=$!
wait_for "http://127.0.0.1:$lambda_port/lambda-url/start-meeting/status" 120 ||
  die "the functions did not answer: $(tail -20 "$work/lambda.log")"
echo "  http://127.0.0.1:$lambda_port"

say "Running the meeting lifecycle"
set -a; source "$work/lambda.env"; set +a
export LAMBDA_PORT="$lambda_port" START_SECRET="$secret"
if [ "$DEMO_BROWSER" = 1 ]; then
  # The driver plays AWS in the background while the browser test clicks.
  target/debug/demo &
  driver_pid=$!
  node --test-reporter=spec tests/browser/start-page.test.mjs || die "the browser test failed"
  wait "$driver_pid" || die "the driver failed"
  driver_pid=""
else
  target/debug/demo
fi
