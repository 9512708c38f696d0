"""AWS-side failures for the smoke test's failing runs against the demo stack (scripts/demo.sh,
DEMO_SMOKE=1): what a misconfigured account or a Docker Hub limit does, played on the local AWS
with its own credentials (AWS itself, not the functions).

    python3 aws_faults.py ENDPOINT close-health-port SECURITY_GROUP_NAME PORT
    python3 aws_faults.py ENDPOINT open-health-port SECURITY_GROUP_NAME PORT
    python3 aws_faults.py ENDPOINT stop-first-task CLUSTER SERVICE REASON   (waits up to 60 s for it)
"""

import sys
import time

import boto3


def client(endpoint, service):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


def health_rule(ec2, group_name, port):
    group = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [group_name]}])["SecurityGroups"][0]
    vpc = ec2.describe_vpcs(VpcIds=[group["VpcId"]])["Vpcs"][0]
    permission = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": vpc["CidrBlock"]}]}
    return group["GroupId"], permission


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    endpoint, command, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if command in ("close-health-port", "open-health-port") and len(args) == 2:
        ec2 = client(endpoint, "ec2")
        group_id, permission = health_rule(ec2, args[0], int(args[1]))
        change = ec2.revoke_security_group_ingress if command == "close-health-port" else ec2.authorize_security_group_ingress
        change(GroupId=group_id, IpPermissions=[permission])
    elif command == "stop-first-task" and len(args) == 3:
        cluster, service, reason = args
        ecs = client(endpoint, "ecs")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            arns = ecs.list_tasks(cluster=cluster, serviceName=service, desiredStatus="RUNNING")["taskArns"]
            if arns:
                ecs.stop_task(cluster=cluster, task=arns[0], reason=reason)
                return
            time.sleep(0.2)
        sys.exit("no task of the service appeared within 60 s")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
