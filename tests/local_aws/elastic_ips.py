"""Elastic IPs on Network Load Balancers, as AWS attaches and detaches them (moto ignores them).

* CreateLoadBalancer (network) gives the load balancer one network interface per subnet, described
  "ELB net/<name>/<id>" as AWS describes it, and associates the mapping's AllocationId with it.
  An allocation that does not exist fails with AllocationIdNotFound ("The specified allocation ID
  does not exist.", ELB API reference, CreateLoadBalancer errors); one already associated fails
  with ResourceInUse "The allocation IDs are not available for use" (the answer AWS gave in
  hashicorp/terraform-provider-aws#15031 and terraform-aws-modules/terraform-aws-alb#171).
* DescribeLoadBalancers reports it under AvailabilityZones[].LoadBalancerAddresses[] (IpAddress,
  AllocationId; API_LoadBalancerAddress.html); DescribeAddresses reports the association
  (AssociationId, NetworkInterfaceId, PrivateIpAddress).
* DeleteLoadBalancer detaches it asynchronously: it stays associated for
  TIMINGS["address_detach_seconds"] (AWS gives no figure; Terraform's aws_lb delete waits up to
  5 minutes for the NLB's interfaces to go, terraform-provider-aws#1956, #33645).
* While it is associated, ReleaseAddress fails (moto releases it anyway), see release_address.
"""

import random
import time

from moto.ec2 import exceptions as ec2_exceptions
from moto.ec2.models import ec2_backends
from moto.ec2.models.elastic_ip_addresses import ElasticAddress, ElasticAddressBackend
from moto.elbv2 import exceptions as elbv2_exceptions
from moto.elbv2 import models as elbv2_models
from state import LOCK, NEXT_ADDRESSES, TIMINGS, atomically

ELB_INTERFACE_PREFIX = "ELB "
# Interfaces of deleted load balancers still holding their address: (due, account, region, eni id).
DETACHING = []


def requested_allocations(subnet_mappings):
    """{subnet id: allocation id} of a CreateLoadBalancer's SubnetMappings."""
    return {m["SubnetId"]: m["AllocationId"] for m in subnet_mappings if m.get("AllocationId")}


def allocations_of(balancer):
    return dict(getattr(balancer, "_allocations", {}))


def _ec2(account_id, region):
    return ec2_backends[account_id][region]


def _is_load_balancer_interface(eni):
    return eni is not None and (eni.description or "").startswith(ELB_INTERFACE_PREFIX)


# --- CreateLoadBalancer / DescribeLoadBalancers -----------------------------------------------

_create_load_balancer = elbv2_models.ELBv2Backend.create_load_balancer


def _create_load_balancer_with_addresses(self, name, security_groups, subnet_ids, subnet_mappings=None,
                                         scheme="internet-facing", loadbalancer_type=None, **kwargs):
    ec2 = _ec2(self.account_id, self.region_name)
    wanted = requested_allocations(subnet_mappings or [])
    if wanted and (loadbalancer_type != "network" or scheme == "internal"):
        raise elbv2_exceptions.ELBClientError(
            "InvalidConfigurationRequest",
            "Elastic IP addresses can only be used with internet-facing Network Load Balancers")
    for allocation_id in wanted.values():
        address = next((a for a in ec2.addresses if a.allocation_id == allocation_id), None)
        if address is None:
            raise elbv2_exceptions.ELBClientError(
                "AllocationIdNotFound", f"The specified allocation ID '{allocation_id}' does not exist.")
        if address.association_id or address.eni or address.instance:
            raise elbv2_exceptions.ELBClientError(
                "ResourceInUse", "The allocation IDs are not available for use")
    balancer = _create_load_balancer(self, name, security_groups, subnet_ids, subnet_mappings, scheme,
                                     loadbalancer_type, **kwargs)
    _give_arn_its_type(self, balancer)
    balancer._allocations = wanted
    balancer._interfaces = {}
    if balancer.type == "network":
        suffix = balancer.arn.split(":loadbalancer/", 1)[1]  # net/<name>/<id>
        for subnet in balancer.subnets:
            eni = ec2.create_network_interface(subnet=subnet, private_ip_address=None,
                                               description=f"ELB {suffix}")
            eni.status, eni.requester_managed = "in-use", True
            eni.interface_type = "network_load_balancer"
            eni.requester_id = "amazon-elb"
            balancer._interfaces[subnet.id] = eni.id
            if subnet.id in wanted:
                ec2.associate_address(eni=eni, allocation_id=wanted[subnet.id])
    return balancer


def _give_arn_its_type(backend, balancer):
    """moto names every load balancer loadbalancer/app/...; AWS names an NLB loadbalancer/net/...
    (and so its listeners listener/net/..., its metric dimension net/<name>/<id>), which policies
    scoped to loadbalancer/net/<name>/* rely on."""
    kind = {"network": "net", "gateway": "gwy"}.get(balancer.type)
    old = balancer.arn
    if kind is None or ":loadbalancer/app/" not in old:
        return
    balancer.arn = old.replace(":loadbalancer/app/", f":loadbalancer/{kind}/", 1)
    backend.load_balancers[balancer.arn] = backend.load_balancers.pop(old)
    backend.tagging_service.copy_tags(old, balancer.arn)
    backend.tagging_service.delete_all_tags_for_resource(old)


class _AvailabilityZone:
    """An AvailabilityZone of DescribeLoadBalancers, with its LoadBalancerAddresses."""

    def __init__(self, subnet, addresses):
        self.subnet_id = subnet.id
        self.zone_name = subnet.availability_zone
        self.load_balancer_addresses = addresses


