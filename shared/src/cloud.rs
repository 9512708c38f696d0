//! The one seam to AWS: `observe` reads a [`Snapshot`], `apply` carries out one [`Step`].
//! No decisions here; they live in `plan`.

use crate::config::{Config, ALLOCATED_AT_TAG_KEY, ALLOCATION_TAG_KEY, STACK_TAG_KEY};
use crate::model::*;
use crate::plan::Step;
use aws_config::SdkConfig;
use aws_sdk_ec2::types::{DomainType, Filter, ResourceType, Tag as Ec2Tag, TagSpecification};
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, Certificate, LoadBalancerSchemeEnum, LoadBalancerStateEnum, LoadBalancerTypeEnum,
    ProtocolEnum, SubnetMapping, Tag as ElbTag, TargetDescription, TargetHealthStateEnum,
};
use aws_sdk_route53::types::{Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType};
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::DateTime as SmithyTime;
use chrono::{DateTime, Duration, DurationRound, Utc};
use std::fmt;

/// An AWS call that failed, named so that a status document or log says what failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudError {
    pub operation: &'static str,
    pub message: String,
}

impl fmt::Display for CloudError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: {}", self.operation, self.message)
    }
}

impl std::error::Error for CloudError {}

fn failed<E: std::error::Error>(operation: &'static str) -> impl FnOnce(E) -> CloudError {
    move |error| CloudError {
        operation,
        message: DisplayErrorContext(&error).to_string(),
    }
}

/// True when the error says the thing is already gone (deleting twice is fine).
fn is_not_found<E>(error: &aws_sdk_ec2::error::SdkError<E>) -> bool
where
    E: aws_sdk_ec2::error::ProvideErrorMetadata,
{
    let code = error.as_service_error().and_then(|e| e.code()).unwrap_or_default();
    code.contains("NotFound")
}

#[derive(Debug, Clone)]
pub struct Aws {
    ecs: aws_sdk_ecs::Client,
    elb: aws_sdk_elasticloadbalancingv2::Client,
    ec2: aws_sdk_ec2::Client,
    ssm: aws_sdk_ssm::Client,
    route53: aws_sdk_route53::Client,
    cloudwatch: aws_sdk_cloudwatch::Client,
}

impl Aws {
    pub fn new(sdk: &SdkConfig) -> Self {
        Self {
            ecs: aws_sdk_ecs::Client::new(sdk),
            elb: aws_sdk_elasticloadbalancingv2::Client::new(sdk),
            ec2: aws_sdk_ec2::Client::new(sdk),
            ssm: aws_sdk_ssm::Client::new(sdk),
            route53: aws_sdk_route53::Client::new(sdk),
            cloudwatch: aws_sdk_cloudwatch::Client::new(sdk),
        }
    }

    /// Reads everything the plan needs, the independent calls at once. Flow activity is read
    /// only when asked for (CloudWatch bills per metric read).
    pub async fn observe(&self, config: &Config, with_activity: bool, now: Time) -> Result<Snapshot, CloudError> {
        // SDK futures are large; boxed, eight of them at once stay off the stack.
        let (desired_count, tasks, load_balancers, addresses, jvb_targets, web_targets, advertised, dns_record) = tokio::try_join!(
            Box::pin(self.desired_count(config)),
            Box::pin(self.tasks(config)),
            Box::pin(self.load_balancers(config)),
            Box::pin(self.addresses(config)),
            Box::pin(self.targets(&config.jvb_target_group_arn)),
            Box::pin(self.targets(&config.web_target_group_arn)),
            Box::pin(self.advertised(config)),
            Box::pin(self.dns_record(config)),
        )?;
        let mut snapshot = Snapshot {
            desired_count,
            tasks,
            load_balancers,
            addresses,
            jvb_targets,
            web_targets,
            advertised,
            dns_record,
            activity: None,
        };
        if with_activity {
            if let Some(lb) = snapshot.meeting_load_balancer() {
                snapshot.activity = Some(Box::pin(self.activity(config, lb, now)).await?);
            }
        }
        Ok(snapshot)
    }

