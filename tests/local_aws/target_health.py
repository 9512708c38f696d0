"""Target health as an NLB reports it (moto reports every registered target healthy at once).

A registered target is, in turn (NLB guide, target-group-health-checks.md; API_TargetHealth.html):
  * "unused" / Target.NotInUse while no load balancer's listener forwards to its target group;
  * "initial" / Elb.RegistrationInProgress for TIMINGS["health_seconds"] from when checks begin:
    its registration, the first listener forwarding to the group, or the end of that load
    balancer's provisioning, whichever is latest;
  * "healthy" once its checks have passed for TIMINGS["health_seconds"] (the healthy threshold
    times the interval), else "unhealthy" / Target.FailedHealthChecks once the initial period is
    over. A check passes only while something answers (the target's task is RUNNING: not while
    PROVISIONING or PENDING; a stopped task's interface is gone) and the security groups of the
    network interface holding the target's private IP (in the group's VPC) admit the health-check
    port (the target's port for "traffic-port") over TCP (HTTP, HTTPS and TCP checks are all TCP
    connections) from every node of the load balancer: the private IP of each of its interfaces,
    which lie in the VPC, so that a rule for the VPC's CIDR (the NLB guide's recommended rule,
    "VPC CIDR | health check | health check", target-group-register-targets.md) or 0.0.0.0/0
    admits them, and a rule for other addresses or another port does not. NLBs never report
    Target.Timeout, which "applies only to Application Load Balancers and Gateway Load Balancers".
"""

import ipaddress
import time

from moto.ecs.models import ecs_backends
from moto.elbv2 import models as elbv2_models
from state import TIMINGS, now

_register = elbv2_models.FakeTargetGroup.register
_deregister = elbv2_models.FakeTargetGroup.deregister
_health_for = elbv2_models.FakeTargetGroup.health_for
_create_listener = elbv2_models.ELBv2Backend.create_listener


def _register_with_time(self, targets):
    _register(self, targets)
    registered = self.__dict__.setdefault("_registered_at", {})
    for target in targets:
        registered.setdefault(target["Id"], time.monotonic())


def _deregister_forgetting_time(self, targets):
    _deregister(self, targets)
    for target in targets:
        self.__dict__.get("_registered_at", {}).pop(target["Id"], None)


def _forwarding_target_groups(backend, listener):
    arns = []
    for action in listener.default_actions:
        if action.type == "forward":
            arns.extend(backend._get_target_group_arns_from(action_data=action.data))
    return arns


def _balancers_using(group):
    backend = elbv2_models.elbv2_backends[group.account_id][group.region_name]
    return [balancer for balancer in backend.load_balancers.values()
            if any(group.arn in _forwarding_target_groups(backend, listener)
                   for listener in balancer.listeners.values())]


def _in_use(group):
    return bool(_balancers_using(group))


def _checks_since(group, target_id):
    """When (time.monotonic()) the load balancer began to check this target."""
    active_since = min(getattr(balancer, "_provisioning_until", 0) for balancer in _balancers_using(group))
    return max(group.__dict__.get("_registered_at", {}).get(target_id, 0),
               group.__dict__.get("_in_use_since", 0), active_since)


def _create_listener_starting_checks(self, load_balancer_arn, protocol, port, *args, **kwargs):
    groups = {arn: self.target_groups[arn] for arn in self.target_groups}
    idle = {arn for arn, group in groups.items() if not _in_use(group)}
    listener = _create_listener(self, load_balancer_arn, protocol, port, *args, **kwargs)
    for arn in _forwarding_target_groups(self, listener):
        if arn in idle and arn in groups:
            groups[arn]._in_use_since = time.monotonic()
    return listener


def _admits(group_set, protocol, port, source):
    """True if an ingress rule of these security groups lets protocol/port in from source (a
    network: all of it must be inside the rule's CIDR)."""
    for group in group_set:
        for rule in group.ingress_rules:
            if rule.ip_protocol not in (protocol, "-1"):
                continue
            if rule.ip_protocol != "-1" and not (rule.from_port <= port <= rule.to_port):
                continue
            cidr = rule.ip_range.get("CidrIp")
            try:
                if cidr and source.subnet_of(ipaddress.ip_network(cidr, strict=False)):
                    return True
            except (TypeError, ValueError):
                continue
    return False


