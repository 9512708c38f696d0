#!/usr/bin/env bash
# make demo: the project's real Terraform applied to a local AWS (moto plus AWS's own timings), the
# three functions run as Lambda runs them (target/debug/local-lambda) with the environment and role
# Terraform gave them, and a driver playing what AWS does by itself (ECS scheduler, EventBridge,
# flow metrics). Ctrl-C (or the end of a CI run) destroys everything and leaves no process behind.
#
# It runs the binaries `make build` made and never builds: it copies them into its own folder first,
# so a build or another test stream meanwhile cannot change what it runs or what Terraform uploads.
#
# env: DEMO_SPEED (default 6: AWS's delays divided by 6), DEMO_CI=1 (non-interactive, full speed:
#      a scheduled window starts a meeting, then the driver clicks; exits once back to idle and the
#      webhook got both meetings' messages), DEMO_BROWSER=1 (non-interactive:
#      the browser test in tests/browser clicks, against AWS's delays divided by 15 so that every
#      state can be seen; the driver exits once the meeting is back to idle), DEMO_SMOKE=1
#      (non-interactive, full speed: tools/smoke clicks and checks the meeting through a Jitsi
#      stand-in on loopback, tests/jitsi_standin; DEMO_SMOKE_VARIANT picks a failing stand-in)
set -euo pipefail
source "$(dirname "$0")/terraform-common.sh"
cd "$REPO_ROOT"

export DEMO_CI="${DEMO_CI:-0}" DEMO_BROWSER="${DEMO_BROWSER:-0}" DEMO_SMOKE="${DEMO_SMOKE:-0}"
if [ "$DEMO_CI" = 1 ] || [ "$DEMO_SMOKE" = 1 ]; then export DEMO_SPEED="${DEMO_SPEED:-0}"
elif [ "$DEMO_BROWSER" = 1 ]; then export DEMO_SPEED="${DEMO_SPEED:-15}"
else export DEMO_SPEED="${DEMO_SPEED:-6}"; fi
work="$(mktemp -d)"
export TF_DATA_DIR="$work/tf-data"
aws_pid="" lambda_pgid="" driver_pid="" standin_pid="" pebble_pgid="" web_pid="" applied="" STACK_TAG_VALUE=""
tf_vars=()

say() { printf '\033[1m%s\033[0m\n' "$*"; }

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  echo
  say "Tearing down"
  [ -n "$driver_pid" ] && kill "$driver_pid" 2>/dev/null || true
  [ -n "$standin_pid" ] && kill "$standin_pid" 2>/dev/null || true
  [ -n "$web_pid" ] && kill -- "-$web_pid" 2>/dev/null || true
  [ -n "$pebble_pgid" ] && kill -- "-$pebble_pgid" 2>/dev/null || true
  [ -n "$lambda_pgid" ] && kill -- "-$lambda_pgid" 2>/dev/null || true
  if [ -n "$applied" ]; then
    # Interrupted during a meeting: what the functions created (not Terraform's) would block the
    # destroy (a listener still uses the target groups), so it goes first, as a stop would.
    python3 - "$aws_port" "$STACK_TAG_VALUE" <<'PY' || true
import sys, boto3
port, stack = sys.argv[1], sys.argv[2]
kw = dict(endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
elb, ec2 = boto3.client("elbv2", **kw), boto3.client("ec2", **kw)
for lb in elb.describe_load_balancers()["LoadBalancers"]:
    tags = elb.describe_tags(ResourceArns=[lb["LoadBalancerArn"]])["TagDescriptions"][0]["Tags"]
    if {"Key": "jitsi-on-demand:stack", "Value": stack} in tags:
        for listener in elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]:
            elb.delete_listener(ListenerArn=listener["ListenerArn"])
        elb.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
for address in ec2.describe_addresses(Filters=[{"Name": "tag:jitsi-on-demand:stack", "Values": [stack]}])["Addresses"]:
    ec2.release_address(AllocationId=address["AllocationId"])
PY
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

