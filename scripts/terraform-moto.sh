#!/usr/bin/env bash
# Applies the real Terraform configuration against a local moto server, checks the resources through
# the AWS API, checks the functions' IAM policies (tests/iam_policy_check.py), checks that the
# service's desired count is left to the Lambdas; then adds a custom domain (a hosted zone created in
# moto) and checks the same again plus the meeting host name's A record, whose value belongs to the
# Lambdas, and that the token app id and signing key survived that apply; destroys, and checks that
# nothing is left.
#
# usage: scripts/terraform-moto.sh <lambda_dist_dir>
#   <lambda_dist_dir>/<fn>/bootstrap.zip for start-meeting, task-state, stop-meeting (cargo lambda
#   build --output-format zip). The zips are only stored, never run: moto needs no Docker for that.
# env: TF_SHOW_JSON=<path>  also write `terraform show -json` of the applied state there.
set -euo pipefail
source "$(dirname "$0")/terraform-common.sh"

start=$(date +%s)
result="FAIL"
# The summary may run from a signal trap while a command's output is redirected to a log file.
exec 3>&1
moto_pid=""
work=""
summary() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  if [ -n "$moto_pid" ]; then kill "$moto_pid" 2>/dev/null; wait "$moto_pid" 2>/dev/null; fi
  [ -n "$work" ] && rm -rf "$work"
  [ "$rc" -ne 0 ] && result="FAIL"
  echo "$result terraform-moto ($(( $(date +%s) - start )) s)" >&3
  exit "$rc"
}
trap summary EXIT
trap 'exit 130' INT TERM

