"""IAM for the functions: a call signed with an assumed-role session's key is allowed only if that
role's identity policies allow every action AWS authorizes for it, on the resources and with the
condition keys AWS puts in the request context. Other keys (tests, Terraform) are not checked.

TABLE has one row per call the functions make (shared/src/cloud/): the IAM actions it needs
(dependent actions included), the resource ARN(s) each is authorized against, as AWS builds them
from the request, the condition keys of the request context, the source, and the builder in
iam_needs.py that does it. A call without a row is denied, so that a new call fails here until its
row is added. Sources: the Service Authorization Reference (SAR), list_<page>.html below; ELB's
extra caller permissions, ELB_API_PERMISSIONS; /tmp/research/aws.md §1-2 (the lead's notes).
"""

from collections import namedtuple

import iam_needs as n
import policy
from iam_request import Call
from moto.iam.models import iam_backends
from moto.sts.models import sts_backends
from protocol import access_denied_response, access_key_of, region_of

SAR = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_{}.html"
ECS, ELB, EC2, SSM, CW, R53 = (SAR.format(p) for p in (
    "amazonelasticcontainerservice", "awselasticloadbalancingv2", "amazonec2", "awssystemsmanager",
    "amazoncloudwatch", "amazonroute53"))
ELB_API_PERMISSIONS = "https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/elb-api-permissions.html"
TAG_ON_CREATE = ("https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/"
                 "tagging-resources-during-creation.html")
Row = namedtuple("Row", "actions resources keys source needs")  # needs(Call) -> [iam_needs.Need]
ARN_ECS, ARN_ELB = "arn:aws:ecs:R:A:", "arn:aws:elasticloadbalancing:R:A:"
RESOURCE_TAGS = "aws:ResourceTag/<k> (and <service>:ResourceTag/<k>) of the resource"
REQUEST_TAGS = "aws:RequestTag/<k>, aws:TagKeys"
ELB_DESCRIBE = "Describe* of ELB support no resource types"

