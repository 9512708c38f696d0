//! The single reads `observe` combines, one AWS call each (two for the tasks: list, describe).

use super::{failed, to_chrono, Aws, CloudError};
use crate::config::{Config, ALLOCATED_AT_TAG_KEY, STACK_TAG_KEY, STARTED_BY_TAG_KEY};
use crate::model::*;
use aws_sdk_ec2::types::Filter;
use aws_sdk_ecs::types::DesiredStatus;
use aws_sdk_elasticloadbalancingv2::types::{LoadBalancerStateEnum, TargetHealthStateEnum};
use aws_sdk_route53::types::RrType;
use aws_smithy_types::DateTime as SmithyTime;
use chrono::{DateTime, Duration, DurationRound, Utc};

impl Aws {
    pub(super) async fn desired_count(&self, config: &Config) -> Result<i32, CloudError> {
        let out = self
            .ecs
            .describe_services()
            .cluster(&config.cluster)
            .services(&config.service)
            .send()
            .await
            .map_err(failed("ecs:DescribeServices"))?;
        let service = out.services().first().ok_or_else(|| CloudError {
            operation: "ecs:DescribeServices",
            message: format!("service {} not found in cluster {}", config.service, config.cluster),
        })?;
        Ok(service.desired_count())
    }

    /// The service's task ARNs whose desired status is `status` (ListTasks filters by one, RUNNING
    /// when none is given; ECS API reference, ListTasks `desiredStatus`).
    pub(super) async fn task_arns(&self, config: &Config, status: DesiredStatus) -> Result<Vec<String>, CloudError> {
        let out = self
            .ecs
            .list_tasks()
            .cluster(&config.cluster)
            .service_name(&config.service)
            .desired_status(status)
            .send()
            .await
            .map_err(failed("ecs:ListTasks"))?;
        Ok(out.task_arns().to_vec())
    }

    pub(super) async fn describe_tasks(&self, config: &Config, arns: Vec<String>) -> Result<Vec<Task>, CloudError> {
        if arns.is_empty() {
            return Ok(Vec::new());
        }
        let described = self
            .ecs
            .describe_tasks()
            .cluster(&config.cluster)
            .set_tasks(Some(arns))
            .send()
            .await
            .map_err(failed("ecs:DescribeTasks"))?;
        let group = config.task_group();
        Ok(described
            .tasks()
            .iter()
            .filter(|t| t.group() == Some(group.as_str()))
            .map(|t| Task {
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
                created_at: t.created_at().and_then(to_chrono),
                started_at: t.started_at().and_then(to_chrono),
                stopped_reason: t.stopped_reason().map(str::to_string),
            })
            .collect())
    }