[ $# -eq 1 ] || die "usage: $0 <lambda_dist_dir>"
dist="$(cd "$1" 2>/dev/null && pwd)" || die "lambda dist dir not found: $1"
for fn in "${FUNCTIONS[@]}"; do
  [ -f "$dist/$fn/bootstrap.zip" ] || die "missing $dist/$fn/bootstrap.zip (build with: cargo lambda build --release --output-format zip)"
done
require_terraform
command -v moto_server >/dev/null || die "moto_server not found (pip install 'moto[server]')"
python3 -c 'import boto3' 2>/dev/null || die "python3 boto3 not importable (it comes with moto)"

work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
endpoint="http://127.0.0.1:$port"

# Nothing may leave the machine: dummy credentials, no shared config, and a dead proxy for anything
# that is not loopback (an endpoint missing from the provider block would fail instead of reaching AWS).
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL
export HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 NO_PROXY=127.0.0.1,localhost
export https_proxy=$HTTPS_PROXY http_proxy=$HTTP_PROXY no_proxy=$NO_PROXY

echo "==> moto_server on $endpoint"
# ACM certificates are ISSUED at once (moto waits 60 s by default before it "validates" them).
MOTO_ACM_VALIDATION_WAIT=0 moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
python3 - "$endpoint" <<'PY' || { cat "$work/moto.log"; die "moto_server did not come up"; }
import sys, time, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
for _ in range(100):
    try:
        opener.open(sys.argv[1] + "/moto-api/", timeout=1); sys.exit(0)
    except Exception:
        time.sleep(0.2)
sys.exit(1)
PY

# A private copy keeps state, lock and .terraform out of the repository.
mkdir -p "$work/tf"
(cd "$TF_DIR" && tar --exclude=.terraform --exclude='*.tfstate*' -cf - .) | tar -C "$work/tf" -xf -
export TF_DATA_DIR="$work/tf-data"
secret_hash="$(python3 -c 'import hashlib, secrets; print(hashlib.sha256(secrets.token_hex(32).encode()).hexdigest())')"
vars=(-var "aws_endpoint_url=$endpoint" -var "lambda_dist_dir=$dist" -var "start_secret_hash=$secret_hash" -var "lambda_architecture=x86_64")
# A scheduled window of each kind and a webhook: their schedules, role, parameters and grants.
vars+=(-var 'scheduled_meetings=[{name="standup", schedule="cron(30 9 ? * MON-FRI *)", time_zone="Europe/Berlin", minutes=45}, {name="weekly", schedule="rate(7 days)", first="2030-01-07T09:30:00+01:00", minutes=30}]'
  -var "webhook_url=https://hooks.example.test/services/T0/B0/local" -var "webhook_format=slack")

echo "==> terraform init"
tf -chdir="$work/tf" init -backend=false -plugin-dir="$TF_PLUGIN_DIR" -input=false -no-color >"$work/init.log" 2>&1 ||
  { cat "$work/init.log"; die "terraform init failed"; }

echo "==> terraform apply"
t0=$(date +%s)
tf -chdir="$work/tf" apply -auto-approve -input=false -no-color "${vars[@]}" >"$work/apply.log" 2>&1 ||
  { tail -60 "$work/apply.log"; die "terraform apply against moto failed"; }
grep -E '^Apply complete' "$work/apply.log"
echo "    apply took $(( $(date +%s) - t0 )) s"
tf -chdir="$work/tf" output -json >"$work/outputs.json"

echo "==> checking the deployed stack through the AWS API"
python3 "$TF_DIR/tests/moto_assert.py" deployed "$endpoint" jitsi-on-demand "$work/outputs.json" ||
  die "deployed stack does not match"

tf -chdir="$work/tf" show -json >"$work/show.json" || die "terraform show -json failed"
echo "==> least privilege: each function's IAM policies against the calls its code makes"
python3 "$TF_DIR/tests/iam_policy_check.py" "$work/show.json" || die "a function's IAM policy grants too much or too little"
if [ -n "${TF_SHOW_JSON:-}" ]; then
  cp "$work/show.json" "$TF_SHOW_JSON"
  echo "==> state written to $TF_SHOW_JSON"
fi

echo "==> desired count belongs to the Lambdas: raise it to 1, plan must keep it"
python3 - "$endpoint" <<'PY'
import sys, boto3
ecs = boto3.client("ecs", endpoint_url=sys.argv[1], region_name="us-east-1")
ecs.update_service(cluster="jitsi-on-demand", service="jitsi-on-demand", desiredCount=1)
count = ecs.describe_services(cluster="jitsi-on-demand", services=["jitsi-on-demand"])["services"][0]["desiredCount"]
if count != 1:
    sys.exit(f"  FAIL moto did not take desiredCount=1 (reads {count})")
PY
# A plan against moto always shows a change on aws_ecs_service (enable_execute_command), so only the
# desired count is checked, never an empty plan.
plan_json() {
  tf -chdir="$work/tf" plan -input=false -no-color -out="$work/p.tfplan" "$@" "${vars[@]}" >"$work/plan.log" 2>&1 ||
    { tail -40 "$work/plan.log"; die "terraform plan failed"; }
  tf -chdir="$work/tf" show -json "$work/p.tfplan"
}
plan_json >"$work/plan1.json"
rc=0
python3 - "$work/plan1.json" <<'PY' || rc=$?
import json, sys
svc = [r for r in json.load(open(sys.argv[1]))["resource_changes"] if r["address"] == "module.jitsi.aws_ecs_service.this"][0]
c = svc["change"]
if c["before"]["desired_count"] != 1:
    sys.exit(f"  FAIL refresh does not see the desired count set outside Terraform ({c['before']['desired_count']})")
if "create" not in c["actions"]:
    if c["after"]["desired_count"] != 1:
        sys.exit(f"  FAIL plan resets desired_count to {c['after']['desired_count']}")
    print("  ok: plan keeps desired_count = 1")
    sys.exit(0)
# moto 5.2 returns no capacityProviderStrategy, so the provider plans a replacement; accept only that.
if c.get("replace_paths") != [["capacity_provider_strategy"]]:
    sys.exit(f"  FAIL unexpected replacement of the service: {c.get('replace_paths')}")
sys.exit(3)
PY
if [ $rc -eq 3 ]; then
  # Give the state what real AWS returns (the strategy moto drops) and plan without refresh.
  tf -chdir="$work/tf" state pull >"$work/state.json"
  python3 - "$work/state.json" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
st["serial"] += 1
for r in st["resources"]:
    if r.get("module") == "module.jitsi" and r["type"] == "aws_ecs_service":
        a = r["instances"][0]["attributes"]
        a["capacity_provider_strategy"] = [{"base": 0, "capacity_provider": "FARGATE", "weight": 1}]
        a["launch_type"] = ""
        a["desired_count"] = 1
json.dump(st, open(sys.argv[1], "w"))
PY
  tf -chdir="$work/tf" state push "$work/state.json" >/dev/null || die "terraform state push failed"
  plan_json -refresh=false >"$work/plan2.json"
  python3 - "$work/plan2.json" <<'PY' || die "terraform would reset the desired count"
import json, sys
svc = [r for r in json.load(open(sys.argv[1]))["resource_changes"] if r["address"] == "module.jitsi.aws_ecs_service.this"][0]
c = svc["change"]
if "create" in c["actions"] or c["after"]["desired_count"] != 1:
    sys.exit(f"  FAIL plan {c['actions']} sets desired_count to {c['after']['desired_count']}")
print(f"  ok: plan keeps desired_count = 1 (moto's missing capacityProviderStrategy patched into state; actions {c['actions']})")
PY
elif [ $rc -ne 0 ]; then
  die "terraform would reset the desired count"
fi

# The token app id and signing key are generated once (terraform_data, ignore_changes): a later apply
# must keep both, or tokens minted by a warm start-meeting (it reads the key once per cold start)
# would stop matching prosody's. Only a digest of the key is kept, never the key.
auth_fingerprint() {
  python3 - "$endpoint" <<'PY'
import hashlib, sys, boto3
kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1")
env = boto3.client("lambda", **kw).get_function_configuration(FunctionName="jitsi-on-demand-start-meeting")["Environment"]["Variables"]
key = boto3.client("ssm", **kw).get_parameter(Name=env["JWT_SECRET_PARAMETER"], WithDecryption=True)["Parameter"]["Value"]
print(env["JWT_APP_ID"], hashlib.sha256(key.encode()).hexdigest())
PY
}
auth_fingerprint >"$work/auth-before" || die "could not read the token app id and key"

echo "==> custom domain: a hosted zone in moto, apply again with hosted_zone_id and meeting_hostname"
hostname="meet.example.test"
zone_id="$(python3 - "$endpoint" <<'PY'
import sys, boto3
r53 = boto3.client("route53", endpoint_url=sys.argv[1], region_name="us-east-1")
# Route 53 zone IDs start with Z (var.hosted_zone_id checks that); moto draws 22 random letters and
# digits, so draw until one does.
for attempt in range(1000):
    zone = r53.create_hosted_zone(Name="example.test", CallerReference=f"terraform-moto-{attempt}")["HostedZone"]
    zone_id = zone["Id"].split("/")[-1]
    if zone_id.startswith("Z"):
        print(zone_id)
        sys.exit(0)
    r53.delete_hosted_zone(Id=zone_id)
sys.exit("moto gave no zone ID starting with Z")
PY
)" || die "could not create a hosted zone in moto"
vars+=(-var "hosted_zone_id=$zone_id" -var "meeting_hostname=$hostname")
t0=$(date +%s)
tf -chdir="$work/tf" apply -auto-approve -input=false -no-color "${vars[@]}" >"$work/apply-domain.log" 2>&1 ||
  { tail -60 "$work/apply-domain.log"; die "terraform apply with a custom domain against moto failed"; }
