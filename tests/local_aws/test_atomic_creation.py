"""Creations AWS makes atomically and moto checks-then-writes without a lock, so that under
concurrent callers two could win: SSM PutParameter without Overwrite (ParameterAlreadyExists; the
functions claim webhook sends and certificate orders on it), and ELB's idempotent CreateListener
and CreateLoadBalancer (behaviour.py: the same port or name again returns the existing one).

Run: python3 -m unittest discover tests/local_aws
"""

import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import boto3  # noqa: E402
import server  # noqa: E402,F401  (applies the stand-in's patches, as the server runs them)
from moto import mock_aws  # noqa: E402
from moto.ssm.exceptions import ParameterAlreadyExists  # noqa: E402
from moto.ssm.models import ssm_backends  # noqa: E402


def race(rounds, callers, call):
    """Runs `call(round)` from `callers` threads at once, `rounds` times, switching threads as
    often as the interpreter can, so that a check-then-write race shows at once."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for round_ in range(rounds):
            start = threading.Barrier(callers)

            def one():
                start.wait()
                call(round_)

            threads = [threading.Thread(target=one, name=f"caller-{i}") for i in range(callers)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    finally:
        sys.setswitchinterval(interval)


class CreateWithoutOverwriteTest(unittest.TestCase):
    def test_one_of_concurrent_creators_wins(self):
        backend = ssm_backends["123456789012"]["us-east-1"]
        wins = {}

        def claim(round_):
            try:
                backend.put_parameter(f"/claims/race-{round_}", None, "mine", "String", None, None, False, [],
                                      "text", None, None)
                wins[round_] = wins.get(round_, 0) + 1
            except ParameterAlreadyExists:
                pass

        race(200, 6, claim)
        self.assertEqual(set(wins.values()), {1}, f"creators that won, per round: {wins}")


@mock_aws
class IdempotentElbCreationTest(unittest.TestCase):
    def test_concurrent_creations_of_one_load_balancer_and_listener_make_one_each(self):
        ec2 = boto3.client("ec2", region_name="us-east-1")
        elb = boto3.client("elbv2", region_name="us-east-1")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
        group = elb.create_target_group(Name="race", Protocol="UDP", Port=10000, VpcId=vpc,
                                        TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]

        def load_balancer(round_):
            elb.create_load_balancer(Name=f"race-{round_}", Type="network", Subnets=[subnet])

        race(30, 4, load_balancer)
        names = [lb["LoadBalancerName"] for lb in elb.describe_load_balancers()["LoadBalancers"]]
        self.assertEqual(sorted(names), sorted(set(names)), "one load balancer per name")

        arns = [lb["LoadBalancerArn"] for lb in elb.describe_load_balancers()["LoadBalancers"]]

        def listener(round_):
            elb.create_listener(LoadBalancerArn=arns[round_], Protocol="UDP", Port=10000,
                                DefaultActions=[{"Type": "forward", "TargetGroupArn": group}])

        race(len(arns), 4, listener)
        for arn in arns:
            ports = [ls["Port"] for ls in elb.describe_listeners(LoadBalancerArn=arn)["Listeners"]]
            self.assertEqual(ports, [10000], f"one listener per port on {arn}")


@mock_aws
class AddressReleaseAgainstCreationTest(unittest.TestCase):
    def test_a_load_balancer_never_holds_an_address_released_while_it_was_created(self):
        # Three starts at once: one creates the load balancer with the lowest address while another,
        # which saw a lower one, releases it. AWS lets one of the two fail; never both succeed.
        ec2 = boto3.client("ec2", region_name="us-east-1")
        elb = boto3.client("elbv2", region_name="us-east-1")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
        allocations = [ec2.allocate_address(Domain="vpc")["AllocationId"] for _ in range(40)]

        def create_or_release(round_):
            if threading.current_thread().name.endswith("0"):
                try:
                    ec2.release_address(AllocationId=allocations[round_])
                except Exception:  # noqa: BLE001 (InUse: the creation came first)
                    pass
            else:
                try:
                    elb.create_load_balancer(Name=f"held-{round_}", Type="network",
                                             SubnetMappings=[{"SubnetId": subnet, "AllocationId": allocations[round_]}])
                except Exception:  # noqa: BLE001 (AllocationIdNotFound: the release came first)
                    pass

        race(len(allocations), 2, create_or_release)
        remaining = {a["AllocationId"] for a in ec2.describe_addresses()["Addresses"]}
        for lb in elb.describe_load_balancers()["LoadBalancers"]:
            held = [a["AllocationId"] for az in lb["AvailabilityZones"] for a in az.get("LoadBalancerAddresses", [])]
            self.assertTrue(held and set(held) <= remaining, f"{lb['LoadBalancerName']} holds {held}, released")


@mock_aws
class AddressReleaseAgainstReadsTest(unittest.TestCase):
    def test_a_read_never_lists_an_address_without_its_allocation_id(self):
        ec2 = boto3.client("ec2", region_name="us-east-1")
        allocations = [ec2.allocate_address(Domain="vpc")["AllocationId"] for _ in range(60)]
        seen_without = []

        def release_or_read(round_):
            if threading.current_thread().name.endswith("0"):
                ec2.release_address(AllocationId=allocations[round_])
            else:
                seen_without.extend(a for a in ec2.describe_addresses()["Addresses"] if not a.get("AllocationId"))

        race(len(allocations), 3, release_or_read)
        self.assertEqual(seen_without, [], "DescribeAddresses listed an address being released without its id")


if __name__ == "__main__":
    unittest.main()