say "Preparing"
setup_flags=()
if [ "$DEMO_BROWSER" = 1 ]; then setup_flags+=(--browser); fi
scripts/setup.sh "${setup_flags[@]}"
for bin in "${FUNCTIONS[@]}" local-lambda demo smoke; do
  [ -x "target/debug/$bin" ] || die "target/debug/$bin is not built: run \`make demo\` (it builds first) or \`make build\`"
done
for fn in "${FUNCTIONS[@]}"; do
  mkdir -p "$work/lambda/$fn" && cp "target/debug/$fn" "$work/lambda/$fn/bootstrap"
done
cp target/debug/local-lambda target/debug/demo target/debug/smoke "$work/"
scripts/package-lambdas.sh "$work/lambda" "$work/zips" >/dev/null

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
tf_vars=(-var "aws_endpoint_url=http://127.0.0.1:$aws_port" -var "lambda_dist_dir=$work/zips"
  -var "start_secret_hash=$secret_hash" -var "lambda_architecture=x86_64"
  -var "grace_minutes=0.5" -var "no_show_minutes=1" -var "idle_minutes=0.5" -var "max_meeting_minutes=10")
# Without a domain the stack orders a Let's Encrypt certificate for each meeting's address: here
# from Pebble, Let's Encrypt's test CA, on loopback (never the real one). The meeting's address is a
# loopback one (the local AWS hands out 127.64.0.0/10) where a stand-in for the web container
# serves ports 80 and 443, which needs root.
if [ "$(id -u)" = 0 ] && command -v pebble >/dev/null; then
  setsid scripts/pebble.sh "$work/pebble" >/dev/null 2>&1 &
  pebble_pgid=$!
  for _ in $(seq 200); do [ -s "$work/pebble/ready.json" ] && break; sleep 0.1; done
  [ -s "$work/pebble/ready.json" ] || die "Pebble did not start: $(tail -5 "$work/pebble/pebble.log" 2>/dev/null)"
  acme_directory="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["directory_url"])' "$work/pebble/ready.json")"
  tf_vars+=(-var "acme_directory_url=$acme_directory" -var "acme_extra_trusted_roots_pem=$(cat "$work/pebble/roots.pem")")
  echo "  certificates: Let's Encrypt's test CA (Pebble) at $acme_directory"
else
  tf_vars+=(-var "lets_encrypt=false")
  echo "  certificates: self-signed (a Let's Encrypt certificate for the meeting's loopback address needs root for ports 80 and 443, and the Debian package pebble)"
fi
# A scheduled window and a webhook receiver (the driver), except for the browser and smoke runs,
# which click themselves and must not meet a meeting the window started. The window opens at the
# first whole minute at least 2.5 minutes away (after the apply), starting its meeting a minute early.
if [ "$DEMO_BROWSER" = 0 ] && [ "$DEMO_SMOKE" = 0 ]; then
  window_minutes=$([ "$DEMO_CI" = 1 ] && echo 1 || echo 3)
  window_cron="$(python3 -c 'import datetime as d; t = d.datetime.now(d.timezone.utc) + d.timedelta(seconds=150); t = t.replace(second=0, microsecond=0) + d.timedelta(minutes=1); print(f"cron({t.minute} {t.hour} * * ? *)")')"
  export DEMO_WEBHOOK_PORT="$(free_port)"
  tf_vars+=(-var "scheduled_meetings=[{name=\"demo\", schedule=\"$window_cron\", minutes=$window_minutes}]"
    -var "scheduled_meeting_lead_minutes=1" -var "webhook_url=http://127.0.0.1:$DEMO_WEBHOOK_PORT/hooks/meeting")
  echo "  a scheduled window: $window_cron UTC for $window_minutes min; a webhook receiver on port $DEMO_WEBHOOK_PORT"
fi
tf -chdir="$work/tf" init -backend=false -plugin-dir="$TF_PLUGIN_DIR" -input=false -no-color >"$work/init.log" 2>&1 ||
  { cat "$work/init.log"; die "terraform init failed"; }
