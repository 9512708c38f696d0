#!/usr/bin/env python3
"""Least privilege of the three Lambdas' IAM roles, read from `terraform show -json` of the stack.

usage: iam_policy_check.py SHOW_JSON
Used by scripts/terraform-moto.sh on the stack it applied against moto. Every Allow statement is
split into (action, resource) grants and compared with what the function's code calls (EXPECTED
below, written by hand from shared/src/cloud/) plus what AWS checks on top of a call. It fails on a
wildcard action; Resource "*" for an action not on STAR_ONLY or without the condition STAR_ONLY asks; a grant the code does not need (extra action, or not this stack's ARN); a
grant the code needs but lacks (the call would be denied at runtime); a condition other than the one
the grant needs; NotAction/NotResource/Deny; managed policies; a trust policy other than Lambda's.
"""
import json
import sys
from collections import defaultdict
from typing import NamedTuple

FUNCTIONS = ["start-meeting", "task-state", "stop-meeting"]
STACK_TAG_KEY = "jitsi-on-demand:stack"  # shared/src/config.rs


class Grant(NamedTuple):
    action: str
    resource: str  # "*" or a template filled from the state: {service}, {cluster}, ...
    why: str  # the call in shared/src/cloud.rs, or what makes AWS ask for it
    condition: dict = {}  # the statement's exact Condition, templated like resource


# The allow-list for Resource "*": actions that AWS authorizes only against "*", each with the reason
# and, where AWS offers a condition key to scope it, the condition the statement must carry. No
# wildcard action is allowed at all: every call the code makes has its own name.
class StarOnly(NamedTuple):
    why: str
    condition: dict = {}  # templated like Grant.condition


ELB_API_PERMISSIONS = ("checked on the caller of CreateLoadBalancer: ELB user guide, elb-api-permissions "
                       "(2015-12-01 API); EC2 Describe* have no resource-level permissions")
STAR_ONLY = {
    "elasticloadbalancing:DescribeLoadBalancers": StarOnly("ELB Describe* have no resource-level permissions"),
    "elasticloadbalancing:DescribeListeners": StarOnly("ELB Describe* have no resource-level permissions"),
    "elasticloadbalancing:DescribeTags": StarOnly("ELB Describe* have no resource-level permissions"),
    "elasticloadbalancing:DescribeTargetHealth": StarOnly("ELB Describe* have no resource-level permissions"),
    "ec2:DescribeAddresses": StarOnly("EC2 Describe* have no resource-level permissions; also " + ELB_API_PERMISSIONS),
    "ec2:DescribeAccountAttributes": StarOnly(ELB_API_PERMISSIONS),
    "ec2:DescribeInternetGateways": StarOnly(ELB_API_PERMISSIONS + "; also for RegisterTargets"),
    "ec2:DescribeSecurityGroups": StarOnly(ELB_API_PERMISSIONS),
    "ec2:DescribeSubnets": StarOnly(ELB_API_PERMISSIONS + "; also for RegisterTargets"),
    "ec2:DescribeVpcs": StarOnly(ELB_API_PERMISSIONS + "; also for RegisterTargets"),
    "ec2:DescribeInstances": StarOnly("checked on the caller of RegisterTargets: ELB user guide, elb-api-permissions; "
                                      "EC2 Describe* have no resource-level permissions"),
    "ecs:ListTasks": StarOnly("ListTasks without containerInstance is authorized against \"*\" (ECS guide, "
                              "security_iam_id-based-policy-examples: Resource \"*\" with ArnEquals ecs:cluster); "
                              "only with the condition that pins it to this cluster",
                              {"ArnEquals": {"ecs:cluster": "{cluster}"}}),
    "cloudwatch:GetMetricData": StarOnly("metrics are not IAM resources; GetMetricData has no resource type"),
}

ON_THIS_CLUSTER = {"ArnEquals": {"ecs:cluster": "{cluster}"}}
REQUEST_TAGGED = {"StringEquals": {f"aws:RequestTag/{STACK_TAG_KEY}": "{stack_tag}"}}

# The Lambda service writes the function's logs with its role; no CreateLogGroup (Terraform owns it).
OWN_LOGS = [
    Grant("logs:CreateLogStream", "{own_log_streams}", "Lambda runtime logging"),
    Grant("logs:PutLogEvents", "{own_log_streams}", "Lambda runtime logging"),
]