    /// The load balancers with the meeting's name (AWS allows one), their listeners not read yet.
    pub(super) async fn load_balancers(&self, config: &Config) -> Result<Vec<LoadBalancer>, CloudError> {
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
                return Ok(Vec::new())
            }
            Err(e) => return Err(failed("elasticloadbalancing:DescribeLoadBalancers")(e)),
        };
        Ok(out.load_balancers().iter().map(load_balancer).collect())
    }

    pub(super) async fn listeners(&self, load_balancer_arn: &str) -> Result<Vec<Listener>, CloudError> {
        let out = self
            .elb
            .describe_listeners()
            .load_balancer_arn(load_balancer_arn)
            .send()
            .await
            .map_err(failed("elasticloadbalancing:DescribeListeners"))?;
        Ok(out.listeners().iter().map(listener).collect())
    }

    pub(super) async fn load_balancer_tags(&self, arn: &str) -> Result<Vec<(String, String)>, CloudError> {
        let out = self
            .elb
            .describe_tags()
            .resource_arns(arn)
            .send()
            .await
            .map_err(failed("elasticloadbalancing:DescribeTags"))?;
        Ok(out
            .tag_descriptions()
            .iter()
            .flat_map(|d| d.tags())
            .map(|t| {
                (
                    t.key().unwrap_or_default().to_string(),
                    t.value().unwrap_or_default().to_string(),
                )
            })
            .collect())
    }

    /// The stack's Elastic IPs (by tag), wherever they are attached.
    pub async fn addresses(&self, config: &Config) -> Result<Vec<Address>, CloudError> {
        let out = self
            .ec2
            .describe_addresses()
            .filters(
                Filter::builder()
                    .name(format!("tag:{STACK_TAG_KEY}"))
                    .values(&config.stack_tag)
                    .build(),
            )
            .send()
            .await
            .map_err(failed("ec2:DescribeAddresses"))?;
        Ok(out
            .addresses()
            .iter()
            // Only VPC addresses have an allocation id, and only those can be a meeting's.
            .filter_map(|a| {
                Some(Address {
                    allocation_id: a.allocation_id().filter(|id| !id.is_empty())?.to_string(),
                    public_ip: a.public_ip()?.to_string(),
                    associated: [a.association_id(), a.network_interface_id()]
                        .into_iter()
                        .any(|id| id.is_some_and(|id| !id.is_empty())),
                    allocated_at: tag(a.tags(), ALLOCATED_AT_TAG_KEY)
                        .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
                        .map(|t| t.with_timezone(&Utc)),
                    started_by: tag(a.tags(), STARTED_BY_TAG_KEY).map(str::to_string),
                })
            })
            .collect())
    }

    pub(super) async fn targets(&self, target_group_arn: &str) -> Result<Vec<Target>, CloudError> {
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
                let ip = d.target()?.id()?.to_string();
                let health = d.target_health();
                let reason = || {
                    health
                        .and_then(|h| {
                            h.description()
                                .map(str::to_string)
                                .or(h.reason().map(|r| r.as_str().to_string()))
                        })
                        .unwrap_or_default()
                };
                let health = match health.and_then(|h| h.state()) {
                    Some(TargetHealthStateEnum::Healthy) => TargetHealth::Healthy,
                    Some(TargetHealthStateEnum::Initial) => TargetHealth::Initial,
                    Some(TargetHealthStateEnum::Unhealthy) => TargetHealth::Unhealthy(reason()),
                    Some(TargetHealthStateEnum::Draining) => TargetHealth::Draining,
                    Some(TargetHealthStateEnum::Unused) => TargetHealth::Unused,
                    other => TargetHealth::Other(other.map(|s| s.as_str().to_string()).unwrap_or_default()),
                };
                Some(Target { ip, health })
            })
            .collect())
    }

    pub(super) async fn advertised(&self, config: &Config) -> Result<Advertised, CloudError> {
        let out = self
            .ssm
            .get_parameter()
            .name(&config.advertise_ips_parameter)
            .send()
            .await
            .map_err(failed("ssm:GetParameter"))?;
        let parameter = out.parameter();
        Ok(Advertised {
            value: parameter.and_then(|p| p.value()).unwrap_or_default().to_string(),
            modified_at: parameter.and_then(|p| p.last_modified_date()).and_then(to_chrono),
        })
    }

    pub(super) async fn dns_record(&self, config: &Config) -> Result<Option<DnsRecord>, CloudError> {
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
        Ok(out
            .resource_record_sets()
            .iter()
            .find(|r| r.name().trim_end_matches('.').eq_ignore_ascii_case(&dns.hostname) && r.r#type() == &RrType::A)
            .map(|r| DnsRecord {
                values: r.resource_records().iter().map(|v| v.value().to_string()).collect(),
                ttl: r.ttl().unwrap_or_default(),
            }))
    }

    /// The meeting load balancer's bytes per minute through its media (UDP) and web (TCP or TLS)
    /// listeners since it was created; `idle` decides what counts as use.
    pub(super) async fn traffic(&self, config: &Config, lb: &LoadBalancer, now: Time) -> Result<Traffic, CloudError> {
        use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat};
        let Some(dimension) = lb.metric_dimension() else {
            return Ok(Traffic::default());
        };
        let web = if config.certificate_arn.is_some() {
            "ProcessedBytes_TLS"
        } else {
            "ProcessedBytes_TCP"
        };
        let queries = [("media", "ProcessedBytes_UDP"), ("signalling", web)]
            .into_iter()
            .map(|(id, metric)| {
                MetricDataQuery::builder()
                    .id(id)
                    .metric_stat(
                        MetricStat::builder()
                            .metric(
                                Metric::builder()
                                    .namespace("AWS/NetworkELB")
                                    .metric_name(metric)
                                    .dimensions(Dimension::builder().name("LoadBalancer").value(dimension).build())
                                    .build(),
                            )
                            .period(60)
                            .stat("Sum")
                            .build(),
                    )
                    .build()
            });
        // A datapoint is stamped with the start of its minute: begin with the minute of creation.
        let created_minute = lb
            .created_at
            .duration_trunc(Duration::minutes(1))
            .unwrap_or(lb.created_at);
        let start = created_minute.max(now - config.idle.max_length - Duration::hours(1));
        let out = self
            .cloudwatch
            .get_metric_data()
            .set_metric_data_queries(Some(queries.collect()))
            .start_time(SmithyTime::from_secs(start.timestamp()))
            .end_time(SmithyTime::from_secs(now.timestamp() + 60))
            .send()
            .await
            .map_err(failed("cloudwatch:GetMetricData"))?;
        let mut minutes: Vec<TrafficMinute> = Vec::new();
        for result in out.metric_data_results() {
            let media = result.id() == Some("media");
            for (at, bytes) in result.timestamps().iter().zip(result.values()) {
                let Some(minute) = to_chrono(at) else { continue };
                let index = match minutes.iter().position(|m| m.minute == minute) {
                    Some(index) => index,
                    None => {
                        minutes.push(TrafficMinute {
                            minute,
                            media_bytes: 0.0,
                            signalling_bytes: 0.0,
                        });
                        minutes.len() - 1
                    }
                };
                if media {
                    minutes[index].media_bytes += bytes;
                } else {
                    minutes[index].signalling_bytes += bytes;
                }
            }
        }
        minutes.sort_by_key(|m| m.minute);
        Ok(Traffic { minutes })
    }
}

