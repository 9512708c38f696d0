//! The stack's service as ECS describes it, and the account's room for one more meeting.

use super::{failed, Aws};
use crate::meeting_cost::TaskSize;
use aws_sdk_ec2::types::AccountAttributeName;
use aws_sdk_ecs::types::{AssignPublicIp, CpuArchitecture};
use aws_sdk_elasticloadbalancingv2::types::LoadBalancerTypeEnum;
use lifecycle::config::Config;

/// EC2-VPC Elastic IPs per region (Service Quotas L-0263D0A3), the default of a new account.
pub const DEFAULT_ELASTIC_IP_QUOTA: usize = 5;
/// Network Load Balancers per region (Service Quotas L-69A177A2), the default of a new account.
pub const DEFAULT_NLB_QUOTA: usize = 50;

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceFacts {
    pub desired_count: i32,
    pub running_count: i32,
    pub task_definition: Option<String>,
    /// The task gets its own public IPv4 (billed like the Elastic IP).
    pub assign_public_ip: bool,
    pub spot: bool,
}

/// How many exist in the region and how many the account may have.
#[derive(Debug, Clone, PartialEq)]
pub struct Quota {
    pub used: usize,
    pub limit: usize,
    /// Where the limit comes from: the account's own figure, or AWS's default when that could not
    /// be read (and why).
    pub limit_source: String,
}

impl Aws {
    pub async fn service(&self, config: &Config) -> Result<ServiceFacts, String> {
        let out = self
            .ecs
            .describe_services()
            .cluster(&config.cluster)
            .services(&config.service)
            .send()
            .await
            .map_err(failed("ecs:DescribeServices"))?;
        let service = out
            .services()
            .iter()
            .find(|s| s.status() != Some("INACTIVE"))
            .ok_or_else(|| format!("no service {} in cluster {}", config.service, config.cluster))?;
        Ok(ServiceFacts {
            desired_count: service.desired_count(),
            running_count: service.running_count(),
            task_definition: service.task_definition().map(str::to_string),
            assign_public_ip: service
                .network_configuration()
                .and_then(|n| n.awsvpc_configuration())
                .and_then(|a| a.assign_public_ip())
                == Some(&AssignPublicIp::Enabled),
            spot: service
                .capacity_provider_strategy()
                .iter()
                .any(|s| s.capacity_provider() == "FARGATE_SPOT" && s.weight() > 0),
        })
    }

    /// vCPUs, memory and architecture of the task definition, for the cost.
    pub async fn task_size(&self, task_definition: &str, spot: bool) -> Result<TaskSize, String> {
        let out = self
            .ecs
            .describe_task_definition()
            .task_definition(task_definition)
            .send()
            .await
            .map_err(failed("ecs:DescribeTaskDefinition"))?;
        let definition = out.task_definition().ok_or("no task definition in the answer")?;
        let units = |value: Option<&str>, what: &str| {
            value
                .and_then(|v| v.parse::<f64>().ok())
                .ok_or_else(|| format!("the task definition has no task-level {what}"))
        };
        Ok(TaskSize {
            // ECS counts CPU in 1/1024 vCPU and memory in MiB.
            vcpu: units(definition.cpu(), "cpu")? / 1024.0,
            memory_gb: units(definition.memory(), "memory")? / 1024.0,
            arm64: definition.runtime_platform().and_then(|p| p.cpu_architecture()) == Some(&CpuArchitecture::Arm64),
            spot,
        })
    }

    /// Elastic IPs in the region against the account's limit (EC2 reports it as the account
    /// attribute `vpc-max-elastic-ips`; a raised Service Quota shows there too).
    pub async fn elastic_ip_quota(&self) -> Result<Quota, String> {
        let used = self
            .ec2
            .describe_addresses()
            .send()
            .await
            .map_err(failed("ec2:DescribeAddresses"))?
            .addresses()
            .len();
        let limit = self
            .ec2
            .describe_account_attributes()
            .attribute_names(AccountAttributeName::from("vpc-max-elastic-ips"))
            .send()
            .await
            .map_err(failed("ec2:DescribeAccountAttributes"))
            .and_then(|out| {
                out.account_attributes()
                    .iter()
                    .flat_map(|a| a.attribute_values())
                    .find_map(|v| v.attribute_value()?.parse::<usize>().ok())
                    .ok_or_else(|| "no vpc-max-elastic-ips in the answer".to_string())
            });
        Ok(quota(used, limit, "vpc-max-elastic-ips", DEFAULT_ELASTIC_IP_QUOTA))
    }

    /// Network Load Balancers in the region against ELB's own account limit.
    pub async fn nlb_quota(&self) -> Result<Quota, String> {
        let pages: Vec<_> = self
            .elb
            .describe_load_balancers()
            .into_paginator()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(failed("elasticloadbalancing:DescribeLoadBalancers"))?;
        let used = pages
            .iter()
            .flat_map(|page| page.load_balancers())
            .filter(|lb| lb.r#type() == Some(&LoadBalancerTypeEnum::Network))
            .count();
        let limit = self
            .elb
            .describe_account_limits()
            .send()
            .await
            .map_err(failed("elasticloadbalancing:DescribeAccountLimits"))
            .and_then(|out| {
                out.limits()
                    .iter()
                    .find(|l| l.name() == Some("network-load-balancers"))
                    .and_then(|l| l.max()?.parse::<f64>().ok())
                    .map(|max| max as usize)
                    .ok_or_else(|| "no network-load-balancers limit in the answer".to_string())
            });
        Ok(quota(used, limit, "network-load-balancers", DEFAULT_NLB_QUOTA))
    }
}

fn quota(used: usize, limit: Result<usize, String>, name: &str, default: usize) -> Quota {
    match limit {
        Ok(limit) => Quota {
            used,
            limit,
            limit_source: format!("the account's {name}"),
        },
        Err(why) => Quota {
            used,
            limit: default,
            limit_source: format!("AWS's default; the account's could not be read: {why}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falls_back_to_the_default_and_says_why() {
        let read = quota(2, Ok(5), "vpc-max-elastic-ips", DEFAULT_ELASTIC_IP_QUOTA);
        assert_eq!((read.used, read.limit), (2, 5));
        assert_eq!(read.limit_source, "the account's vpc-max-elastic-ips");
        let fallback = quota(
            3,
            Err("AccessDenied".into()),
            "network-load-balancers",
            DEFAULT_NLB_QUOTA,
        );
        assert_eq!(fallback.limit, 50);
        assert_eq!(
            fallback.limit_source,
            "AWS's default; the account's could not be read: AccessDenied"
        );
    }
}