# Aws::observe: every reconcile round and every status read starts here.
OBSERVE = [
    Grant("ecs:DescribeServices", "{service}", "desired_count"),
    Grant("ecs:ListTasks", "*", "tasks (no containerInstance in the request: authorized against \"*\")", ON_THIS_CLUSTER),
    Grant("ecs:DescribeTasks", "{tasks}", "tasks", ON_THIS_CLUSTER),
    Grant("elasticloadbalancing:DescribeLoadBalancers", "*", "load_balancers"),
    Grant("elasticloadbalancing:DescribeListeners", "*", "listeners"),
    Grant("elasticloadbalancing:DescribeTags", "*", "load_balancer_tags"),
    Grant("elasticloadbalancing:DescribeTargetHealth", "*", "targets"),
    Grant("ec2:DescribeAddresses", "*", "addresses"),
    Grant("ssm:GetParameter", "{advertise_ips_parameter}", "advertised"),
]

# Aws::apply, one entry per Step (plus what AWS checks on top of the call).
APPLY = [
    Grant("ec2:AllocateAddress", "{elastic_ips}", "Step::AllocateAddress, tagged with the stack", REQUEST_TAGGED),
    Grant("ec2:CreateTags", "{elastic_ips}", "the tag_specifications of AllocateAddress",
          {"StringEquals": {f"aws:RequestTag/{STACK_TAG_KEY}": "{stack_tag}", "ec2:CreateAction": "AllocateAddress"}}),
    Grant("ec2:ReleaseAddress", "{elastic_ips}", "Step::ReleaseAddress, only the stack's addresses",
          {"StringEquals": {f"aws:ResourceTag/{STACK_TAG_KEY}": "{stack_tag}"}}),
    Grant("elasticloadbalancing:CreateLoadBalancer", "{meeting_load_balancers}", "Step::CreateLoadBalancer, tagged", REQUEST_TAGGED),
    Grant("elasticloadbalancing:AddTags", "{meeting_load_balancers}", "the tags of CreateLoadBalancer",
          {"StringEquals": {f"aws:RequestTag/{STACK_TAG_KEY}": "{stack_tag}",
                            "elasticloadbalancing:CreateAction": "CreateLoadBalancer"}}),
    Grant("iam:CreateServiceLinkedRole", "{elb_service_linked_role}",
          "CreateLoadBalancer creates the ELB service-linked role in a fresh account",
          {"StringEquals": {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}}),
    *[Grant(action, "*", "what ELB checks on the caller of CreateLoadBalancer (elb-api-permissions)") for action in [
        "ec2:DescribeAccountAttributes", "ec2:DescribeInternetGateways", "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets", "ec2:DescribeVpcs"]],  # ec2:DescribeAddresses, also on that list: OBSERVE
    Grant("ec2:DescribeInstances", "*", "what ELB checks on the caller of RegisterTargets (elb-api-permissions)"),
    Grant("elasticloadbalancing:DeleteLoadBalancer", "{meeting_load_balancers}", "Step::DeleteLoadBalancer"),
    Grant("elasticloadbalancing:CreateListener", "{meeting_load_balancers}", "Step::CreateListener"),
    Grant("elasticloadbalancing:DeleteListener", "{meeting_listeners}", "Step::DeleteListener"),
    Grant("elasticloadbalancing:RegisterTargets", "{jvb_target_group}", "Step::RegisterTargets"),
    Grant("elasticloadbalancing:RegisterTargets", "{web_target_group}", "Step::RegisterTargets"),
    Grant("elasticloadbalancing:DeregisterTargets", "{jvb_target_group}", "Step::DeregisterTargets"),
    Grant("elasticloadbalancing:DeregisterTargets", "{web_target_group}", "Step::DeregisterTargets"),
    Grant("ssm:PutParameter", "{advertise_ips_parameter}", "Step::WriteAdvertisedIps"),
    Grant("ecs:UpdateService", "{service}", "Step::SetDesiredCount"),
    Grant("ecs:StopTask", "{tasks}", "Step::StopTask", ON_THIS_CLUSTER),
]

# Only when the function has HOSTED_ZONE_ID and MEETING_HOSTNAME (Config::dns).
MEETING_DNS = [
    Grant("route53:ListResourceRecordSets", "{hosted_zone}", "dns_record"),
    # Terraform creates the record (at DNS_IDLE_ADDRESS); the functions only UPSERT it: to the
    # meeting's Elastic IP at start, back to DNS_IDLE_ADDRESS at stop. They never DELETE it.
    Grant("route53:ChangeResourceRecordSets", "{hosted_zone}", "Step::UpsertDnsRecord: one A record, UPSERT only",
          {"ForAllValues:StringEquals": {
              "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["{meeting_hostname}"],
              "route53:ChangeResourceRecordSetsRecordTypes": ["A"],
              "route53:ChangeResourceRecordSetsActions": ["UPSERT"]}}),
]