def _health_check_sources(group, ec2_backend, vpc):
    """Where the checks come from: each node of the load balancers forwarding to the group, i.e.
    the private IP of each of their network interfaces (one per subnet); the VPC's CIDR if none is
    known. A rule for the VPC CIDR admits them all, as the NLB guide recommends."""
    sources = []
    for balancer in _balancers_using(group):
        for eni_id in getattr(balancer, "_interfaces", {}).values():
            eni = ec2_backend.enis.get(eni_id)
            if eni is not None and eni.private_ip_address:
                sources.append(ipaddress.ip_network(eni.private_ip_address))
    return sources or [ipaddress.ip_network(vpc.cidr_block)]


def _target_interface(group, ip, ec2_backend):
    """The network interface in the group's VPC holding the target's private IP, if any."""
    return next((eni for eni in ec2_backend.enis.values()
                 if eni.subnet is not None and eni.subnet.vpc_id == group.vpc_id
                 and (eni.private_ip_address == ip
                      or any(a.get("PrivateIpAddress") == ip for a in eni.private_ip_addresses))), None)


def _admitted(group, target, eni, ec2_backend):
    vpc = ec2_backend.vpcs.get(group.vpc_id)
    if vpc is None:
        return False
    port = group.health_check_port
    port = int(target.get("Port") or group.port) if port in (None, "traffic-port") else int(port)
    protocol = "udp" if (group.health_check_protocol or "").upper() == "UDP" else "tcp"
    return all(_admits(eni.group_set, protocol, port, source)
               for source in _health_check_sources(group, ec2_backend, vpc))


def _answering_since(eni, ec2_backend):
    """Since when (time.monotonic()) the target answers: from its task's start (None while the
    task is PROVISIONING or PENDING: nothing listens yet); always for an interface no task owns."""
    ecs = ecs_backends[ec2_backend.account_id][ec2_backend.region_name]
    for tasks in list(ecs.tasks.values()):
        for task in list(tasks.values()):
            if any(d.get("name") == "networkInterfaceId" and d.get("value") == eni.id
                   for a in task.attachments for d in a.get("details", [])):
                if task.last_status != "RUNNING" or task.started_at is None:
                    return None
                return time.monotonic() - (now() - task.started_at).total_seconds()
    return 0.0


def _state(health, state, reason, description):
    return elbv2_models.FakeHealthStatus(health.instance_id, health.port, health.health_check_port,
                                         state, reason, description)


def _health_for_as_nlb(self, target, ec2_backend):
    health = _health_for(self, target, ec2_backend)
    if health.status != "healthy" or self.target_type != "ip":
        return health
    if not _in_use(self):
        return _state(health, "unused", "Target.NotInUse",
                      "Target group is not configured to receive traffic from the load balancer")
    checks_since = _checks_since(self, target["Id"])
    registered = self.targets.get(target["Id"], target)
    eni = _target_interface(self, target["Id"], ec2_backend)
    passing_since = None
    if eni is not None and _admitted(self, registered, eni, ec2_backend):
        answering = _answering_since(eni, ec2_backend)
        passing_since = None if answering is None else max(checks_since, answering)
    clock, settle = time.monotonic(), TIMINGS["health_seconds"]
    if passing_since is not None and clock >= passing_since + settle:
        return health
    if clock < checks_since + settle:
        return _state(health, "initial", "Elb.RegistrationInProgress", "Target registration is in progress")
    return _state(health, "unhealthy", "Target.FailedHealthChecks", "Health checks failed")


elbv2_models.FakeTargetGroup.register = _register_with_time
elbv2_models.FakeTargetGroup.deregister = _deregister_forgetting_time
elbv2_models.FakeTargetGroup.health_for = _health_for_as_nlb
elbv2_models.ELBv2Backend.create_listener = _create_listener_starting_checks