t0=$(date +%s)
applied=yes
tf -chdir="$work/tf" apply -auto-approve -input=false -no-color "${tf_vars[@]}" >"$work/apply.log" 2>&1 ||
  { tail -40 "$work/apply.log"; die "terraform apply failed"; }
echo "  $(grep -E '^Apply complete' "$work/apply.log") ($(( $(date +%s) - t0 )) s)"

# Each function gets the environment Terraform deployed it with and, as Lambda gives it, credentials
# of its own execution role (the local AWS then allows only what that role's policies allow).
python3 - "$aws_port" "$work" "${FUNCTIONS[@]}" <<'PY'
import shlex, sys, boto3
port, work, functions = sys.argv[1], sys.argv[2], sys.argv[3:]
def client(service):
    return boto3.client(service, endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")
deployed = {f["FunctionName"]: f for f in client("lambda").list_functions()["Functions"]}
for fn in functions:
    config = next(c for name, c in deployed.items() if name.endswith(f"-{fn}"))
    variables = config["Environment"]["Variables"]
    creds = client("sts").assume_role(RoleArn=config["Role"], RoleSessionName=config["FunctionName"])["Credentials"]
    with open(f"{work}/lambda/{fn}/env", "w") as env:
        for key, value in variables.items():
            env.write(f"{key}={value}\n")
        env.write(f"AWS_ENDPOINT_URL=http://127.0.0.1:{port}\nAWS_ACCESS_KEY_ID={creds['AccessKeyId']}\n"
                  f"AWS_SECRET_ACCESS_KEY={creds['SecretAccessKey']}\nAWS_SESSION_TOKEN={creds['SessionToken']}\n")
    if fn == "start-meeting":  # the stack's settings, for the driver (which plays AWS, not a function)
        with open(f"{work}/stack.env", "w") as env:
            env.writelines(f"{key}={value}\n" for key, value in variables.items())
        with open(f"{work}/stack.sh", "w") as env:  # the same for the shell (values may hold JSON)
            env.writelines(f"{key}={shlex.quote(value)}\n" for key, value in variables.items())
PY

say "Serving the functions"
lambda_port="$(free_port)"
setsid "$work/local-lambda" "$lambda_port" "$work/lambda" >"$work/lambda.log" 2>&1 &
lambda_pgid=$!
wait_for "http://127.0.0.1:$lambda_port/lambda-url/start-meeting/status" 60 ||
  die "the functions did not answer: $(tail -n 20 "$work/lambda.log") $(tail -n 5 "$work"/lambda/*/log)"
echo "  http://127.0.0.1:$lambda_port"

say "Running the meeting lifecycle"
set -a; source "$work/stack.sh"; set +a
STACK_TAG_VALUE="$STACK_TAG"
export AWS_ENDPOINT_URL="http://127.0.0.1:$aws_port" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
export LAMBDA_PORT="$lambda_port" START_SECRET="$secret"
if [ -n "$CERTIFICATES_PARAMETER_PATH" ]; then
  # The web container's ports 80 and 443 with its own certificate script, on each meeting's address.
  setsid python3 -B tests/jitsi_standin/web_certificate.py --aws-endpoint "$AWS_ENDPOINT_URL" \
    --certificates-path "$CERTIFICATES_PARAMETER_PATH" --address-from-ssm "$ADVERTISE_IPS_PARAMETER" --follow \
    --script-log "$work/web-certificate.log" >"$work/web.out" 2>"$work/web.log" &
  web_pid=$!
fi
if [ "$DEMO_BROWSER" = 1 ]; then
  # The driver plays AWS in the background while the browser test clicks.
  "$work/demo" &
  driver_pid=$!
  node --test-reporter=spec tests/browser/start-page.test.mjs || die "the browser test failed"
  wait "$driver_pid" || die "the driver failed"
  driver_pid=""
elif [ "$DEMO_SMOKE" = 1 ]; then
  # A loopback stand-in for the task's containers: it advertises what start-meeting wrote for the
  # bridge and checks tokens with the key the task would get, both read from the local AWS.
  python3 -B tests/jitsi_standin/standin.py --advertise-ips-from-ssm "$ADVERTISE_IPS_PARAMETER" \
    --jwt-app-id "$JWT_APP_ID" --jwt-secret-from-ssm "$JWT_SECRET_PARAMETER" --aws-endpoint "$AWS_ENDPOINT_URL" \
    ${DEMO_SMOKE_VARIANT:+--variant "$DEMO_SMOKE_VARIANT"} >"$work/standin.out" 2>"$work/standin.log" &
  standin_pid=$!
  for _ in $(seq 100); do [ -s "$work/standin.out" ] && break; sleep 0.1; done
  standin_port="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$work/standin.out")" ||
    die "the Jitsi stand-in did not start: $(tail -5 "$work/standin.log")"
  python3 -B tools/smoke/scripts/settings_from_env.py "$work/stack.env" \
    "http://127.0.0.1:$lambda_port/lambda-url/start-meeting/" "http://127.0.0.1:$lambda_port/lambda-url/stop-meeting/" \
    >"$work/smoke-stack.json"
  # The driver plays AWS and never clicks (as for the browser test); smoke clicks, checks, stops.
  DEMO_BROWSER=1 "$work/demo" >"$work/driver.log" 2>&1 &
  driver_pid=$!
  # The meeting's host is moto's load balancer name: --connect-to sends its connections to the stand-in.
  JITSI_START_SECRET="$secret" "$work/smoke" --stack "$work/smoke-stack.json" \
    --connect-to "::127.0.0.1:$standin_port" --poll 0.5 --deadline 3m --stop-deadline 3m ||
    { rc=$?; tail -20 "$work/driver.log"; die "the smoke test failed (exit $rc)"; }
  wait "$driver_pid" || die "the driver failed: $(tail -20 "$work/driver.log")"
  driver_pid=""
  # Then each AWS-side failure once on the same stack: smoke must fail, say what AWS says and what
  # to check, and still leave nothing behind.
  faults=(python3 -B tools/smoke/scripts/aws_faults.py "$AWS_ENDPOINT_URL")
  expect_failure() { # name, expected text, smoke args...
    local name=$1 expected=$2; shift 2
    say "  smoke, failing run: $name"
    local rc=0
    JITSI_START_SECRET="$secret" "$work/smoke" --stack "$work/smoke-stack.json" \
      --connect-to "::127.0.0.1:$standin_port" --poll 0.5 --stop-deadline 3m "$@" >"$work/smoke-$name.log" 2>&1 || rc=$?
    kill "$driver_pid" 2>/dev/null; wait "$driver_pid" 2>/dev/null || true
    driver_pid=""
    grep -E '^(FAIL|  FAIL|FAILED)|nothing left' "$work/smoke-$name.log" | sed 's/^/    /'
    [ "$rc" = 1 ] || die "smoke exited $rc for $name, expected 1: $(tail -30 "$work/smoke-$name.log")"
    grep -qF -- "$expected" "$work/smoke-$name.log" || die "smoke did not say \"$expected\" for $name"
    grep -q 'ok    nothing left' "$work/smoke-$name.log" || die "smoke left something after $name"
  }
  "${faults[@]}" close-health-port "$STACK_TAG-task" 8080
  DEMO_BROWSER=1 "$work/demo" >"$work/driver-unhealthy.log" 2>&1 &
  driver_pid=$!
  expect_failure unhealthy "must admit TCP 8080" --deadline 15s
  "${faults[@]}" open-health-port "$STACK_TAG-task" 8080
  # The task needs seconds to start here (DEMO_SPEED=4), so its stop is seen before a new one runs.
  DEMO_SPEED=4 DEMO_BROWSER=1 "$work/demo" >"$work/driver-task-stops.log" 2>&1 &
  driver_pid=$!
  "${faults[@]}" stop-first-task "$CLUSTER_NAME" "$SERVICE_NAME" \
    "CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref docker.io/jitsi/jvb:stable-11031: toomanyrequests: You have reached your unauthenticated pull rate limit" &
  expect_failure task-stops "Docker Hub" --deadline 60s
else
  "$work/demo"
fi