TABLE = {  # (SigV4 signing name, operation) -> Row
    ("ecs", "DescribeServices"): Row(
        "ecs:DescribeServices", ARN_ECS + "service/<cluster>/<service>",
        "ecs:cluster (cluster ARN); " + RESOURCE_TAGS, ECS, n.ecs_services("ecs:DescribeServices")),
    ("ecs", "ListTasks"): Row(
        "ecs:ListTasks", '"*" (container-instance/<cluster>/<id> only if containerInstance is sent)',
        "ecs:cluster (cluster ARN)",
        ECS + "; aws.md §1 (a): errors '... on resource: *', ECS guide example Resource * + ArnEquals ecs:cluster",
        n.list_tasks),
    ("ecs", "DescribeTasks"): Row(
        "ecs:DescribeTasks", ARN_ECS + "task/<cluster>/<id>, each task", "ecs:cluster; " + RESOURCE_TAGS,
        ECS, n.ecs_tasks("ecs:DescribeTasks")),
    ("ecs", "UpdateService"): Row(
        "ecs:UpdateService", ARN_ECS + "service/<cluster>/<service>",
        "ecs:cluster; ecs:task-definition if sent; " + RESOURCE_TAGS, ECS, n.ecs_services("ecs:UpdateService")),
    ("ecs", "StopTask"): Row(
        "ecs:StopTask", ARN_ECS + "task/<cluster>/<id>", "ecs:cluster; " + RESOURCE_TAGS, ECS,
        n.ecs_tasks("ecs:StopTask")),
    ("elasticloadbalancing", "DescribeLoadBalancers"): Row(
        "elasticloadbalancing:DescribeLoadBalancers", '"*"', "-", ELB + " (" + ELB_DESCRIBE + ")",
        n.anything("elasticloadbalancing:DescribeLoadBalancers")),
    ("elasticloadbalancing", "DescribeListeners"): Row(
        "elasticloadbalancing:DescribeListeners", '"*"', "-", ELB,
        n.anything("elasticloadbalancing:DescribeListeners")),
    ("elasticloadbalancing", "DescribeTags"): Row(
        "elasticloadbalancing:DescribeTags", '"*"', "-", ELB, n.anything("elasticloadbalancing:DescribeTags")),
    ("elasticloadbalancing", "DescribeTargetHealth"): Row(
        "elasticloadbalancing:DescribeTargetHealth", '"*"', "-", ELB,
        n.anything("elasticloadbalancing:DescribeTargetHealth")),
    ("elasticloadbalancing", "CreateLoadBalancer"): Row(
        "elasticloadbalancing:CreateLoadBalancer; elasticloadbalancing:AddTags if Tags are sent; "
        "ec2:DescribeAccountAttributes, ec2:DescribeAddresses, ec2:DescribeInternetGateways, "
        "ec2:DescribeSecurityGroups, ec2:DescribeSubnets, ec2:DescribeVpcs; iam:CreateServiceLinkedRole "
        "while the account has no AWSServiceRoleForElasticLoadBalancing",
        ARN_ELB + "loadbalancer/net/<name>/* (both ELB actions); \"*\" (ec2); the role's ARN (iam)",
        "elasticloadbalancing:Scheme, elasticloadbalancing:Subnet, elasticloadbalancing:SecurityGroup if sent, "
        + REQUEST_TAGS + "; AddTags: also elasticloadbalancing:CreateAction=CreateLoadBalancer; "
        "iam:AWSServiceName=elasticloadbalancing.amazonaws.com",
        "; ".join((ELB, ELB_API_PERMISSIONS, TAG_ON_CREATE)), n.create_load_balancer),
    ("elasticloadbalancing", "DeleteLoadBalancer"): Row(
        "elasticloadbalancing:DeleteLoadBalancer", "the load balancer's ARN", RESOURCE_TAGS, ELB,
        n.on_elb_resource("elasticloadbalancing:DeleteLoadBalancer", "LoadBalancerArn")),
    ("elasticloadbalancing", "CreateListener"): Row(
        "elasticloadbalancing:CreateListener; elasticloadbalancing:AddTags if Tags are sent",
        "the load balancer's ARN; AddTags: " + ARN_ELB + "listener/net/<lb name>/<lb id>/*",
        "elasticloadbalancing:ListenerProtocol; the load balancer's " + RESOURCE_TAGS + "; if Tags: " + REQUEST_TAGS
        + ", elasticloadbalancing:CreateAction=CreateListener", ELB + "; " + TAG_ON_CREATE, n.create_listener),
    ("elasticloadbalancing", "DeleteListener"): Row(
        "elasticloadbalancing:DeleteListener", "the listener's ARN", RESOURCE_TAGS, ELB,
        n.on_elb_resource("elasticloadbalancing:DeleteListener", "ListenerArn")),
    ("elasticloadbalancing", "RegisterTargets"): Row(
        "elasticloadbalancing:RegisterTargets; ec2:DescribeInstances, ec2:DescribeInternetGateways, "
        "ec2:DescribeSubnets, ec2:DescribeVpcs", "the target group's ARN; \"*\" (ec2)", RESOURCE_TAGS,
        ELB + "; " + ELB_API_PERMISSIONS, n.register_targets),
    ("elasticloadbalancing", "DeregisterTargets"): Row(
        "elasticloadbalancing:DeregisterTargets", "the target group's ARN", RESOURCE_TAGS, ELB,
        n.on_elb_resource("elasticloadbalancing:DeregisterTargets", "TargetGroupArn")),
    ("ec2", "DescribeAddresses"): Row("ec2:DescribeAddresses", '"*"', "ec2:Region", EC2, n.describe_addresses),
    ("ec2", "AllocateAddress"): Row(
        "ec2:AllocateAddress; ec2:CreateTags if TagSpecifications are sent", "arn:aws:ec2:R:A:elastic-ip/* (both)",
        REQUEST_TAGS + ", ec2:Region; CreateTags: also ec2:CreateAction=AllocateAddress", EC2, n.allocate_address),
    ("ec2", "ReleaseAddress"): Row(
        "ec2:ReleaseAddress", "arn:aws:ec2:R:A:elastic-ip/<allocation id>",
        RESOURCE_TAGS + ", ec2:AllocationId, ec2:Domain, ec2:PublicIpAddress, ec2:Region", EC2, n.release_address),
    ("ssm", "GetParameter"): Row(
        "ssm:GetParameter; kms:Decrypt on the key for a SecureString with a customer managed key",
        "arn:aws:ssm:R:A:parameter/<name without its leading slash>", RESOURCE_TAGS,
        SSM + "; https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-restrict-decryption.html",
        n.get_parameter),
    ("ssm", "PutParameter"): Row(
        "ssm:PutParameter", "arn:aws:ssm:R:A:parameter/<name without its leading slash>",
        "ssm:Overwrite (true/false); ssm:Policies, " + REQUEST_TAGS + " if sent", SSM, n.put_parameter),
    ("ssm", "GetParametersByPath"): Row(
        "ssm:GetParametersByPath (kms:Decrypt as GetParameter, per parameter)",
        "arn:aws:ssm:R:A:parameter/<path without its leading slash> (the path itself, not its children)",
        "-", SSM + "; https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-access.html",
        n.get_parameters_by_path),
    ("ssm", "DeleteParameter"): Row(
        "ssm:DeleteParameter", "arn:aws:ssm:R:A:parameter/<name without its leading slash>", RESOURCE_TAGS, SSM,
        n.delete_parameter),
    ("monitoring", "GetMetricData"): Row(
        "cloudwatch:GetMetricData", '"*"', "-", CW, n.anything("cloudwatch:GetMetricData")),
    ("route53", "ListResourceRecordSets"): Row(
        "route53:ListResourceRecordSets", "arn:aws:route53:::hostedzone/<id>", "-", R53, n.list_record_sets),
    ("route53", "ChangeResourceRecordSets"): Row(
        "route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/<id>",
        "route53:ChangeResourceRecordSetsActions, ...RecordTypes, ...NormalizedRecordNames (multi-valued, from "
        "the change batch)", R53, n.change_record_sets),
    ("sts", "GetCallerIdentity"): Row(
        "none", "-", "-", "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html "
        '("No permissions are required to perform this operation")', n.nothing),
}
# IAM's prefix for each SigV4 signing name, for calls without a row.
PREFIXES = {"monitoring": "cloudwatch"}