grep -E '^Apply complete' "$work/apply-domain.log"
echo "    apply took $(( $(date +%s) - t0 )) s"
tf -chdir="$work/tf" output -json >"$work/outputs-domain.json"
auth_fingerprint >"$work/auth-after" || die "could not read the token app id and key"
cmp -s "$work/auth-before" "$work/auth-after" ||
  die "the apply changed the token app id or signing key ($(cut -d' ' -f1 "$work/auth-before") -> $(cut -d' ' -f1 "$work/auth-after"))"
echo "  ok: the apply kept the token app id $(cut -d' ' -f1 "$work/auth-after") and its signing key"
python3 "$TF_DIR/tests/moto_assert.py" deployed "$endpoint" jitsi-on-demand "$work/outputs-domain.json" "$zone_id" "$hostname" ||
  die "custom-domain stack does not match"
tf -chdir="$work/tf" show -json >"$work/show-domain.json" || die "terraform show -json failed"
python3 "$TF_DIR/tests/iam_policy_check.py" "$work/show-domain.json" || die "a function's IAM policy grants too much or too little (custom domain)"

echo "==> the meeting record's value belongs to the Lambdas: UPSERT it as a start does, plan must keep it"
python3 - "$endpoint" "$zone_id" "$hostname" <<'PY'
import sys, boto3
r53 = boto3.client("route53", endpoint_url=sys.argv[1], region_name="us-east-1")
r53.change_resource_record_sets(HostedZoneId=sys.argv[2], ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
    "Name": sys.argv[3], "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "203.0.113.10"}]}}]})
PY
plan_json >"$work/plan-domain.json"
python3 - "$work/plan-domain.json" <<'PY' || die "terraform would reset the meeting record the Lambdas pointed at the meeting"
import json, sys
rec = [r for r in json.load(open(sys.argv[1]))["resource_changes"] if r["address"] == "aws_route53_record.meeting[0]"]
if not rec:
    sys.exit("  FAIL aws_route53_record.meeting[0] is not in the plan")
c = rec[0]["change"]
if c["before"]["records"] != ["203.0.113.10"]:
    sys.exit(f"  FAIL refresh does not see the value the Lambdas wrote (before: {c['before']['records']})")
if c["actions"] != ["no-op"]:
    sys.exit(f"  FAIL plan {c['actions']} on the meeting record (after: {c['after'] and c['after'].get('records')})")
print("  ok: plan keeps the meeting record at the Lambdas' value (ignore_changes = [records])")
PY

echo "==> terraform destroy"
t0=$(date +%s)
tf -chdir="$work/tf" destroy -auto-approve -input=false -no-color "${vars[@]}" >"$work/destroy.log" 2>&1 ||
  { tail -60 "$work/destroy.log"; die "terraform destroy against moto failed"; }
grep -E '^Destroy complete' "$work/destroy.log"
echo "    destroy took $(( $(date +%s) - t0 )) s"

echo "==> checking that nothing is left"
python3 "$TF_DIR/tests/moto_assert.py" destroyed "$endpoint" jitsi-on-demand "" "$zone_id" "$hostname" || die "resources left after destroy"

result="PASS"
