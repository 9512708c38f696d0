"""ECS, ELB and SSM as AWS behaves where moto differs: wire types, timings, idempotency, task ENIs,
atomic parameter creation."""

import ipaddress
import random
import time
from datetime import timedelta

import elastic_ips  # noqa: F401  (patches create_load_balancer first: idempotency must wrap it)
from moto.ec2.models import ec2_backends
from moto.ec2.utils import generate_dns_from_ip
from moto.ecs import models as ecs_models
from moto.elbv2 import exceptions as elbv2_exceptions
from moto.elbv2 import models as elbv2_models
from moto.moto_api import state_manager
from moto.ssm import models as ssm_models
from state import TIMINGS, atomically, now

# --- ECS --------------------------------------------------------------------------------------

# A running task stays running until it is stopped (moto advances it on every DescribeTasks).
state_manager.set_transition("ecs::task", {"progression": "manual", "times": 10**9})

_container_init = ecs_models.Container.__init__


def _container_init_with_string_sizes(self, task_def):
    _container_init(self, task_def)
    # The ECS API types Container.cpu and Container.memory as strings; moto sends numbers.
    self.cpu = None if self.cpu is None else str(self.cpu)
    self.memory = None if self.memory is None else str(self.memory)


_task_init = ecs_models.Task.__init__
_task_status = ecs_models.Task.last_status


def _task_init_with_times(self, *args, **kwargs):
    _task_init(self, *args, **kwargs)
    self.created_at = now()
    self._launch_seconds = TIMINGS["task_seconds"]
    _give_task_eni_an_ip_in_its_subnet(self)


def _give_task_eni_an_ip_in_its_subnet(task):
    # moto picks an awsvpc task's IP anywhere in 10.0.0.0/8; AWS picks it in the task's subnet.
    for attachment in task.attachments:
        details = {d["name"]: d for d in attachment.get("details", [])}
        eni = ec2_backends[task._account_id][task.region_name].enis.get(
            details.get("networkInterfaceId", {}).get("value"))
        if eni is None or eni.subnet is None:
            continue
        enis = ec2_backends[task._account_id][task.region_name].enis.values()
        taken = {e.private_ip_address for e in enis if e.subnet is not None and e.subnet.id == eni.subnet.id}
        hosts = list(ipaddress.ip_network(eni.subnet.cidr_block).hosts())[3:]  # AWS reserves .1-.3
        free = [str(h) for h in hosts if str(h) not in taken]
        if not free:
            continue
        ip = random.choice(free)
        eni.private_ip_address = ip
        eni.private_dns_name = generate_dns_from_ip(ip)
        eni.private_ip_addresses = [{"Primary": True, "PrivateIpAddress": ip, "PrivateDnsName": eni.private_dns_name}]
        for name, value in (("privateIPv4Address", ip), ("privateDnsName", eni.private_dns_name)):
            if name in details:
                details[name]["value"] = value


def _task_last_status(self):
    status = _task_status.fget(self)
    age = (now() - self.created_at).total_seconds()
    if status == "RUNNING" and age < self._launch_seconds:
        return "PROVISIONING" if age < self._launch_seconds / 3 else "PENDING"
    return status


def _task_started_at(self):
    if _task_last_status(self) in ("PROVISIONING", "PENDING"):
        return None
    return self.created_at + timedelta(seconds=self._launch_seconds)


_stop_task = ecs_models.EC2ContainerServiceBackend.stop_task


def _stop_task_deleting_its_eni(self, cluster_str, task_str, reason):
    # Fargate deletes a task's ENI when the task stops (moto keeps it): its private IP answers no
    # health check any more, and the security-group lookup in target_health.py finds nothing.
    task = _stop_task(self, cluster_str, task_str, reason)
    enis = ec2_backends[self.account_id][self.region_name].enis
    for attachment in task.attachments:
        for detail in attachment.get("details", []):
            if detail.get("name") == "networkInterfaceId":
                enis.pop(detail.get("value"), None)
        attachment["status"] = "DELETED"
    return task


ecs_models.Container.__init__ = _container_init_with_string_sizes
ecs_models.Task.__init__ = _task_init_with_times
ecs_models.Task.last_status = property(_task_last_status, _task_status.fset)
ecs_models.Task.started_at = property(_task_started_at)
ecs_models.EC2ContainerServiceBackend.stop_task = _stop_task_deleting_its_eni

# --- ELB ----------------------------------------------------------------------------------------

_lb_init = elbv2_models.FakeLoadBalancer.__init__
_lb_activate = elbv2_models.FakeLoadBalancer.activate


def _lb_init_with_time(self, *args, **kwargs):
    _lb_init(self, *args, **kwargs)
    self._provisioning_until = time.monotonic() + TIMINGS["load_balancer_seconds"]


def _lb_activate_when_provisioned(self):
    if time.monotonic() >= self._provisioning_until:
        _lb_activate(self)


_create_load_balancer = elbv2_models.ELBv2Backend.create_load_balancer
_create_listener = elbv2_models.ELBv2Backend.create_listener


@atomically
def _create_load_balancer_once(self, name, *args, **kwargs):
    # AWS: CreateLoadBalancer is idempotent: the same name with the same settings returns the
    # existing load balancer (moto makes another); with other settings (here: other Elastic IPs) it
    # fails with DuplicateLoadBalancerName.
    existing = next((lb for lb in self.load_balancers.values() if lb.name == name), None)
    if existing is None:
        return _create_load_balancer(self, name, *args, **kwargs)
    wanted = elastic_ips.requested_allocations(kwargs.get("subnet_mappings") or [])
    if wanted != elastic_ips.allocations_of(existing):
        raise elbv2_exceptions.ELBClientError(
            "DuplicateLoadBalancerName",
            f"A load balancer with the same name '{name}' exists, but with different settings")
    return existing


@atomically
def _create_listener_once(self, load_balancer_arn, protocol, port, *args, **kwargs):
    # AWS: one listener per port; the same one again returns it (moto's own check never matches).
    balancer = self.load_balancers.get(load_balancer_arn)
    for listener in (balancer.listeners.values() if balancer else []):
        if str(listener.port) == str(port):
            if listener.protocol != protocol:
                raise elbv2_models.DuplicateListenerError()
            return listener
    return _create_listener(self, load_balancer_arn, protocol, port, *args, **kwargs)


elbv2_models.ELBv2Backend.create_load_balancer = _create_load_balancer_once
elbv2_models.ELBv2Backend.create_listener = _create_listener_once
elbv2_models.FakeLoadBalancer.__init__ = _lb_init_with_time
elbv2_models.FakeLoadBalancer.activate = _lb_activate_when_provisioned

# --- SSM --------------------------------------------------------------------------------------

# AWS: PutParameter without Overwrite on an existing name fails with ParameterAlreadyExists,
# atomically (SSM API reference, PutParameter; the functions claim on it: shared/src/cloud/
# notifications.rs, certificates.rs). moto checks and appends without a lock.
ssm_models.SimpleSystemManagerBackend.put_parameter = atomically(ssm_models.SimpleSystemManagerBackend.put_parameter)
