"""The IAM stand-in: the policy evaluator, and table rows checked in-process against moto's IAM/STS.

Run: python3 -m unittest discover tests/local_aws
"""

import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import server  # noqa: E402,F401  (applies the stand-in's patches, as the server runs them)
from iam import TABLE, check  # noqa: E402
from moto.ec2.models import ec2_backends  # noqa: E402
from moto.iam.models import iam_backends  # noqa: E402
from moto.sts.models import sts_backends  # noqa: E402
from policy import condition_holds, decide  # noqa: E402

ACCOUNT, REGION = "123456789012", "us-east-1"
CLUSTER = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/meet"
LB_PREFIX = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/net/meet-meeting"


def allow(action, resource="*", condition=None, effect="Allow"):
    statement = {"Effect": effect, "Action": action, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return statement


def document(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


class EvaluatorTest(unittest.TestCase):
    def test_allow_needs_a_matching_statement(self):
        policy = document(allow("ecs:DescribeServices", "arn:aws:ecs:*:*:service/meet/*"))
        self.assertEqual(decide([policy], "ecs:DescribeServices", "arn:aws:ecs:r:a:service/meet/meet", {}), "Allow")
        self.assertIsNone(decide([policy], "ecs:DescribeServices", "arn:aws:ecs:r:a:service/other/x", {}))
        self.assertIsNone(decide([policy], "ecs:UpdateService", "arn:aws:ecs:r:a:service/meet/meet", {}))

    def test_explicit_deny_wins(self):
        policies = [document(allow("ecs:*")), document(allow("ecs:StopTask", effect="Deny"))]
        self.assertEqual(decide(policies, "ecs:StopTask", "arn:aws:ecs:r:a:task/c/1", {}), "Deny")
        self.assertEqual(decide(policies, "ecs:ListTasks", "*", {}), "Allow")

    def test_actions_match_case_insensitively_with_wildcards_and_not_action(self):
        self.assertEqual(decide([document(allow("EC2:describe*"))], "ec2:DescribeAddresses", "*", {}), "Allow")
        self.assertEqual(decide([document(allow("ec2:Describe?ddresses"))], "ec2:DescribeAddresses", "*", {}), "Allow")
        not_action = json.dumps({"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]})
        self.assertEqual(decide([not_action], "ssm:GetParameter", "*", {}), "Allow")
        self.assertIsNone(decide([not_action], "iam:CreateServiceLinkedRole", "*", {}))

    def test_resources_match_case_sensitively_and_star_requests_need_a_star_resource(self):
        policy = document(allow("ecs:ListTasks", "arn:aws:ecs:*:*:container-instance/meet/*"))
        self.assertIsNone(decide([policy], "ecs:ListTasks", "*", {}))
        self.assertIsNone(decide([document(allow("s3:GetObject", "arn:aws:s3:::B/*"))], "s3:GetObject",
                                 "arn:aws:s3:::b/x", {}))

    def test_string_and_arn_operators(self):
        context = {"ecs:cluster": CLUSTER, "aws:RequestTag/stack": "meet"}
        self.assertTrue(condition_holds("ArnEquals", "ecs:cluster", CLUSTER, context))
        self.assertTrue(condition_holds("ArnLike", "ecs:cluster", "arn:aws:ecs:*:*:cluster/me*", context))
        self.assertFalse(condition_holds("ArnEquals", "ecs:cluster", "arn:aws:ecs:*:*:cluster/other", context))
        self.assertTrue(condition_holds("StringEquals", "aws:RequestTag/stack", ["x", "meet"], context))
        self.assertFalse(condition_holds("StringEquals", "aws:RequestTag/stack", "Meet", context))
        self.assertTrue(condition_holds("StringEqualsIgnoreCase", "aws:RequestTag/stack", "Meet", context))
        self.assertTrue(condition_holds("StringLike", "aws:RequestTag/stack", "m?e*", context))
        self.assertTrue(condition_holds("StringNotEquals", "aws:RequestTag/stack", "other", context))
        self.assertFalse(condition_holds("StringNotEquals", "aws:RequestTag/stack", "meet", context))
        self.assertTrue(condition_holds("Bool", "ssm:Overwrite", "true", {"ssm:Overwrite": "True"}))
        self.assertFalse(condition_holds("Bool", "ssm:Overwrite", "true", {"ssm:Overwrite": "false"}))

    def test_missing_keys(self):
        self.assertFalse(condition_holds("StringEquals", "aws:RequestTag/stack", "meet", {}))
        self.assertFalse(condition_holds("ArnEquals", "ecs:cluster", CLUSTER, {}))
        self.assertFalse(condition_holds("Bool", "ssm:Overwrite", "true", {}))
        self.assertTrue(condition_holds("StringNotEquals", "aws:RequestTag/stack", "meet", {}))
        self.assertTrue(condition_holds("StringEqualsIfExists", "aws:RequestTag/stack", "meet", {}))
        self.assertFalse(condition_holds("StringEqualsIfExists", "aws:RequestTag/stack", "meet",
                                         {"aws:RequestTag/stack": "other"}))
        self.assertTrue(condition_holds("Null", "aws:RequestTag/stack", "true", {}))
        self.assertTrue(condition_holds("ForAllValues:StringEquals", "aws:TagKeys", ["a"], {}))
        self.assertFalse(condition_holds("ForAnyValue:StringEquals", "aws:TagKeys", ["a"], {}))

    def test_set_operators(self):
        context = {"aws:TagKeys": ["stack", "Name"]}
        self.assertTrue(condition_holds("ForAllValues:StringEquals", "aws:TagKeys", ["stack", "Name", "x"], context))
        self.assertFalse(condition_holds("ForAllValues:StringEquals", "aws:TagKeys", ["stack"], context))
        self.assertTrue(condition_holds("ForAnyValue:StringEquals", "aws:TagKeys", ["stack"], context))
        self.assertFalse(condition_holds("ForAnyValue:StringEquals", "aws:TagKeys", ["other"], context))
        self.assertTrue(condition_holds("ForAllValues:StringNotEquals", "aws:TagKeys", ["other"], context))
        self.assertFalse(condition_holds("ForAllValues:StringNotEquals", "aws:TagKeys", ["Name"], context))
        self.assertTrue(condition_holds("ForAllValues:StringLike", "aws:TagKeys", ["*"], context))


class TableTest(unittest.TestCase):
    """Rows of the table, through iam.check as the server calls it, for an assumed-role session."""

    role_count = 0

    def session(self, *statements, managed=None):
        TableTest.role_count += 1
        iam = iam_backends[ACCOUNT]["aws"]
        name = f"fn-{TableTest.role_count}"
        role = iam.create_role(name, "{}", "/", None, "", [], None)
        if statements:
            iam.put_role_policy(name, "inline", document(*statements))
        if managed:
            policy = iam.create_policy("", "/", managed, f"managed-{TableTest.role_count}", [])
            iam.attach_role_policy(policy.arn, name)
        return sts_backends[ACCOUNT]["aws"].assume_role(REGION, name, role.arn, None, 3600, None)

    def call(self, session, service, operation, body=b"", target=None, path="/", method="POST", key=None):
        environ = {
            "HTTP_AUTHORIZATION": f"AWS4-HMAC-SHA256 Credential={key or session.access_key_id}/20261125/"
                                  f"{REGION}/{service}/aws4_request, SignedHeaders=host, Signature=0",
            "PATH_INFO": path, "REQUEST_METHOD": method,
            "CONTENT_TYPE": "application/x-amz-json-1.1" if target else "application/x-www-form-urlencoded",
        }
        if target:
            environ["HTTP_X_AMZ_TARGET"] = target
        return check(environ, body, service, operation)

    def list_tasks(self, session):
        body = json.dumps({"cluster": "meet", "serviceName": "meet", "desiredStatus": "RUNNING"}).encode()
        return self.call(session, "ecs", "ListTasks", body, "AmazonEC2ContainerServiceV20141113.ListTasks")

    def test_list_tasks_is_authorized_on_star_scoped_by_ecs_cluster(self):
        on_cluster = {"ArnEquals": {"ecs:cluster": CLUSTER}}
        self.assertIsNone(self.list_tasks(self.session(allow("ecs:ListTasks", "*", on_cluster))))
        other = {"ArnEquals": {"ecs:cluster": CLUSTER.replace("/meet", "/other")}}
        self.assertIsNotNone(self.list_tasks(self.session(allow("ecs:ListTasks", "*", other))))

    def test_list_tasks_granted_only_on_container_instances_is_denied(self):
        # The grant a policy gets wrong: the SAR lists only container-instance* for ListTasks, but
        # without containerInstance AWS authorizes "*" ("... on resource: *").
        instances = f"arn:aws:ecs:{REGION}:{ACCOUNT}:container-instance/meet/*"
        session = self.session(allow("ecs:ListTasks", instances, {"ArnEquals": {"ecs:cluster": CLUSTER}}))
        status, content_type, body = self.list_tasks(session)
        error = json.loads(body)
        self.assertEqual((status, error["__type"]), (400, "AccessDeniedException"))
        self.assertEqual(error["message"], f"User: {session.arn} is not authorized to perform: ecs:ListTasks "
                                           "on resource: * because no identity-based policy allows the "
                                           "ecs:ListTasks action")

    def create_load_balancer(self, session):
        body = (b"Action=CreateLoadBalancer&Version=2015-12-01&Name=meet-meeting&Type=network"
                b"&Scheme=internet-facing&SubnetMappings.member.1.SubnetId=subnet-1"
                b"&SubnetMappings.member.1.AllocationId=eipalloc-1"
                b"&Tags.member.1.Key=jitsi-on-demand%3Astack&Tags.member.1.Value=meet")
        return self.call(session, "elasticloadbalancing", "CreateLoadBalancer", body)

    def test_create_load_balancer_needs_add_tags_on_create_and_the_ec2_describes(self):
        tagged = {"StringEquals": {"aws:RequestTag/jitsi-on-demand:stack": "meet"}}
        create = allow("elasticloadbalancing:CreateLoadBalancer", LB_PREFIX + "/*", tagged)
        describes = allow(["ec2:DescribeAccountAttributes", "ec2:DescribeAddresses", "ec2:DescribeInternetGateways",
                           "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs"])
        slr = allow("iam:CreateServiceLinkedRole", "*",
                    {"StringEquals": {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}})
        status, _, body = self.create_load_balancer(self.session(create, describes, slr))
        self.assertEqual(status, 403)
        self.assertIn(b"<Code>AccessDenied</Code>", body.encode())
        self.assertIn(f"elasticloadbalancing:AddTags on resource: {LB_PREFIX}/*", body)
        add_tags = allow("elasticloadbalancing:AddTags", LB_PREFIX + "/*",
                         {"StringEquals": {"elasticloadbalancing:CreateAction": "CreateLoadBalancer",
                                           "aws:RequestTag/jitsi-on-demand:stack": "meet"}})
        self.assertIsNone(self.create_load_balancer(self.session(create, add_tags, describes, slr)))
        denied = self.create_load_balancer(self.session(create, add_tags, slr))
        self.assertIn("ec2:DescribeAccountAttributes", denied[2])
        # through a managed policy as well as an inline one
        managed = document(create, add_tags, describes, slr)
        self.assertIsNone(self.create_load_balancer(self.session(managed=managed)))

    def test_allocate_and_release_address(self):
        tagged = {"StringEquals": {"aws:RequestTag/jitsi-on-demand:stack": "meet"}}
        eips = f"arn:aws:ec2:{REGION}:{ACCOUNT}:elastic-ip/*"
        body = (b"Action=AllocateAddress&Version=2016-11-15&Domain=vpc&TagSpecification.1.ResourceType=elastic-ip"
                b"&TagSpecification.1.Tag.1.Key=jitsi-on-demand%3Astack&TagSpecification.1.Tag.1.Value=meet")
        session = self.session(allow("ec2:AllocateAddress", eips, tagged))
        status, _, text = self.call(session, "ec2", "AllocateAddress", body)
        self.assertEqual(status, 403)
        self.assertIn("<Code>UnauthorizedOperation</Code>", text)
        self.assertIn("ec2:CreateTags", text)
        create_tags = allow("ec2:CreateTags", eips, {"StringEquals": {"ec2:CreateAction": "AllocateAddress"}})
        self.assertIsNone(self.call(self.session(allow("ec2:AllocateAddress", eips, tagged), create_tags),
                                    "ec2", "AllocateAddress", body))

        ec2 = ec2_backends[ACCOUNT][REGION]
        ours = ec2.allocate_address("vpc", tags={"jitsi-on-demand:stack": "meet"})
        theirs = ec2.allocate_address("vpc", tags={"jitsi-on-demand:stack": "other"})
        release = self.session(allow("ec2:ReleaseAddress", eips,
                                     {"StringEquals": {"aws:ResourceTag/jitsi-on-demand:stack": "meet"}}))
        for address, allowed in ((ours, True), (theirs, False)):
            body = f"Action=ReleaseAddress&Version=2016-11-15&AllocationId={address.allocation_id}".encode()
            answer = self.call(release, "ec2", "ReleaseAddress", body)
            self.assertEqual(answer is None, allowed, answer)

    def test_route53_changes_are_limited_by_the_change_batch(self):
        zone = "arn:aws:route53:::hostedzone/Z1"
        only_meet = {"ForAllValues:StringEquals": {
            "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["meet.example.com"],
            "route53:ChangeResourceRecordSetsRecordTypes": ["A"],
            "route53:ChangeResourceRecordSetsActions": ["UPSERT", "DELETE"]}}
        session = self.session(allow("route53:ChangeResourceRecordSets", zone, only_meet))

        def change(name, kind):
            body = (f'<ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/">'
                    f"<ChangeBatch><Changes><Change><Action>UPSERT</Action><ResourceRecordSet><Name>{name}</Name>"
                    f"<Type>{kind}</Type><TTL>60</TTL></ResourceRecordSet></Change></Changes></ChangeBatch>"
                    f"</ChangeResourceRecordSetsRequest>").encode()
            return self.call(session, "route53", "ChangeResourceRecordSets", body,
                             path="/2013-04-01/hostedzone/Z1/rrset/")
        self.assertIsNone(change("Meet.Example.com.", "A"))
        self.assertIsNotNone(change("www.example.com", "A"))
        self.assertIsNotNone(change("meet.example.com", "TXT"))

    def test_a_call_without_a_row_is_denied(self):
        self.assertNotIn(("ecs", "RunTask"), TABLE)
        session = self.session(allow("*"))
        status, _, body = self.call(session, "ecs", "RunTask", b"{}", "AmazonEC2ContainerServiceV20141113.RunTask")
        self.assertIn("is not authorized to perform: ecs:RunTask on resource: *", json.loads(body)["message"])

    def test_every_call_the_functions_make_has_a_row(self):
        # shared/src names each call it makes as "<iam prefix>:<Operation>" in its errors.
        root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "src")
        named = set()
        for folder, _, files in os.walk(root):
            for file in (f for f in files if f.endswith(".rs")):
                with open(os.path.join(folder, file), encoding="utf-8") as source:
                    named |= set(re.findall(r'"(ecs|elasticloadbalancing|ec2|ssm|route53|cloudwatch|logs|kms):'
                                            r'([A-Z][A-Za-z]+)"', source.read()))
        self.assertIn(("ecs", "ListTasks"), named)
        signing = {"cloudwatch": "monitoring"}
        missing = sorted(f"{p}:{op}" for p, op in named if (signing.get(p, p), op) not in TABLE)
        self.assertEqual(missing, [], "calls without a row in iam.TABLE (they are denied)")

    def test_keys_of_other_callers_are_not_checked(self):
        session = self.session()
        self.assertIsNotNone(self.list_tasks(session))
        body = json.dumps({"cluster": "meet"}).encode()
        self.assertIsNone(self.call(session, "ecs", "ListTasks", body, "AmazonEC2ContainerServiceV20141113.ListTasks",
                                    key="test"))


if __name__ == "__main__":
    unittest.main()
