#!/usr/bin/env python3
"""Checks a moto-applied (or destroyed) stack through the AWS API.

usage: moto_assert.py deployed|destroyed ENDPOINT NAME [OUTPUTS_JSON] [HOSTED_ZONE_ID MEETING_HOSTNAME]
Used by scripts/terraform-moto.sh; talks to the loopback moto endpoint only. With a hosted zone and
host name the stack is checked in custom-domain mode, otherwise in trial mode.
"""
import ipaddress
import json
import sys

import boto3

phase, endpoint, name = sys.argv[1:4]
outputs = json.load(open(sys.argv[4])) if len(sys.argv) > 4 and sys.argv[4] else {}
zone_id, hostname = (sys.argv[5], sys.argv[6]) if len(sys.argv) > 6 else ("", "")
custom_domain = bool(zone_id and hostname)
assert endpoint.startswith("http://127.0.0.1:"), "refusing a non-loopback endpoint"

FUNCTIONS = ["start-meeting", "task-state", "stop-meeting"]
ENV_CONTRACT = {
    "CLUSTER_NAME", "SERVICE_NAME", "SUBNET_ID", "JVB_TARGET_GROUP_ARN", "WEB_TARGET_GROUP_ARN",
    "LOAD_BALANCER_NAME", "ADVERTISE_IPS_PARAMETER", "START_SECRET_HASH_PARAMETER", "JWT_APP_ID",
    "JWT_SECRET_PARAMETER", "STACK_TAG", "CERTIFICATE_ARN", "HOSTED_ZONE_ID", "MEETING_HOSTNAME",
    "DNS_IDLE_ADDRESS", "GRACE_MINUTES", "NO_SHOW_MINUTES", "IDLE_MINUTES", "MAX_MEETING_MINUTES", "RUST_LOG",
    "ACME_DIRECTORY_URL", "CERTIFICATES_PARAMETER_PATH", "ACME_ACCOUNT_PARAMETER", "ACME_EXTRA_ROOTS_PARAMETER",
    "WEB_HTTP_TARGET_GROUP_ARN", "SCHEDULED_MEETINGS", "SCHEDULE_LEAD_MINUTES", "MANUAL_STOP_PARAMETER",
    "WEBHOOK_URL_PARAMETER", "WEBHOOK_FORMAT", "NOTIFICATIONS_PARAMETER_PATH", "TASK_CPU", "TASK_MEMORY",
    "TASK_ARCHITECTURE", "FARGATE_SPOT",
}
assert len(ENV_CONTRACT) == 35
# Without a domain the stack gets a Let's Encrypt certificate per meeting (variable lets_encrypt,
# on by default): a TCP 80 group, port 80 open to the NLB nodes, task-state's longer timeout.
LETS_ENCRYPT_DIRECTORY = "https://acme-v02.api.letsencrypt.org/directory"
# Only what the images read at stable-11031 (modules/jitsi-service/secrets.tf).
SECRETS = ["JICOFO_AUTH_PASSWORD", "JVB_AUTH_PASSWORD", "JWT_APP_SECRET"]
# Which container gets which secret through `secrets` (modules/jitsi-service/containers.tf).
CONTAINER_SECRETS = {
    "prosody": {"JICOFO_AUTH_PASSWORD", "JVB_AUTH_PASSWORD", "JWT_APP_SECRET"},
    "jicofo": {"JICOFO_AUTH_PASSWORD"},
    "jvb": {"JVB_AUTH_PASSWORD", "JVB_ADVERTISE_IPS"},
    "web": set(),
}
JWT_SECRET_PARAMETER = "/{name}/jitsi/JWT_APP_SECRET"
# RFC 5737 documentation ranges: reserved, never routed.
TEST_NETS = [ipaddress.ip_network(n) for n in ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"]]

failures, passes = [], 0


def check(cond, what):
    global passes
    if cond:
        passes += 1
    else:
        failures.append(what)
        print(f"  FAIL {what}")


def client(service):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


ec2, ecs, elbv2, ssm = client("ec2"), client("ecs"), client("elbv2"), client("ssm")
lam, events, logs, iam = client("lambda"), client("events"), client("logs"), client("iam")
route53 = client("route53")


def in_test_net(address):
    try:
        return any(ipaddress.ip_address(address) in n for n in TEST_NETS)
    except ValueError:
        return False


def meeting_records():
    """The A records of the meeting host name in the hosted zone (custom-domain mode)."""
    sets = route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    return [r for r in sets if r["Name"].rstrip(".") == hostname and r["Type"] == "A"]


def stack_vpcs():
    return [v for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")
            and {"Key": "Project", "Value": name} in v.get("Tags", [])]


def parameters():
    names = []
    for page in ssm.get_paginator("describe_parameters").paginate():
        names += [p for p in page["Parameters"] if p["Name"].startswith(f"/{name}/")]
    return {p["Name"]: p for p in names}


def jwt_parameter(decrypt=False):
    """The JWT signing key's parameter (GetParameter's Parameter), None when it does not exist."""
    try:
        return ssm.get_parameter(Name=JWT_SECRET_PARAMETER.format(name=name), WithDecryption=decrypt)["Parameter"]
    except ssm.exceptions.ParameterNotFound:
        return None


def our_functions():
    return [f for f in lam.list_functions()["Functions"] if f["FunctionName"].startswith(f"{name}-")]


def our_roles():
    return [r for r in iam.list_roles()["Roles"] if r["RoleName"].startswith(f"{name}-")]


def our_rules():
    return [r for r in events.list_rules()["Rules"] if r["Name"].startswith(f"{name}-")]


def our_target_groups():
    return [t for t in elbv2.describe_target_groups()["TargetGroups"] if t["TargetGroupName"].startswith(f"{name}-")]


def our_log_groups():
    groups = logs.describe_log_groups()["logGroups"]
    return [g for g in groups if g["logGroupName"] in
            [f"/ecs/{name}"] + [f"/aws/lambda/{name}-{f}" for f in FUNCTIONS]]


def active_clusters():
    arns = ecs.list_clusters()["clusterArns"]
    if not arns:
        return []
    return [c for c in ecs.describe_clusters(clusters=arns)["clusters"] if c["clusterName"] == name and c["status"] == "ACTIVE"]


if phase == "deployed":
    # Network
    vpcs = stack_vpcs()
    check(len(vpcs) == 1, "one VPC of the stack")
    vpc_id = vpcs[0]["VpcId"] if vpcs else "none"
    dns = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")["EnableDnsHostnames"]["Value"] if vpcs else False
    check(dns, "VPC enableDnsHostnames")
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    check(len(subnets) == 2 and len({s["AvailabilityZone"] for s in subnets}) == 2, "two subnets in two AZs")
    check(len(ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"]) == 1, "internet gateway attached")
    check(not ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NatGateways"], "no NAT gateway")
    check(not ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"], "no VPC endpoints")
    check(not ec2.describe_addresses()["Addresses"], "no Elastic IPs")
    check(not elbv2.describe_load_balancers()["LoadBalancers"], "no load balancers")
    sgs = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [f"{name}-task"]}])["SecurityGroups"]
    check(len(sgs) == 1, "task security group")
    if sgs:
        # UDP target groups preserve client IPs: media from anywhere. NLB health checks (JVB 8080, web on
        # its traffic port 443) and web traffic (no client IP preservation) come from the NLB nodes' VPC IPs.
        vpc_cidr = vpcs[0]["CidrBlock"] if vpcs else "none"
        ingress = {(p["IpProtocol"], p.get("FromPort"), p.get("ToPort"), r["CidrIp"])
                   for p in sgs[0]["IpPermissions"] for r in p.get("IpRanges", [])}
        ingress |= {(p["IpProtocol"], p.get("FromPort"), p.get("ToPort"), "(non-IPv4 source)")
                    for p in sgs[0]["IpPermissions"] if p.get("Ipv6Ranges") or p.get("UserIdGroupPairs") or p.get("PrefixListIds")}
        want = {("udp", 10000, 10000, "0.0.0.0/0"), ("tcp", 8080, 8080, vpc_cidr), ("tcp", 443, 443, vpc_cidr)}
        if not custom_domain:
            want.add(("tcp", 80, 80, vpc_cidr))
        check(ingress == want, f"task SG ingress is exactly UDP 10000 from anywhere, TCP 8080 and 443 from the VPC "
                               f"{vpc_cidr} (got {sorted(ingress)})")
        check(any(p["IpProtocol"] == "-1" for p in sgs[0]["IpPermissionsEgress"]), "task SG egress all")

    # ECS
    clusters = active_clusters()
    check(len(clusters) == 1, "ECS cluster")
    services = ecs.describe_services(cluster=name, services=[name])["services"] if clusters else []
    td, prosody_env = {}, {}
    check(len(services) == 1, "ECS service")
    if services:
        svc = services[0]
        check(svc["desiredCount"] == 0, "service desiredCount 0")
        # moto 5.2 stores but does not return these two; terraform test covers them offline.
        if "enableExecuteCommand" in svc:
            check(svc["enableExecuteCommand"] is True, "service ECS Exec enabled")
        if "capacityProviderStrategy" in svc:
            check([s["capacityProvider"] for s in svc["capacityProviderStrategy"]] == ["FARGATE"], "service on FARGATE")
        check(svc.get("propagateTags") == "SERVICE", "service propagates tags")
        net = svc["networkConfiguration"]["awsvpcConfiguration"]
        check(len(net["subnets"]) == 1 and net.get("assignPublicIp") == "ENABLED" and len(net["securityGroups"]) == 1,
              "service in one subnet, public IP, task SG")
        check(not svc.get("loadBalancers"), "service has no load balancer")
        td = ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"]
        containers = {c["name"]: c for c in td["containerDefinitions"]}
        check(set(containers) == {"web", "prosody", "jicofo", "jvb"}, "task definition has the 4 Jitsi containers")
        check(td.get("networkMode") == "awsvpc" and td.get("cpu") == "2048" and td.get("memory") == "4096", "task awsvpc 2048/4096")
        secret_names = {s["name"] for c in containers.values() for s in c.get("secrets", [])}
        env_names = {e["name"] for c in containers.values() for e in c.get("environment", [])}
        # Without a domain, web's certificate script gets the meeting's address (the advertised IPs) too.
        address_secret = set() if custom_domain else {"MEETING_ADDRESSES"}
        check(secret_names == set(SECRETS) | {"JVB_ADVERTISE_IPS"} | address_secret, "secrets come through `secrets`")
        check(not (env_names & secret_names), "no secret in plain environment")
        check({n: {s["name"] for s in c.get("secrets", [])} for n, c in containers.items()}
              == {**CONTAINER_SECRETS, "web": address_secret},
              "each container gets exactly its secrets (JWT_APP_SECRET: prosody only)")
        jwt_arn = (jwt_parameter() or {}).get("ARN", "(no JWT_APP_SECRET parameter)")
        check([s["valueFrom"] for s in containers.get("prosody", {}).get("secrets", []) if s["name"] == "JWT_APP_SECRET"] == [jwt_arn],
              f"prosody's JWT_APP_SECRET comes from {JWT_SECRET_PARAMETER.format(name=name)}")
        prosody_env = {e["name"]: e["value"] for e in containers.get("prosody", {}).get("environment", [])}
        check(prosody_env.get("ENABLE_AUTH") == "1" and prosody_env.get("AUTH_TYPE") == "jwt" and prosody_env.get("JWT_ALLOW_EMPTY") == "0"
              and prosody_env.get("ENABLE_GUESTS") == "1" and prosody_env.get("JWT_APP_ID")
              and prosody_env.get("JWT_APP_ID") == prosody_env.get("JWT_ACCEPTED_ISSUERS") == prosody_env.get("JWT_ACCEPTED_AUDIENCES"),
              "prosody: token authentication with guests, no empty tokens, one app id as id, issuer and audience")
        check(all(c.get("memoryReservation") or c.get("memory") for c in containers.values()), "every container has memory set")
        check(all(c.get("healthCheck") for c in containers.values()), "every container has a health check")

    # Target groups
    tgs = {t["TargetGroupName"]: t for t in our_target_groups()}
    jvb, web = tgs.get(f"{name}-jvb"), tgs.get(f"{name}-web")
    check(jvb is not None and jvb["Protocol"] == "UDP" and jvb["Port"] == 10000 and jvb["TargetType"] == "ip"
          and jvb["HealthCheckProtocol"] == "HTTP" and jvb["HealthCheckPort"] == "8080" and jvb.get("HealthCheckPath") == "/about/health",
          "jvb target group UDP 10000, HTTP 8080 /about/health")
    web_protocol = "TLS" if custom_domain else "TCP"
    check(web is not None and web["Protocol"] == web_protocol and web["Port"] == 443 and web["TargetType"] == "ip"
          and web["HealthCheckProtocol"] == "TCP" and web["HealthCheckPort"] == "traffic-port",
          f"web target group {web_protocol} 443, TCP health check on the traffic port")
    http = tgs.get(f"{name}-http")
    if custom_domain:
        check(http is None, "no port 80 group with a custom domain")
    else:
        check(http is not None and http["Protocol"] == "TCP" and http["Port"] == 80 and http["TargetType"] == "ip"
              and http["HealthCheckProtocol"] == "TCP" and http["HealthCheckPort"] == "traffic-port",
              "http target group TCP 80 (ACME http-01), TCP health check on the traffic port")
    if jvb:
        attrs = {a["Key"]: a["Value"] for a in elbv2.describe_target_group_attributes(TargetGroupArn=jvb["TargetGroupArn"])["Attributes"]}
        check(attrs.get("deregistration_delay.timeout_seconds") == "10", "jvb deregistration delay 10 s")
    if web:
        attrs = {a["Key"]: a["Value"] for a in elbv2.describe_target_group_attributes(TargetGroupArn=web["TargetGroupArn"])["Attributes"]}
        check(attrs.get("preserve_client_ip.enabled") == "false",
              "web target group without client IP preservation (the SG admits web from the VPC only)")

    # SSM
    params = parameters()
    check(params.get(f"/{name}/jvb/advertise-ips", {}).get("Type") == "String", "advertise-IPs parameter (String)")
    for s in SECRETS:
        check(params.get(f"/{name}/jitsi/{s}", {}).get("Type") == "SecureString", f"secret parameter {s} (SecureString)")
    check(params.get(f"/{name}/control/start-secret-sha256", {}).get("Type") == "SecureString", "start secret hash (SecureString)")
    jwt_secret = (jwt_parameter(decrypt=True) or {}).get("Value", "")
    check(len(jwt_secret) == 64 and all(ch in "0123456789abcdef" for ch in jwt_secret),
          "JWT signing key generated at deploy: 64 hex characters")
    check(bool(jwt_secret) and jwt_secret not in json.dumps(outputs), "the JWT signing key is in no Terraform output")
    if services:
        check(bool(jwt_secret) and jwt_secret not in json.dumps(td, default=str),
              "the JWT signing key is nowhere in the task definition (only its parameter ARN)")

    # Lambda
    fns = {f["FunctionName"]: f for f in our_functions()}
    for f in FUNCTIONS:
        fn = fns.get(f"{name}-{f}")
        check(fn is not None, f"function {f}")
        if not fn:
            continue
        env = fn.get("Environment", {}).get("Variables", {})
        check(set(env) == ENV_CONTRACT, f"{f} environment matches the contract (extra/missing: {set(env) ^ ENV_CONTRACT})")
        check(bool(jwt_secret) and jwt_secret not in json.dumps(env), f"{f} environment does not contain the JWT signing key")
        check(env.get("JWT_SECRET_PARAMETER") == JWT_SECRET_PARAMETER.format(name=name)
              and env.get("JWT_APP_ID", "").startswith(f"{name}-") and len(env.get("JWT_APP_ID", "")) == len(name) + 13
              and env.get("JWT_APP_ID") == prosody_env.get("JWT_APP_ID"),
              f"{f} JWT_APP_ID is prosody's app id <name>-<12 hex> (got {env.get('JWT_APP_ID')!r}), "
              f"JWT_SECRET_PARAMETER the key's parameter name (got {env.get('JWT_SECRET_PARAMETER')!r})")
        # task-state orders the meeting's certificate, which may wait minutes for the address.
        timeout = 900 if f == "task-state" and not custom_domain else 30
        check(fn["Runtime"] == "provided.al2023" and fn["Handler"] == "bootstrap" and fn["MemorySize"] == 128 and fn["Timeout"] == timeout,
              f"{f} runtime/handler/memory/timeout ({fn.get('Timeout')} s, want {timeout})")
        if env:
            check(env["CLUSTER_NAME"] == name and env["SERVICE_NAME"] == name and env["STACK_TAG"] == name
                  and env["ADVERTISE_IPS_PARAMETER"] in params and env["START_SECRET_HASH_PARAMETER"] in params
                  and env["JVB_TARGET_GROUP_ARN"] == (jvb or {}).get("TargetGroupArn")
                  and env["WEB_TARGET_GROUP_ARN"] == (web or {}).get("TargetGroupArn")
                  and env["SUBNET_ID"] in [s["SubnetId"] for s in subnets],
                  f"{f} environment values point at the stack's resources")
            if custom_domain:
                check(env["CERTIFICATE_ARN"].startswith("arn:") and env["HOSTED_ZONE_ID"] == zone_id
                      and env["MEETING_HOSTNAME"] == hostname, f"{f} custom-domain environment")
                records = meeting_records()
                idle = env.get("DNS_IDLE_ADDRESS", "")
                check(len(records) == 1 and [r["Value"] for r in records[0]["ResourceRecords"]] == [idle] and in_test_net(idle),
                      f"{f} DNS_IDLE_ADDRESS is an RFC 5737 address and the one the record was created with "
                      f"(got {idle!r}, record {records})")
                check(env["ACME_DIRECTORY_URL"] == env["CERTIFICATES_PARAMETER_PATH"] == env["ACME_ACCOUNT_PARAMETER"]
                      == env["WEB_HTTP_TARGET_GROUP_ARN"] == "", f"{f} custom domain: no ACME settings")
            else:
                check(env["CERTIFICATE_ARN"] == env["HOSTED_ZONE_ID"] == env["MEETING_HOSTNAME"] == env.get("DNS_IDLE_ADDRESS") == "",
                      f"{f} no domain: no ACM certificate, zone, host name or idle address")
                check(env["ACME_DIRECTORY_URL"] == LETS_ENCRYPT_DIRECTORY
                      and env["CERTIFICATES_PARAMETER_PATH"] == f"/{name}/certificates"
                      and env["ACME_ACCOUNT_PARAMETER"] == f"/{name}/acme/account"
                      and env["WEB_HTTP_TARGET_GROUP_ARN"] == (tgs.get(f"{name}-http") or {}).get("TargetGroupArn"),
                      f"{f} no domain: Let's Encrypt for the meeting's address, records under /{name}/certificates")
    for f in ["start-meeting", "stop-meeting"]:
        try:
            url = lam.get_function_url_config(FunctionName=f"{name}-{f}")
            ok = url["AuthType"] == "NONE" and url["FunctionUrl"] == outputs.get(f.split("-")[0] + "_url", {}).get("value")
        except Exception as e:  # noqa: BLE001
            ok = False
            print(f"    {e}")
        check(ok, f"{f} Function URL (auth NONE) matches the output")

    # EventBridge
    rules = {r["Name"]: r for r in our_rules()}
    tick, state = rules.get(f"{name}-reconcile-tick"), rules.get(f"{name}-task-state")
    check(tick is not None and tick.get("ScheduleExpression") == "rate(1 minute)", "reconcile tick rule rate(1 minute)")
    check(state is not None and json.loads(state["EventPattern"])["detail-type"] == ["ECS Task State Change"]
          and json.loads(state["EventPattern"])["detail"]["clusterArn"] == [c["clusterArn"] for c in clusters],
          "task-state rule matches this cluster's task state changes")
    for rule, fn in [(tick, "stop-meeting"), (state, "task-state")]:
        if rule:
            targets = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
            check([t["Arn"] for t in targets] == [fns.get(f"{name}-{fn}", {}).get("FunctionArn")], f"rule {rule['Name']} targets {fn}")

    # Scheduled meetings and the webhook (scripts/terraform-moto.sh applies with both): one
    # Scheduler schedule per window, the lead before it, invoking stop-meeting with only its name.
    env = (fns.get(f"{name}-stop-meeting") or {}).get("Environment", {}).get("Variables", {})
    windows = json.loads(env.get("SCHEDULED_MEETINGS") or "[]")
    scheduler = client("scheduler")
    schedules = {s["Name"]: scheduler.get_schedule(GroupName=name, Name=s["Name"])
                 for s in scheduler.list_schedules(GroupName=name).get("Schedules", [])} if windows else {}
    check(set(schedules) == {w["name"] for w in windows}, f"one schedule per window ({sorted(schedules)})")
    for w in windows:
        sch = schedules.get(w["name"], {})
        target = sch.get("Target", {})
        check(target.get("Arn") == fns.get(f"{name}-stop-meeting", {}).get("FunctionArn")
              and json.loads(target.get("Input", "null")) == {"scheduled_meeting": w["name"]}
              and sch.get("ScheduleExpressionTimezone") == w["time_zone"]
              and sch.get("FlexibleTimeWindow", {}).get("Mode") == "OFF",
              f"schedule {w['name']} invokes stop-meeting with only its name, in {w['time_zone']}")
    if windows:
        check(env.get("MANUAL_STOP_PARAMETER") == f"/{name}/schedule/manual-stop", "the manual stop's parameter is named")
    webhook = env.get("WEBHOOK_URL_PARAMETER", "")
    if webhook:
        url = ssm.get_parameter(Name=webhook, WithDecryption=True)["Parameter"]
        check(url["Type"] == "SecureString" and url["Value"] not in json.dumps(env) and url["Value"] not in json.dumps(outputs),
              "the webhook URL is a SecureString, in no environment and no output")

    # Route 53: the meeting host name resolves from apply on, to the idle placeholder.
    if custom_domain:
        records = meeting_records()
        check(len(records) == 1 and records[0].get("TTL") == 60 and len(records[0]["ResourceRecords"]) == 1,
              f"A record of {hostname} exists with TTL 60 and one value (got {records})")

    # Logs
    groups = {g["logGroupName"]: g for g in our_log_groups()}
    check(len(groups) == 4 and all(g.get("retentionInDays") == 7 for g in groups.values()), "4 log groups with 7-day retention")

    # IAM
    roles = {r["RoleName"] for r in our_roles()}
    for r in [f"{name}-task-execution", f"{name}-task"] + [f"{name}-{f}" for f in FUNCTIONS] + \
            ([f"{name}-scheduler"] if windows else []):
        check(r in roles, f"role {r}")
    for f in FUNCTIONS:
        if f"{name}-{f}" in roles:
            inline = set(iam.list_role_policies(RoleName=f"{name}-{f}")["PolicyNames"])
            want = {"own-log-group", "reconcile"} | ({"start-secret"} if f != "task-state" else set()) | \
                ({"metrics"} if f == "stop-meeting" else set()) | ({"jwt-secret"} if f == "start-meeting" else set()) | \
                ({"manual-stop"} if f == "stop-meeting" and windows else set()) | \
                ({"notifications"} if f != "start-meeting" and webhook else set())
            check(inline == want, f"role {f} inline policies {sorted(want)} (got {sorted(inline)})")
            check(not iam.list_attached_role_policies(RoleName=f"{name}-{f}")["AttachedPolicies"], f"role {f} has no managed policies")

elif phase == "destroyed":
    check(not stack_vpcs(), "no VPC of the stack left")
    check(len([v for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")]) == 0, "only moto's default VPC left")
    check(not active_clusters(), "no active cluster left")
    check(not our_functions(), "no functions left")
    check(not parameters(), "no parameters left")
    check(not our_target_groups(), "no target groups left")
    check(not our_rules(), "no EventBridge rules left")
    check(not [g for g in client("scheduler").list_schedule_groups()["ScheduleGroups"] if g["Name"] == name],
          "no schedule group left")
    check(not our_roles(), "no IAM roles of the stack left")
    check(not our_log_groups(), "no log groups of the stack left")
    check(not elbv2.describe_load_balancers()["LoadBalancers"], "no load balancers")
    check(not ec2.describe_addresses()["Addresses"], "no Elastic IPs")
    if custom_domain:
        check(not meeting_records(), f"no A record of {hostname} left")
else:
    sys.exit(f"unknown phase {phase}")

print(f"  {phase}: {passes} checks passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