/// What ELB reports of a load balancer (DescribeLoadBalancers, and CreateLoadBalancer's answer).
pub(super) fn load_balancer(lb: &aws_sdk_elasticloadbalancingv2::types::LoadBalancer) -> LoadBalancer {
    let state = match lb.state().and_then(|s| s.code()) {
        Some(LoadBalancerStateEnum::Active) | Some(LoadBalancerStateEnum::ActiveImpaired) => LoadBalancerState::Active,
        Some(LoadBalancerStateEnum::Failed) => LoadBalancerState::Failed,
        _ => LoadBalancerState::Provisioning,
    };
    LoadBalancer {
        arn: lb.load_balancer_arn().unwrap_or_default().to_string(),
        dns_name: lb.dns_name().unwrap_or_default().to_string(),
        state,
        created_at: lb.created_time().and_then(to_chrono).unwrap_or_default(),
        addresses: lb
            .availability_zones()
            .iter()
            .flat_map(|zone| zone.load_balancer_addresses())
            .filter_map(|a| {
                Some(LoadBalancerAddress {
                    allocation_id: a.allocation_id()?.to_string(),
                    public_ip: a.ip_address()?.to_string(),
                })
            })
            .collect(),
        listeners: None,
    }
}

/// What ELB reports of a listener (DescribeListeners, and CreateListener's answer).
pub(super) fn listener(l: &aws_sdk_elasticloadbalancingv2::types::Listener) -> Listener {
    Listener {
        arn: l.listener_arn().unwrap_or_default().to_string(),
        spec: ListenerSpec {
            protocol: l.protocol().map(|p| p.as_str().to_string()).unwrap_or_default(),
            port: l.port().unwrap_or_default(),
            target_group_arn: l
                .default_actions()
                .iter()
                .find_map(|a| a.target_group_arn())
                .unwrap_or_default()
                .to_string(),
            certificate_arn: l
                .certificates()
                .iter()
                .find_map(|c| c.certificate_arn())
                .map(str::to_string),
        },
    }
}

fn tag<'a>(tags: &'a [aws_sdk_ec2::types::Tag], key: &str) -> Option<&'a str> {
    tags.iter().find(|t| t.key() == Some(key)).and_then(|t| t.value())
}