def _availability_zones(self):
    ec2 = self.subnets[0].ec2_backend if self.subnets else None
    zones = []
    for subnet in self.subnets:
        addresses = []
        allocation_id = getattr(self, "_allocations", {}).get(subnet.id)
        eni = ec2.enis.get(getattr(self, "_interfaces", {}).get(subnet.id)) if ec2 else None
        if allocation_id:
            address = next((a for a in ec2.addresses if a.allocation_id == allocation_id), None)
            if address is not None:
                addresses.append({"IpAddress": address.public_ip, "AllocationId": allocation_id})
        elif eni is not None and self.scheme == "internal":
            addresses.append({"PrivateIPv4Address": eni.private_ip_address})
        zones.append(_AvailabilityZone(subnet, addresses or None))
    return zones


elbv2_models.ELBv2Backend.create_load_balancer = _create_load_balancer_with_addresses
elbv2_models.FakeLoadBalancer.availability_zones = property(_availability_zones)

# --- DeleteLoadBalancer: the interfaces (and their addresses) go a while later -----------------

_delete_load_balancer = elbv2_models.ELBv2Backend.delete_load_balancer


def _delete_load_balancer_detaching_later(self, arn):
    balancer = self.load_balancers.get(arn)
    _delete_load_balancer(self, arn)
    if balancer is None:
        return
    due = time.monotonic() + TIMINGS["address_detach_seconds"]
    with LOCK:
        for eni_id in getattr(balancer, "_interfaces", {}).values():
            DETACHING.append((due, self.account_id, self.region_name, eni_id))
    settle()


def settle():
    """Detaches what is due: the address is disassociated and the interface deleted."""
    with LOCK:
        due = [entry for entry in DETACHING if entry[0] <= time.monotonic()]
        for entry in due:
            DETACHING.remove(entry)
    for _, account_id, region, eni_id in due:
        ec2 = _ec2(account_id, region)
        for address in [a for a in ec2.addresses if a.eni is not None and a.eni.id == eni_id]:
            _disassociate_address(ec2, address=address.public_ip)
        ec2.enis.pop(eni_id, None)


elbv2_models.ELBv2Backend.delete_load_balancer = _delete_load_balancer_detaching_later

# --- ReleaseAddress / DisassociateAddress while the load balancer holds the address -------------

_disassociate_address = ElasticAddressBackend.disassociate_address


def _release_address_unless_associated(self, address=None, allocation_id=None):
    eip = (self.address_by_ip([address]) if address else self.address_by_allocation([allocation_id]))[0]
    if eip.domain == "vpc" and (eip.eni is not None or eip.instance is not None):
        # AWS refuses to release an associated address. For one associated with your own interface
        # EC2 documents InvalidIPAddress.InUse (API_ReleaseAddress.html: "you must disassociate the
        # Elastic IP address before you can release it. Otherwise, Amazon EC2 returns an error
        # (InvalidIPAddress.InUse)"); for one a load balancer holds, the answer observed is
        # "AuthFailure: You do not have permission to access the specified resource."
        # (terraform-provider-aws#1956, right after deleting the NLB). Callers must treat both as
        # "not yet"; this answers the documented code, naming the interface.
        holder = eip.eni.id if eip.eni is not None else eip.instance.id
        owner = ""
        if _is_load_balancer_interface(eip.eni):
            owner = f" of load balancer {eip.eni.description[len(ELB_INTERFACE_PREFIX):]}"
        raise ec2_exceptions.EC2ClientError(
            "InvalidIPAddress.InUse",
            f"Address {eip.public_ip} ({eip.allocation_id}) is in use: it is attached to network "
            f"interface {holder}{owner}.")
    # moto's own release clears the allocation id and then drops the address, so a read answered
    # meanwhile listed an address without one (AWS never does, and a start then chose it): this
    # drops it whole. It holds no association (refused above).
    self.addresses.remove(eip)


def _disassociate_address_unless_elb(self, address=None, association_id=None):
    eips = self.address_by_ip([address]) if address else self.address_by_association([association_id])
    if _is_load_balancer_interface(eips[0].eni):
        # The load balancer's association belongs to ELB (its service-linked role), not to you.
        raise ec2_exceptions.EC2ClientError(
            "AuthFailure", "You do not have permission to access the specified resource.")
    _disassociate_address(self, address=address, association_id=association_id)


# DescribeAddresses omits what an unassociated address lacks (moto sends empty strings).
ElasticAddress.network_interface_id = property(lambda self: self.eni.id if self.eni else None)
ElasticAddress.instance_id = property(lambda self: self.instance.id if self.instance else None)
# Atomic with the creation of a load balancer that attaches the address (state.atomically).
ElasticAddressBackend.release_address = atomically(_release_address_unless_associated)
ElasticAddressBackend.disassociate_address = atomically(_disassociate_address_unless_elb)


# --- AllocateAddress: addresses on this machine ------------------------------------------------
# AWS hands out public addresses; here they come from 127.64.0.0/10 (loopback), so that what is
# sent to a meeting's address (an ACME CA's http-01 validation, the functions' TLS check) stays on
# this machine. The functions treat the address as AWS's: they never look at its value.
_elastic_address_init = ElasticAddress.__init__


def _loopback_address(self, ec2_backend, domain, address=None, tags=None):
    _elastic_address_init(self, ec2_backend, domain, address=address, tags=tags)
    if not address and NEXT_ADDRESSES:
        self.public_ip = NEXT_ADDRESSES.pop(0)
    elif not address:
        number = random.randrange(1, 1 << 22)
        self.public_ip = f"127.{64 + (number >> 16)}.{(number >> 8) & 255}.{number & 255}"


ElasticAddress.__init__ = _loopback_address