    async fn desired_count(&self, config: &Config) -> Result<i32, CloudError> {
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

    async fn tasks(&self, config: &Config) -> Result<Vec<Task>, CloudError> {
        use aws_sdk_ecs::types::DesiredStatus;
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

    async fn load_balancers(&self, config: &Config) -> Result<Vec<LoadBalancer>, CloudError> {
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
        let mut found = Vec::new();
        for lb in out.load_balancers() {
            let arn = lb.load_balancer_arn().unwrap_or_default().to_string();
            let (listeners, tags) =
                tokio::try_join!(Box::pin(self.listeners(&arn)), Box::pin(self.load_balancer_tags(&arn)))?;
            // Only what this stack made: a same-named load balancer of someone else is not ours to delete.
            if !tags.iter().any(|(k, v)| k == STACK_TAG_KEY && v == &config.stack_tag) {
                continue;
            }
            let state = match lb.state().and_then(|s| s.code()) {
                Some(LoadBalancerStateEnum::Active) | Some(LoadBalancerStateEnum::ActiveImpaired) => {
                    LoadBalancerState::Active
                }
                Some(LoadBalancerStateEnum::Failed) => LoadBalancerState::Failed,
                _ => LoadBalancerState::Provisioning,
            };
            found.push(LoadBalancer {
                dns_name: lb.dns_name().unwrap_or_default().to_string(),
                state,
                created_at: lb.created_time().and_then(to_chrono).unwrap_or_default(),
                allocation_id: tags
                    .iter()
                    .find(|(k, _)| k == ALLOCATION_TAG_KEY)
                    .map(|(_, v)| v.clone()),
                listeners,
                arn,
            });
        }
        Ok(found)
    }

    async fn listeners(&self, load_balancer_arn: &str) -> Result<Vec<Listener>, CloudError> {
        let out = self
            .elb
            .describe_listeners()
            .load_balancer_arn(load_balancer_arn)
            .send()
            .await
            .map_err(failed("elasticloadbalancing:DescribeListeners"))?;
        Ok(out
            .listeners()
            .iter()
            .map(|l| Listener {
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
            })
            .collect())
    }

    async fn load_balancer_tags(&self, arn: &str) -> Result<Vec<(String, String)>, CloudError> {
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

    async fn addresses(&self, config: &Config) -> Result<Vec<Address>, CloudError> {
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
            .map(|a| Address {
                allocation_id: a.allocation_id().unwrap_or_default().to_string(),
                public_ip: a.public_ip().unwrap_or_default().to_string(),
                associated: [a.association_id(), a.network_interface_id()]
                    .into_iter()
                    .any(|id| id.is_some_and(|id| !id.is_empty())),
                allocated_at: a
                    .tags()
                    .iter()
                    .find(|t| t.key() == Some(ALLOCATED_AT_TAG_KEY))
                    .and_then(|t| t.value())
                    .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
                    .map(|t| t.with_timezone(&Utc)),
            })
            .collect())
    }

    async fn targets(&self, target_group_arn: &str) -> Result<Vec<Target>, CloudError> {
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

    async fn advertised(&self, config: &Config) -> Result<Advertised, CloudError> {
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

    async fn dns_record(&self, config: &Config) -> Result<Option<DnsRecord>, CloudError> {
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

    /// The last minute with a client flow on the media (UDP) or signalling (TCP/TLS) listener.
    async fn activity(&self, config: &Config, lb: &LoadBalancer, now: Time) -> Result<Activity, CloudError> {
        use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat};
        let Some(dimension) = lb.metric_dimension() else {
            return Ok(Activity::default());
        };
        let signalling = if config.certificate_arn.is_some() {
            "ActiveFlowCount_TLS"
        } else {
            "ActiveFlowCount_TCP"
        };
        let queries = ["ActiveFlowCount_UDP", signalling]
            .into_iter()
            .enumerate()
            .map(|(i, metric)| {
                MetricDataQuery::builder()
                    .id(format!("flows{i}"))
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
                            .stat("Maximum")
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
        let last_active = out
            .metric_data_results()
            .iter()
            .flat_map(|r| r.timestamps().iter().zip(r.values()))
            .filter(|(_, value)| **value > 0.0)
            .filter_map(|(at, _)| to_chrono(at))
            .max()
            .map(|minute| minute + Duration::minutes(1));
        Ok(Activity { last_active })
    }

    pub async fn apply(&self, config: &Config, step: &Step, now: Time) -> Result<(), CloudError> {
        match step {
            Step::AllocateAddress => {
                let tags = TagSpecification::builder()
                    .resource_type(ResourceType::ElasticIp)
                    .tags(ec2_tag(STACK_TAG_KEY, &config.stack_tag))
                    .tags(ec2_tag(ALLOCATED_AT_TAG_KEY, &now.to_rfc3339()))
                    .tags(ec2_tag("Name", &config.load_balancer_name))
                    .build();
                self.ec2
                    .allocate_address()
                    .domain(DomainType::Vpc)
                    .tag_specifications(tags)
                    .send()
                    .await
                    .map_err(failed("ec2:AllocateAddress"))?;
            }
            Step::ReleaseAddress { allocation_id } => {
                match self.ec2.release_address().allocation_id(allocation_id).send().await {
                    Err(e) if !is_not_found(&e) => return Err(failed("ec2:ReleaseAddress")(e)),
                    _ => {}
                }
            }
            Step::CreateLoadBalancer { allocation_id } => {
                self.elb
                    .create_load_balancer()
                    .name(&config.load_balancer_name)
                    .r#type(LoadBalancerTypeEnum::Network)
                    .scheme(LoadBalancerSchemeEnum::InternetFacing)
                    .subnet_mappings(
                        SubnetMapping::builder()
                            .subnet_id(&config.subnet_id)
                            .allocation_id(allocation_id)
                            .build(),
                    )
                    .tags(ElbTag::builder().key(STACK_TAG_KEY).value(&config.stack_tag).build())
                    .tags(ElbTag::builder().key(ALLOCATION_TAG_KEY).value(allocation_id).build())
                    .send()
                    .await
                    .map_err(failed("elasticloadbalancing:CreateLoadBalancer"))?;
            }
            Step::DeleteLoadBalancer { arn } => {
                self.elb
                    .delete_load_balancer()
                    .load_balancer_arn(arn)
                    .send()
                    .await
                    .map_err(failed("elasticloadbalancing:DeleteLoadBalancer"))?;
            }
            Step::CreateListener {
                load_balancer_arn,
                spec,
            } => {
                let action = Action::builder()
                    .r#type(ActionTypeEnum::Forward)
                    .target_group_arn(&spec.target_group_arn)
                    .build();
                self.elb
                    .create_listener()
                    .load_balancer_arn(load_balancer_arn)
                    .protocol(ProtocolEnum::from(spec.protocol.as_str()))
                    .port(spec.port)
                    .default_actions(action)
                    .set_certificates(
                        spec.certificate_arn
                            .as_ref()
                            .map(|arn| vec![Certificate::builder().certificate_arn(arn).build()]),
                    )
                    .send()
                    .await
                    .map_err(failed("elasticloadbalancing:CreateListener"))?;
            }
            Step::DeleteListener { arn } => {
                self.elb
                    .delete_listener()
                    .listener_arn(arn)
                    .send()
                    .await
                    .map_err(failed("elasticloadbalancing:DeleteListener"))?;
            }
            Step::RegisterTargets { target_group_arn, ips } => {
                self.elb
                    .register_targets()
                    .target_group_arn(target_group_arn)
                    .set_targets(Some(target_descriptions(ips)))
                    .send()
                    .await
                    .map_err(failed("elasticloadbalancing:RegisterTargets"))?;
            }
            Step::DeregisterTargets { target_group_arn, ips } => {
                self.elb
                    .deregister_targets()
                    .target_group_arn(target_group_arn)
                    .set_targets(Some(target_descriptions(ips)))
                    .send()
                    .await
                    .map_err(failed("elasticloadbalancing:DeregisterTargets"))?;
            }
            Step::WriteAdvertisedIps { value } => {
                self.ssm
                    .put_parameter()
                    .name(&config.advertise_ips_parameter)
                    .value(value)
                    .overwrite(true)
                    .send()
                    .await
                    .map_err(failed("ssm:PutParameter"))?;
            }
            Step::UpsertDnsRecord { ip } => {
                let record = DnsRecord {
                    values: vec![ip.clone()],
                    ttl: 60,
                };
                self.change_dns(config, ChangeAction::Upsert, &record).await?;
            }
            Step::DeleteDnsRecord { record } => self.change_dns(config, ChangeAction::Delete, record).await?,
            Step::SetDesiredCount(count) => {
                self.ecs
                    .update_service()
                    .cluster(&config.cluster)
                    .service(&config.service)
                    .desired_count(*count)
                    .send()
                    .await
                    .map_err(failed("ecs:UpdateService"))?;
            }
            Step::StopTask { arn } => {
                self.ecs
                    .stop_task()
                    .cluster(&config.cluster)
                    .task(arn)
                    .reason("jitsi-on-demand: advertised IPs changed since this task started")
                    .send()
                    .await
                    .map_err(failed("ecs:StopTask"))?;
            }
        }
        Ok(())
    }

    async fn change_dns(&self, config: &Config, action: ChangeAction, record: &DnsRecord) -> Result<(), CloudError> {
        const OPERATION: &str = "route53:ChangeResourceRecordSets";
        let Some(dns) = &config.dns else {
            return Ok(());
        };
        let invalid = |e: aws_sdk_route53::error::BuildError| CloudError {
            operation: OPERATION,
            message: e.to_string(),
        };
        let mut set = ResourceRecordSet::builder()
            .name(&dns.hostname)
            .r#type(RrType::A)
            .ttl(record.ttl);
        for value in &record.values {
            set = set.resource_records(ResourceRecord::builder().value(value).build().map_err(invalid)?);
        }
        let change = Change::builder()
            .action(action)
            .resource_record_set(set.build().map_err(invalid)?)
            .build();
        let batch = ChangeBatch::builder()
            .changes(change.map_err(invalid)?)
            .build()
            .map_err(invalid)?;
        self.route53
            .change_resource_record_sets()
            .hosted_zone_id(&dns.hosted_zone_id)
            .change_batch(batch)
            .send()
            .await
            .map_err(failed(OPERATION))?;
        Ok(())
    }

    /// The start secret's SHA-256, hex. Read once per cold start.
    pub async fn secret_hash(&self, config: &Config) -> Result<String, CloudError> {
        let out = self
            .ssm
            .get_parameter()
            .name(&config.start_secret_hash_parameter)
            .with_decryption(true)
            .send()
            .await
            .map_err(failed("ssm:GetParameter"))?;
        Ok(out
            .parameter()
            .and_then(|p| p.value())
            .unwrap_or_default()
            .trim()
            .to_string())
    }
}

fn ec2_tag(key: &str, value: &str) -> Ec2Tag {
    Ec2Tag::builder().key(key).value(value).build()
}

fn target_descriptions(ips: &[String]) -> Vec<TargetDescription> {
    ips.iter()
        .map(|ip| TargetDescription::builder().id(ip).build())
        .collect()
}

fn to_chrono(time: &SmithyTime) -> Option<Time> {
    DateTime::from_timestamp(time.secs(), time.subsec_nanos())
}