# Only when the function has ACME_DIRECTORY_URL (Config::acme, shared/src/cloud/certificates.rs).
# GetParametersByPath is authorized against the path itself; records are written and deleted one by
# one; the account is read and created once; the extra roots only when configured.
LETS_ENCRYPT = [
    Grant("ssm:GetParametersByPath", "{certificates_path}", "certificate_records (observe and settle)"),
    Grant("ssm:PutParameter", "{certificate_records}", "claim/put_certificate_record"),
    Grant("ssm:DeleteParameter", "{certificate_records}", "delete_certificate_record (forgettable)"),
    Grant("ssm:GetParameter", "{acme_account}", "acme_account"),
    Grant("ssm:PutParameter", "{acme_account}", "store_acme_account, once"),
    Grant("elasticloadbalancing:RegisterTargets", "{http_target_group}", "Step::RegisterTargets (port 80 group)"),
    Grant("elasticloadbalancing:DeregisterTargets", "{http_target_group}", "Step::DeregisterTargets (port 80 group)"),
]
EXTRA_ROOTS = [Grant("ssm:GetParameter", "{acme_extra_roots}", "certificate::roots (ACME_EXTRA_ROOTS_PARAMETER)")]

# Only with scheduled windows (MANUAL_STOP_PARAMETER, shared/src/cloud/manual_stop.rs): every run
# may read the last manual stop (a tick inside a window, any run's full re-read after a failed
# change); only stop-meeting's POST /stop writes it.
MANUAL_STOP_READ = [Grant("ssm:GetParameter", "{manual_stop}", "manual_stop_at")]
MANUAL_STOP_WRITE = [Grant("ssm:PutParameter", "{manual_stop}", "record_manual_stop (POST /stop)")]
# Only with a webhook (WEBHOOK_URL_PARAMETER, shared/src/cloud/notifications.rs), for the functions
# that send (task events, ticks) and record an end (stop-meeting).
NOTIFICATIONS = [
    Grant("ssm:GetParametersByPath", "{notifications_path}", "notification_records"),
    Grant("ssm:PutParameter", "{notification_records}", "claim_notification / put_notification"),
    Grant("ssm:DeleteParameter", "{notification_records}", "delete_notification (forgettable)"),
    Grant("ssm:GetParameter", "{webhook_url}", "webhook_url, to send"),
]

START_SECRET = [Grant("ssm:GetParameter", "{start_secret_parameter}", "App::gate at cold start")]
# The moderator tokens' signing key (JWT_SECRET_PARAMETER); SecureString with the AWS managed key, so
# no kms:Decrypt. All three have the parameter's name in their environment; only start-meeting reads it.
JWT_SECRET = [Grant("ssm:GetParameter", "{jwt_secret_parameter}", "App::token_issuer at cold start (start-meeting only)")]
FLOW_METRICS = [Grant("cloudwatch:GetMetricData", "*", "activity: observe with_activity, Intent::Tick only")]

# All three run reconcile(), and each can reach every Step (shared/src/plan.rs): a start brings up,
# which also deletes duplicate NLBs and releases spare addresses; a task event or a tick brings up or
# winds down by the desired count; a manual stop winds down. So OBSERVE + APPLY for all three.
EXPECTED = {
    "start-meeting": OWN_LOGS + OBSERVE + APPLY + START_SECRET + JWT_SECRET,
    "task-state": OWN_LOGS + OBSERVE + APPLY,  # EventBridge events only: no secret, no tick
    "stop-meeting": OWN_LOGS + OBSERVE + APPLY + START_SECRET + FLOW_METRICS,
}


def resources(module):
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from resources(child)


def fill(template, values):
    """A Grant's resource or condition with the stack's values in place of {placeholders}."""
    if isinstance(template, str):
        return template.format(**values)
    if isinstance(template, list):
        return [fill(t, values) for t in template]
    return {k: fill(v, values) for k, v in template.items()}


def normalized(condition):
    """IAM reads a single value and a one-element list alike, and lists as sets."""
    return {op: {key: sorted([v] if isinstance(v, str) else v) for key, v in keys.items()}
            for op, keys in (condition or {}).items()}


def as_list(value):
    """IAM allows a single string (action, resource) or statement object in place of a list."""
    return [value] if isinstance(value, (str, dict)) else list(value or [])


