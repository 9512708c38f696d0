//! Everything of a meeting AWS can report: the load balancer of the stack's name and its
//! listeners, the stack's Elastic IPs, the targets, the service's tasks (stopped ones too, with
//! ECS's reasons) and, with a custom domain, the hostname's A record.

use super::{failed, to_chrono, Aws};
use aws_sdk_ec2::types::Filter;
use aws_sdk_ecs::types::DesiredStatus;
use aws_sdk_route53::types::RrType;
use chrono::{DateTime, Utc};
use lifecycle::config::{Config, ALLOCATED_AT_TAG_KEY, STACK_TAG_KEY};

#[derive(Debug, Clone, PartialEq)]
pub struct ListenerFacts {
    pub arn: String,
    pub protocol: String,
    pub port: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LoadBalancerFacts {
    pub arn: String,
    pub dns_name: String,
    /// provisioning, active, active_impaired, failed.
    pub state: String,
    pub reason: Option<String>,
    pub created: Option<DateTime<Utc>>,
    /// `LoadBalancerAddresses`: the Elastic IPs it was created with.
    pub addresses: Vec<String>,
    pub listeners: Vec<ListenerFacts>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AddressFacts {
    pub allocation_id: String,
    pub public_ip: String,
    pub associated: bool,
    pub allocated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TargetFacts {
    pub ip: String,
    pub port: i32,
    pub state: String,
    /// e.g. Target.FailedHealthChecks, Elb.RegistrationInProgress.
    pub reason: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TaskFacts {
    pub arn: String,
    pub last_status: String,
    pub desired_status: String,
    pub private_ip: Option<String>,
    pub created: Option<DateTime<Utc>>,
    /// Fargate bills from the image pull.
    pub pull_started: Option<DateTime<Utc>>,
    pub stopped: Option<DateTime<Utc>>,
    pub stopped_reason: Option<String>,
    /// (container, reason) for each container ECS gave a reason for.
    pub container_reasons: Vec<(String, String)>,
}

impl TaskFacts {
    pub fn is_present(&self) -> bool {
        self.last_status != "STOPPED"
    }
}

/// One look at everything a meeting leaves behind.
#[derive(Debug, Clone, PartialEq)]
pub struct Inventory {
    pub desired_count: i32,
    pub load_balancer: Option<LoadBalancerFacts>,
    pub addresses: Vec<AddressFacts>,
    pub jvb_targets: Vec<TargetFacts>,
    pub web_targets: Vec<TargetFacts>,
    pub tasks: Vec<TaskFacts>,
    /// The hostname's A record values, with a custom domain.
    pub dns_values: Option<Vec<String>>,
}

impl Aws {
    pub async fn inventory(&self, config: &Config) -> Result<Inventory, String> {
        // SDK futures are large; boxed, they stay off the stack.
        let (service, load_balancer, addresses, jvb_targets, web_targets, tasks, dns_values) = tokio::try_join!(
            Box::pin(self.service(config)),
            Box::pin(self.load_balancer(config)),
            Box::pin(self.addresses(config)),
            Box::pin(self.targets(&config.jvb_target_group_arn)),
            Box::pin(self.targets(&config.web_target_group_arn)),
            Box::pin(self.tasks(config)),
            Box::pin(self.dns_values(config)),
        )?;
        Ok(Inventory {
            desired_count: service.desired_count,
            load_balancer,
            addresses,
            jvb_targets,
            web_targets,
            tasks,
            dns_values,
        })
    }

    /// The load balancer of the stack's name, whoever made it (two cannot share a name).
    pub async fn load_balancer(&self, config: &Config) -> Result<Option<LoadBalancerFacts>, String> {
        let out = match self
            .elb
            .describe_load_balancers()
            .names(&config.load_balancer_name)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_load_balancer_not_found_exception()) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(failed("elasticloadbalancing:DescribeLoadBalancers")(e)),
        };
        let Some(lb) = out.load_balancers().first() else {
            return Ok(None);
        };
        let arn = lb.load_balancer_arn().unwrap_or_default().to_string();
        let listeners = self
            .elb
            .describe_listeners()
            .load_balancer_arn(&arn)
            .send()
            .await
            .map_err(failed("elasticloadbalancing:DescribeListeners"))?;
        Ok(Some(LoadBalancerFacts {
            dns_name: lb.dns_name().unwrap_or_default().to_ascii_lowercase(),
            state: lb
                .state()
                .and_then(|s| s.code())
                .map_or("unknown", |c| c.as_str())
                .to_string(),
            reason: lb.state().and_then(|s| s.reason()).map(str::to_string),
            created: lb.created_time().and_then(to_chrono),
            addresses: lb
                .availability_zones()
                .iter()
                .flat_map(|z| z.load_balancer_addresses())
                .filter_map(|a| a.ip_address().map(str::to_string))
                .collect(),
            listeners: listeners
                .listeners()
                .iter()
                .map(|l| ListenerFacts {
                    arn: l.listener_arn().unwrap_or_default().to_string(),
                    protocol: l.protocol().map_or("", |p| p.as_str()).to_string(),
                    port: l.port().unwrap_or_default(),
                })
                .collect(),
            arn,
        }))
    }

    /// Elastic IPs tagged with this stack.
    pub async fn addresses(&self, config: &Config) -> Result<Vec<AddressFacts>, String> {
        let tag = Filter::builder()
            .name(format!("tag:{STACK_TAG_KEY}"))
            .values(&config.stack_tag)
            .build();
        let out = self
            .ec2
            .describe_addresses()
            .filters(tag)
            .send()
            .await
            .map_err(failed("ec2:DescribeAddresses"))?;
        Ok(out
            .addresses()
            .iter()
            .map(|a| AddressFacts {
                allocation_id: a.allocation_id().unwrap_or_default().to_string(),
                public_ip: a.public_ip().unwrap_or_default().to_string(),
                associated: [a.association_id(), a.network_interface_id()]
                    .into_iter()
                    .any(|id| id.is_some_and(|id| !id.is_empty())),
                allocated_at: a
                    .tags()
                    .iter()
                    .find(|t| t.key() == Some(ALLOCATED_AT_TAG_KEY))
                    .and_then(|t| DateTime::parse_from_rfc3339(t.value()?).ok())
                    .map(|t| t.with_timezone(&Utc)),
            })
            .collect())
    }

    pub async fn targets(&self, target_group_arn: &str) -> Result<Vec<TargetFacts>, String> {
        let out = self
            .elb
            .describe_target_health()
            .target_group_arn(target_group_arn)
            .send()
            .await
            .map_err(failed("elasticloadbalancing:DescribeTargetHealth"))?;
        Ok(out
            .target_health_descriptions()
            .iter()
            .filter_map(|d| {
                let target = d.target()?;
                let health = d.target_health();
                Some(TargetFacts {
                    ip: target.id()?.to_string(),
                    port: target.port().unwrap_or_default(),
                    state: health
                        .and_then(|h| h.state())
                        .map_or("unknown", |s| s.as_str())
                        .to_string(),
                    reason: health.and_then(|h| h.reason()).map(|r| r.as_str().to_string()),
                    description: health.and_then(|h| h.description()).map(str::to_string),
                })
            })
            .collect())
    }

    /// The service's tasks, stopped ones included (ECS keeps them for about an hour).
    pub async fn tasks(&self, config: &Config) -> Result<Vec<TaskFacts>, String> {
        let list = |status: DesiredStatus| {
            self.ecs
                .list_tasks()
                .cluster(&config.cluster)
                .service_name(&config.service)
                .desired_status(status)
                .send()
        };
        let (running, stopped) = tokio::try_join!(
            Box::pin(list(DesiredStatus::Running)),
            Box::pin(list(DesiredStatus::Stopped))
        )
        .map_err(failed("ecs:ListTasks"))?;
        let arns: Vec<String> = running.task_arns().iter().chain(stopped.task_arns()).cloned().collect();
        if arns.is_empty() {
            return Ok(Vec::new());
        }
        let out = self
            .ecs
            .describe_tasks()
            .cluster(&config.cluster)
            .set_tasks(Some(arns))
            .send()
            .await
            .map_err(failed("ecs:DescribeTasks"))?;
        let group = format!("service:{}", config.service);
        Ok(out
            .tasks()
            .iter()
            .filter(|t| t.group() == Some(group.as_str()))
            .map(|t| TaskFacts {
                arn: t.task_arn().unwrap_or_default().to_string(),
                last_status: t.last_status().unwrap_or_default().to_string(),
                desired_status: t.desired_status().unwrap_or_default().to_string(),
                private_ip: t
                    .attachments()
                    .iter()
                    .flat_map(|a| a.details())
                    .find(|d| d.name() == Some("privateIPv4Address"))
                    .and_then(|d| d.value())
                    .map(str::to_string),
                created: t.created_at().and_then(to_chrono),
                pull_started: t.pull_started_at().and_then(to_chrono),
                stopped: t.stopped_at().and_then(to_chrono),
                stopped_reason: t.stopped_reason().map(str::to_string),
                container_reasons: t
                    .containers()
                    .iter()
                    .filter_map(|c| Some((c.name()?.to_string(), c.reason()?.to_string())))
                    .collect(),
            })
            .collect())
    }

    pub async fn dns_values(&self, config: &Config) -> Result<Option<Vec<String>>, String> {
        let Some(dns) = &config.dns else {
            return Ok(None);
        };
        let out = self
            .route53
            .list_resource_record_sets()
            .hosted_zone_id(&dns.hosted_zone_id)
            .start_record_name(&dns.hostname)
            .start_record_type(RrType::A)
            .max_items(1)
            .send()
            .await
            .map_err(failed("route53:ListResourceRecordSets"))?;
        Ok(Some(
            out.resource_record_sets()
                .iter()
                .find(|r| {
                    r.name().trim_end_matches('.').eq_ignore_ascii_case(&dns.hostname) && r.r#type() == &RrType::A
                })
                .map(|r| r.resource_records().iter().map(|v| v.value().to_string()).collect())
                .unwrap_or_default(),
        ))
    }
}
