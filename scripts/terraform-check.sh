#!/usr/bin/env bash
# Offline Terraform checks: fmt, init (local provider mirror), validate, idle-cost guard, terraform test
# with a mocked AWS provider. Exit status is non-zero on any failure.
set -euo pipefail
source "$(dirname "$0")/terraform-common.sh"
require_terraform

start=$(date +%s)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Keep .terraform out of the repository tree.
export TF_DATA_DIR="$work/tf-data"

step() { echo "==> $*"; }

step "terraform fmt -check -recursive"
tf fmt -check -recursive -diff "$TF_DIR" || die "terraform fmt found unformatted files (run: terraform fmt -recursive terraform)"

step "terraform init (offline, $TF_PLUGIN_DIR)"
tf -chdir="$TF_DIR" init -backend=false -plugin-dir="$TF_PLUGIN_DIR" -input=false -no-color >"$work/init.log" 2>&1 ||
  { cat "$work/init.log"; die "terraform init failed"; }

step "terraform validate"
tf -chdir="$TF_DIR" validate -no-color

step "idle-cost guard: resource types and desired count"
tf -chdir="$TF_DIR" graph >"$work/graph.dot" 2>/dev/null || die "terraform graph failed"
python3 - "$work/graph.dot" "$TF_DIR" <<'PY'
import re, sys, pathlib
graph, tf_dir = sys.argv[1], pathlib.Path(sys.argv[2])
types = sorted(set(re.findall(r'"(?:module\.[^".]+\.)*(?:data\.)?(aws_[a-z0-9_]+)\.', open(graph).read())))
# Everything here is free while no meeting runs. A new type must be added deliberately, after
# checking that it does not bill while idle (NAT gateways, VPC endpoints, load balancers, Elastic IPs
# and KMS keys do).
free = {
    "aws_acm_certificate", "aws_acm_certificate_validation", "aws_availability_zones", "aws_caller_identity",
    "aws_cloudwatch_event_rule", "aws_cloudwatch_event_target", "aws_cloudwatch_log_group",
    "aws_default_security_group", "aws_ecs_cluster", "aws_ecs_cluster_capacity_providers", "aws_ecs_service",
    "aws_ecs_task_definition", "aws_iam_role", "aws_iam_role_policy", "aws_internet_gateway",
    "aws_lambda_function", "aws_lambda_function_url", "aws_lambda_permission", "aws_lb_target_group",
    "aws_partition", "aws_region", "aws_route", "aws_route53_record", "aws_route_table",
    "aws_route_table_association", "aws_scheduler_schedule", "aws_scheduler_schedule_group",
    "aws_security_group", "aws_service_discovery_http_namespace",
    "aws_ssm_parameter", "aws_subnet", "aws_vpc", "aws_vpc_security_group_egress_rule",
    "aws_vpc_security_group_ingress_rule",
}
bad = [t for t in types if t not in free]
if bad:
    sys.exit(f"FAIL: resource types not on the idle-free list: {', '.join(bad)}")
if len(types) < 20:
    sys.exit(f"FAIL: the graph lists only {len(types)} resource types; parsing is broken")
print(f"ok: {len(types)} resource types, all idle-free (no load balancer, listener, NAT gateway, VPC endpoint, EIP, KMS key)")

# The service must be created at 0 tasks and leave the count to the Lambdas.
src = (tf_dir / "modules/jitsi-service/main.tf").read_text()
m = re.search(r'resource "aws_ecs_service" "this" \{', src)
depth, i = 0, m.end() - 1
while True:
    depth += {"{": 1, "}": -1}.get(src[i], 0)
    i += 1
    if depth == 0:
        break
block = re.sub(r"#[^\n]*", "", src[m.start():i])
if not re.search(r"^\s*desired_count\s*=\s*0\s*$", block, re.M):
    sys.exit("FAIL: aws_ecs_service must set desired_count = 0")
if not re.search(r"ignore_changes\s*=\s*\[\s*desired_count\s*\]", block):
    sys.exit("FAIL: aws_ecs_service must ignore_changes = [desired_count]")
if re.search(r"^\s*load_balancer\s*\{", block, re.M):
    sys.exit("FAIL: aws_ecs_service must not have a load_balancer block")
print("ok: aws_ecs_service desired_count = 0, ignore_changes = [desired_count], no load_balancer block")
PY

step "terraform test (mocked AWS provider, offline)"
tf -chdir="$TF_DIR" test -no-color

echo "PASS terraform-check ($(( $(date +%s) - start )) s)"