def stack_values(by_address, function):
    """The ARNs and names of this stack that the function's grants are written against."""
    def value(address, attribute):
        if address not in by_address:
            sys.exit(f"FAIL: {address} is not in the state; was the stack applied?")
        return by_address[address][attribute]

    partition = value("data.aws_partition.current", "partition")
    region = value("data.aws_region.current", "name")
    account = value("data.aws_caller_identity.current", "account_id")
    env = value(f'module.lambda["{function}"].aws_lambda_function.this', "environment")[0]["variables"]
    cluster = value("module.jitsi.aws_ecs_cluster.this", "arn")
    # The parameter whose name the function gets as JWT_SECRET_PARAMETER: grants are checked against it.
    jwt_secret = value('module.jitsi.aws_ssm_parameter.secret["JWT_APP_SECRET"]', "arn")
    if not jwt_secret.endswith(":parameter" + env.get("JWT_SECRET_PARAMETER", "(unset)")):
        sys.exit(f"FAIL: {function}'s JWT_SECRET_PARAMETER {env.get('JWT_SECRET_PARAMETER')!r} is not the JWT_APP_SECRET "
                 f"parameter {jwt_secret}")
    elb = f"arn:{partition}:elasticloadbalancing:{region}:{account}"
    return {
        "cluster": cluster,
        "service": value("module.jitsi.aws_ecs_service.this", "id"),
        "tasks": cluster.replace(":cluster/", ":task/") + "/*",
        "jvb_target_group": value("aws_lb_target_group.jvb", "arn"),
        "web_target_group": value("aws_lb_target_group.web", "arn"),
        "meeting_load_balancers": f"{elb}:loadbalancer/net/{env['LOAD_BALANCER_NAME']}/*",
        "meeting_listeners": f"{elb}:listener/net/{env['LOAD_BALANCER_NAME']}/*",
        "elastic_ips": f"arn:{partition}:ec2:{region}:{account}:elastic-ip/*",
        "elb_service_linked_role": f"arn:{partition}:iam::{account}:role/aws-service-role/"
                                   "elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing",
        "advertise_ips_parameter": value("module.jitsi.aws_ssm_parameter.advertise_ips", "arn"),
        "start_secret_parameter": value("aws_ssm_parameter.start_secret_hash", "arn"),
        "jwt_secret_parameter": jwt_secret,
        "own_log_streams": value(f'module.lambda["{function}"].aws_cloudwatch_log_group.this', "arn") + ":*",
        "stack_tag": env["STACK_TAG"],
        "hosted_zone": f"arn:{partition}:route53:::hostedzone/{env['HOSTED_ZONE_ID']}",
        "meeting_hostname": env["MEETING_HOSTNAME"],
        "certificates_path": f"arn:{partition}:ssm:{region}:{account}:parameter{env['CERTIFICATES_PARAMETER_PATH']}",
        "certificate_records": f"arn:{partition}:ssm:{region}:{account}:parameter{env['CERTIFICATES_PARAMETER_PATH']}/*",
        "acme_account": f"arn:{partition}:ssm:{region}:{account}:parameter{env['ACME_ACCOUNT_PARAMETER']}",
        "acme_extra_roots": f"arn:{partition}:ssm:{region}:{account}:parameter{env['ACME_EXTRA_ROOTS_PARAMETER']}",
        "http_target_group": env["WEB_HTTP_TARGET_GROUP_ARN"],
        "manual_stop": f"arn:{partition}:ssm:{region}:{account}:parameter{env['MANUAL_STOP_PARAMETER']}",
        "notifications_path": f"arn:{partition}:ssm:{region}:{account}:parameter{env['NOTIFICATIONS_PARAMETER_PATH']}",
        "notification_records": f"arn:{partition}:ssm:{region}:{account}:parameter{env['NOTIFICATIONS_PARAMETER_PATH']}/*",
        "webhook_url": f"arn:{partition}:ssm:{region}:{account}:parameter{env['WEBHOOK_URL_PARAMETER']}",
    }, bool(env["HOSTED_ZONE_ID"] and env["MEETING_HOSTNAME"]), env


