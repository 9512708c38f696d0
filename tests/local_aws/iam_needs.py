"""How each call is authorized: the Need(s) (action, resource ARN, request context) AWS checks for
it, built from the request. iam.TABLE says which builder serves which call, and why.
"""

from collections import namedtuple

from iam_request import request_tag_context, resource_tag_context
from moto.iam.models import iam_backends

# One authorization: an action on one resource with a request context.
Need = namedtuple("Need", "action resource context")
ELB_SLR = "AWSServiceRoleForElasticLoadBalancing"


def ecs_on(action, arns, call, tags_of=None):
    return [Need(action, arn, {"ecs:cluster": call.cluster_arn(),
                               **resource_tag_context(tags_of(arn) if tags_of else {}, "ecs")})
            for arn in arns]


def ecs_services(action):
    def needs(call):
        names = call.json.get("services") or [call.json.get("service")]
        context = {}
        if action == "ecs:UpdateService" and call.json.get("taskDefinition"):
            context["ecs:task-definition"] = call.json["taskDefinition"]
        return [Need(n.action, n.resource, {**n.context, **context})
                for n in ecs_on(action, [call.service_arn(s) for s in names], call,
                             lambda arn: call.ecs_service_tags(arn.rsplit("/", 1)[-1]))]
    return needs


def ecs_tasks(action):
    def needs(call):
        tasks = call.json.get("tasks") or [call.json.get("task")]
        return ecs_on(action, [call.task_arn(t) for t in tasks], call, call.ecs_task_tags)
    return needs


def list_tasks(call):
    # Without containerInstance ECS authorizes ListTasks against "*" (SAR lists only
    # container-instance*, which applies only when containerInstance is sent); ecs:cluster scopes it.
    instance = call.json.get("containerInstance")
    resource = call.arn("ecs", f"container-instance/{call.cluster_name()}/{instance.split('/')[-1]}") \
        if instance else "*"
    return [Need("ecs:ListTasks", resource, {"ecs:cluster": call.cluster_arn()})]


def anything(action):
    return lambda call: [Need(action, "*", {})]


def ec2_describes(*operations):
    return [Need(f"ec2:{op}", "*", {}) for op in operations]


def create_load_balancer(call):
    kind = {"network": "net", "gateway": "gwy"}.get(call.form.get("Type", "application"), "app")
    arn = call.arn("elasticloadbalancing", f"loadbalancer/{kind}/{call.form.get('Name', '')}/*")
    tags = call.elb_request_tags()
    context = {"elasticloadbalancing:Scheme": call.form.get("Scheme", "internet-facing"),
               "elasticloadbalancing:Subnet": call.members("Subnets") + call.member_fields("SubnetMappings",
                                                                                           "SubnetId"),
               **request_tag_context(tags)}
    if call.members("SecurityGroups"):
        context["elasticloadbalancing:SecurityGroup"] = call.members("SecurityGroups")
    needs = [Need("elasticloadbalancing:CreateLoadBalancer", arn, context)]
    if tags:  # tagging on create also authorizes AddTags, keyed by the creating action
        needs.append(Need("elasticloadbalancing:AddTags", arn,
                          {"elasticloadbalancing:CreateAction": "CreateLoadBalancer", **request_tag_context(tags)}))
    needs += ec2_describes("DescribeAccountAttributes", "DescribeAddresses", "DescribeInternetGateways",
                            "DescribeSecurityGroups", "DescribeSubnets", "DescribeVpcs")
    roles = iam_backends[call.account]["aws"].roles.values()
    if not any(role.name == ELB_SLR for role in roles):  # a fresh account: ELB creates its role first
        needs.append(Need("iam:CreateServiceLinkedRole",
                          f"arn:aws:iam::{call.account}:role/aws-service-role/elasticloadbalancing.amazonaws.com/"
                          f"{ELB_SLR}", {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}))
    return needs


def on_elb_resource(action, parameter, extra=None):
    def needs(call):
        arn = call.form.get(parameter, "")
        return [Need(action, arn, {**resource_tag_context(call.elb_tags(arn), "elasticloadbalancing"),
                                   **(extra(call) if extra else {})})]
    return needs