def assumed_role_of(access_key):
    """moto's record of the AssumeRole session that issued this access key, if any."""
    if not access_key.startswith("ASIA"):
        return None
    for account_id in list(sts_backends.keys()):
        for backend in list(sts_backends[account_id].values()):
            session = backend.get_assumed_role_from_access_key(access_key)
            if session is not None:
                return session
    return None


def _document(managed_policy):
    version = next((v for v in managed_policy.versions if v.is_default), managed_policy.versions[0])
    return version.document


def policy_sets(session):
    """The policy sets that must each allow: the role's identity policies, its permissions
    boundary if it has one, the session policy if AssumeRole passed one."""
    iam = iam_backends[session.account_id]["aws"]
    try:
        role = iam.get_role_by_arn(session.role_arn)
    except Exception:  # noqa: BLE001  (a role that no longer exists grants nothing)
        return [[]]
    sets = [list(role.policies.values()) + [_document(p) for p in role.managed_policies.values()]]
    if role.permissions_boundary_arn:
        try:
            sets.append([_document(iam.get_policy(role.permissions_boundary_arn))])
        except Exception:  # noqa: BLE001
            sets.append([])
    if session.policy:
        sets.append([session.policy])
    return sets


def denial(session, need, row_missing=False):
    """None if the session may do need, else why not (AWS's wording)."""
    context = {"aws:PrincipalArn": session.role_arn, "aws:PrincipalAccount": session.account_id,
               "aws:RequestedRegion": session.region_name, "aws:userid": session.user_id, **need.context}
    decisions = [None] if row_missing else [
        policy.decide(documents, need.action, need.resource, context) for documents in policy_sets(session)]
    if all(d == "Allow" for d in decisions):
        return None
    why = ("with an explicit deny in an identity-based policy" if "Deny" in decisions
           else f"because no identity-based policy allows the {need.action} action")
    return f"User: {session.arn} is not authorized to perform: {need.action} on resource: {need.resource} {why}"


def check(environ, body, service, operation):
    """None if the call may go on, else the (status, content type, body) of AWS's AccessDenied."""
    session = assumed_role_of(access_key_of(environ))
    if session is None:
        return None
    row = TABLE.get((service, operation))
    if row is None:
        need = n.Need(f"{PREFIXES.get(service, service)}:{operation}", "*", {})
        return access_denied_response(service, denial(session, need, row_missing=True))
    call = Call(service, operation, region_of(environ), session.account_id, environ, body)
    for need in row.needs(call):
        message = denial(session, need)
        if message:
            return access_denied_response(service, message)
    return None