def check_function(function, by_address, all_resources):
    """The problems of one function's role as (where, statement or None, problem), with counts for the summary."""
    role = by_address[f'module.lambda["{function}"].aws_iam_role.this']
    values, has_dns, env = stack_values(by_address, function)
    expected = {}
    acme = (LETS_ENCRYPT if env["ACME_DIRECTORY_URL"] else []) + (EXTRA_ROOTS if env["ACME_EXTRA_ROOTS_PARAMETER"] else [])
    windows = (MANUAL_STOP_READ + (MANUAL_STOP_WRITE if function == "stop-meeting" else [])
               if env["MANUAL_STOP_PARAMETER"] else [])
    notifications = NOTIFICATIONS if env["WEBHOOK_URL_PARAMETER"] and function != "start-meeting" else []
    for grant in EXPECTED[function] + (MEETING_DNS if has_dns else []) + acme + windows + notifications:
        expected[(grant.action, fill(grant.resource, values))] = grant
    expected_actions = {action for action, _ in expected}
    problems = []

    trust = json.loads(role["assume_role_policy"])["Statement"]
    if [(s.get("Effect"), s.get("Action"), s.get("Principal")) for s in trust] != \
            [("Allow", "sts:AssumeRole", {"Service": "lambda.amazonaws.com"})]:
        problems.append(("trust policy", trust, "only lambda.amazonaws.com may assume the role"))
    attached = [r["values"]["policy_arn"] for r in all_resources
                if r["type"] == "aws_iam_role_policy_attachment" and r["values"]["role"] == role["name"]]
    if attached or role.get("managed_policy_arns"):
        problems.append(("managed policies", None, f"no managed policy expected, got {attached or role['managed_policy_arns']}"))

    policies = {r["values"]["name"]: json.loads(r["values"]["policy"]) for r in all_resources
                if r["type"] == "aws_iam_role_policy" and r["values"]["role"] == role["name"]}
    seen = set()
    for policy_name, document in sorted(policies.items()):
        for statement in as_list(document["Statement"]):
            where = f"policy {policy_name}, Sid {statement.get('Sid', '(none)')}"
            shape = set(statement) - {"Sid", "Effect", "Action", "Resource", "Condition"}
            if statement.get("Effect") != "Allow" or shape:
                problems.append((where, statement, "only Allow with Action/Resource/Condition is expected "
                                                   f"(got Effect {statement.get('Effect')}, {sorted(shape) or 'no other keys'})"))
                continue
            condition = normalized(statement.get("Condition"))
            for action in as_list(statement["Action"]):
                if "*" in action or "?" in action:
                    on = ", ".join(as_list(statement["Resource"]))
                    problems.append((where, statement, f"wildcard action {action} on {on}: name each call"))
                    continue
                for resource in as_list(statement["Resource"]):
                    seen.add((action, resource))
                    grant = expected.get((action, resource))
                    if resource == "*" and action not in STAR_ONLY:
                        problems.append((where, statement, f'{action} on Resource "*": not on the STAR_ONLY '
                                                           "allow-list (AWS supports resource-level permissions for it)"))
                    elif resource == "*" and condition != normalized(fill(STAR_ONLY[action].condition, values)):
                        want = json.dumps(fill(STAR_ONLY[action].condition, values)) if STAR_ONLY[action].condition else "none"
                        problems.append((where, statement, f'{action} on Resource "*" needs exactly the condition {want} '
                                                           f"({STAR_ONLY[action].why})"))
                    elif grant is None and action not in expected_actions:
                        problems.append((where, statement, f"{action}: {function}'s code never calls it"))
                    elif grant is None:
                        wanted = sorted(r for a, r in expected if a == action)
                        problems.append((where, statement, f"{action} on {resource}: not the stack's ARN the call "
                                                           f"needs (expected {', '.join(wanted)})"))
                    elif condition != normalized(fill(grant.condition, values)):
                        want = json.dumps(fill(grant.condition, values)) if grant.condition else "none"
                        problems.append((where, statement, f"{action}: the condition must be exactly {want}"))

    for (action, resource), grant in expected.items():
        if (action, resource) not in seen:
            problems.append(("missing", None, f"{action} on {resource} ({grant.why}): would be denied at runtime"))
    return problems, len(expected), sum(len(as_list(d["Statement"])) for d in policies.values()), sorted(policies)


def main():
    state = json.load(open(sys.argv[1]))
    all_resources = list(resources(state["values"]["root_module"]))
    by_address = {r["address"]: r["values"] for r in all_resources}
    failed = False
    for function in FUNCTIONS:
        problems, grant_count, statement_count, policy_names = check_function(function, by_address, all_resources)
        if not problems:
            print(f"  ok {function}: {statement_count} statements in {', '.join(policy_names)} grant exactly "
                  f"the {grant_count} (action, resource) pairs its code needs")
            continue
        failed = True
        by_statement = defaultdict(list)
        for where, statement, problem in problems:
            by_statement[(where, json.dumps(statement))].append(problem)
        for (where, statement), found in by_statement.items():
            print(f"  FAIL {function} {where}:")
            for problem in found:
                print(f"       - {problem}")
            if statement != "null":
                print(f"       statement: {statement}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
