//! What a run knows after its own changes: the snapshot it read, updated with AWS's answers to
//! them, so that the next round plans without reading everything again. Only this run's own
//! successful calls go in; whatever else changed meanwhile is read by the next trigger (and by
//! this run, from scratch, as soon as one of its calls fails).

use crate::config::{Config, DNS_TTL_SECONDS};
use crate::model::{
    Address, DnsRecord, Listener, LoadBalancer, LoadBalancerAddress, Snapshot, Target, TargetHealth, Time,
};
use crate::plan::Step;

/// AWS's answer to a step, as far as the rest of the run depends on it.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// The change was made as the step asked.
    Done,
    /// AllocateAddress: the new address.
    Allocated { allocation_id: String, public_ip: String },
    /// CreateLoadBalancer: the load balancer as ELB describes it (its answer holds the
    /// LoadBalancer; the call is idempotent, so it may be one a concurrent start created with the
    /// same address: ELB API reference, CreateLoadBalancer).
    LoadBalancer(LoadBalancer),
    /// CreateListener: the listener as ELB describes it.
    Listener(Listener),
}

/// What the run must read before it plans on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reread {
    Nothing,
    /// AWS detaches a deleted load balancer's address in its own time: where is it now?
    Addresses,
    /// The answer lacks what the step created: planning on would create it twice.
    Everything,
}

impl Snapshot {
    /// The snapshot after `step` succeeded with `answer`, at `now`, and what is left to read.
    #[must_use]
    pub fn record(&mut self, config: &Config, step: &Step, answer: Answer, now: Time) -> Reread {
        match (step, answer) {
            // A retried call or a concurrent start may have allocated one more: all starts agree on
            // the lowest free address and release the others, so they must see them all.
            (
                Step::AllocateAddress { started_by },
                Answer::Allocated {
                    allocation_id,
                    public_ip,
                },
            ) => {
                self.addresses.push(Address {
                    allocation_id,
                    public_ip,
                    associated: false,
                    allocated_at: Some(now),
                    started_by: Some(started_by.clone()),
                });
                return Reread::Addresses;
            }
            (Step::ReleaseAddress { allocation_id }, _) => self.addresses.retain(|a| &a.allocation_id != allocation_id),
            (Step::CreateLoadBalancer { allocation_id }, Answer::LoadBalancer(mut lb)) => {
                if lb.addresses.is_empty() {
                    // ELB took the mapping it was asked for; its answer may leave the address out.
                    let Some(asked) = self.addresses.iter().find(|a| &a.allocation_id == allocation_id) else {
                        return Reread::Everything;
                    };
                    lb.addresses.push(LoadBalancerAddress {
                        allocation_id: asked.allocation_id.clone(),
                        public_ip: asked.public_ip.clone(),
                    });
                }
                for held in &lb.addresses {
                    if let Some(address) = self
                        .addresses
                        .iter_mut()
                        .find(|a| a.allocation_id == held.allocation_id)
                    {
                        address.associated = true;
                    }
                }
                // A new load balancer has no listeners; one that existed may (CreateListener is
                // idempotent too, so asking again for one it has is harmless).
                lb.listeners.get_or_insert_with(Vec::new);
                self.load_balancers.retain(|known| known.arn != lb.arn);
                self.load_balancers.push(lb);
            }
            (Step::DeleteLoadBalancer { arn }, _) => {
                self.load_balancers.retain(|lb| &lb.arn != arn);
                return Reread::Addresses;
            }
            (Step::CreateListener { load_balancer_arn, .. }, Answer::Listener(listener)) => {
                if let Some(lb) = self.load_balancers.iter_mut().find(|lb| &lb.arn == load_balancer_arn) {
                    let listeners = lb.listeners.get_or_insert_with(Vec::new);
                    listeners.retain(|l| l.arn != listener.arn);
                    listeners.push(listener);
                }
            }
            (Step::DeleteListener { arn }, _) => {
                for lb in &mut self.load_balancers {
                    if let Some(listeners) = &mut lb.listeners {
                        listeners.retain(|l| &l.arn != arn);
                    }
                }
            }
            (Step::RegisterTargets { target_group_arn, ips }, _) => {
                let targets = self.targets_of(config, target_group_arn);
                for ip in ips {
                    if !targets.iter().any(|t| &t.ip == ip) {
                        targets.push(Target {
                            ip: ip.clone(),
                            health: TargetHealth::Initial,
                        });
                    }
                }
            }
            (Step::DeregisterTargets { target_group_arn, ips }, _) => {
                for target in self
                    .targets_of(config, target_group_arn)
                    .iter_mut()
                    .filter(|t| ips.contains(&t.ip))
                {
                    target.health = TargetHealth::Draining;
                }
            }
            (Step::WriteAdvertisedIps { value }, _) => {
                self.advertised.value = value.clone();
                self.advertised.modified_at = Some(now);
            }
            (Step::UpsertDnsRecord { ip }, _) => {
                self.dns_record = Some(DnsRecord {
                    values: vec![ip.clone()],
                    ttl: DNS_TTL_SECONDS,
                })
            }
            (Step::SetDesiredCount(count), _) => self.desired_count = *count,
            (Step::StopTask { arn }, _) => {
                for task in self.tasks.iter_mut().filter(|t| &t.arn == arn) {
                    task.desired_status = "STOPPED".into();
                }
            }
            // A create step answered without what it created.
            (Step::AllocateAddress { .. } | Step::CreateLoadBalancer { .. } | Step::CreateListener { .. }, _) => {
                return Reread::Everything
            }
        }
        Reread::Nothing
    }

    /// The stack's addresses as DescribeAddresses lists them now, keeping those this run knows of
    /// that it does not list yet: EC2's reads are eventually consistent (EC2 API reference,
    /// "Eventual consistency"), and a fresh allocation left out would be allocated again. One
    /// that another run released meanwhile fails this run's next call, which then reads everything.
    pub fn merge_addresses(&mut self, listed: Vec<Address>) {
        let unlisted = self
            .addresses
            .drain(..)
            .filter(|known| !listed.iter().any(|a| a.allocation_id == known.allocation_id))
            .collect::<Vec<_>>();
        self.addresses = listed;
        self.addresses.extend(unlisted);
    }

    fn targets_of(&mut self, config: &Config, target_group_arn: &str) -> &mut Vec<Target> {
        // Every step names one of the groups `converge_targets` plans for.
        if target_group_arn == config.web_target_group_arn {
            &mut self.web_targets
        } else if config
            .acme
            .as_ref()
            .is_some_and(|acme| acme.http_target_group_arn == target_group_arn)
        {
            &mut self.http_targets
        } else {
            &mut self.jvb_targets
        }
    }
}