def create_listener(call):
    needs = on_elb_resource("elasticloadbalancing:CreateListener", "LoadBalancerArn",
                             lambda c: {"elasticloadbalancing:ListenerProtocol": c.form.get("Protocol", "")})(call)
    tags = call.elb_request_tags()
    if tags:
        needs[0].context.update(request_tag_context(tags))
        lb = call.form.get("LoadBalancerArn", "").split(":loadbalancer/", 1)[-1]
        needs.append(Need("elasticloadbalancing:AddTags", call.arn("elasticloadbalancing", f"listener/{lb}/*"),
                          {"elasticloadbalancing:CreateAction": "CreateListener", **request_tag_context(tags)}))
    return needs


def register_targets(call):
    return (on_elb_resource("elasticloadbalancing:RegisterTargets", "TargetGroupArn")(call)
            + ec2_describes("DescribeInstances", "DescribeInternetGateways", "DescribeSubnets", "DescribeVpcs"))


def allocate_address(call):
    tags = call.ec2_request_tags()
    arn = call.arn("ec2", "elastic-ip/*")
    needs = [Need("ec2:AllocateAddress", arn, {"ec2:Region": call.region, **request_tag_context(tags)})]
    if tags:
        needs.append(Need("ec2:CreateTags", arn, {"ec2:CreateAction": "AllocateAddress", "ec2:Region": call.region,
                                                  **request_tag_context(tags)}))
    return needs


def release_address(call):
    allocation_id = call.form.get("AllocationId", "")
    address = call.address(allocation_id)
    context = {"ec2:Region": call.region, "ec2:AllocationId": allocation_id}
    if address is not None:
        context.update({"ec2:Domain": address.domain, "ec2:PublicIpAddress": address.public_ip,
                        **resource_tag_context({t["key"]: t["value"] for t in address.get_tags()}, "ec2")})
    return [Need("ec2:ReleaseAddress", call.arn("ec2", f"elastic-ip/{allocation_id}"), context)]


def get_parameter(call):
    needs = [Need("ssm:GetParameter", call.parameter_arn(), resource_tag_context(call.parameter_tags(), ""))]
    parameter = call.parameter()
    key = getattr(parameter, "keyid", None)
    if parameter is not None and parameter.parameter_type == "SecureString" and call.json.get("WithDecryption") \
            and key and key != "alias/aws/ssm":  # a customer managed key must also let the caller decrypt
        needs.append(Need("kms:Decrypt", key if key.startswith("arn:") else call.arn("kms", f"key/{key}"), {}))
    return needs


def get_parameters_by_path(call):
    path = str(call.json.get("Path", "")).strip("/")
    return [Need("ssm:GetParametersByPath", call.arn("ssm", "parameter/" + path), {})]


def delete_parameter(call):
    return [Need("ssm:DeleteParameter", call.parameter_arn(), resource_tag_context(call.parameter_tags(), ""))]


def put_parameter(call):
    tags = {t.get("Key"): t.get("Value", "") for t in call.json.get("Tags") or []}
    context = {"ssm:Overwrite": "true" if call.json.get("Overwrite") else "false", **request_tag_context(tags)}
    if call.json.get("Policies"):
        context["ssm:Policies"] = call.json["Policies"]
    if tags:
        context.update(resource_tag_context(call.parameter_tags(), ""))
    return [Need("ssm:PutParameter", call.parameter_arn(), context)]


def change_record_sets(call):
    changes = call.record_changes()
    return [Need("route53:ChangeResourceRecordSets", call.hosted_zone_arn(), {
        "route53:ChangeResourceRecordSetsActions": sorted({c[0] for c in changes}),
        "route53:ChangeResourceRecordSetsRecordTypes": sorted({c[1] for c in changes}),
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": sorted({c[2] for c in changes}),
    })]


def describe_addresses(call):
    return [Need("ec2:DescribeAddresses", "*", {"ec2:Region": call.region})]


def list_record_sets(call):
    return [Need("route53:ListResourceRecordSets", call.hosted_zone_arn(), {})]


def nothing(call):
    return []

