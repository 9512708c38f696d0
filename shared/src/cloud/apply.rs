//! Changes: one [`Step`] at a time.

use super::describe::{listener, load_balancer};
use super::{failed, Aws, CloudError};
use crate::carry::Answer;
use crate::config::{Config, ALLOCATED_AT_TAG_KEY, DNS_TTL_SECONDS, STACK_TAG_KEY, STARTED_BY_TAG_KEY};
use crate::model::{DnsRecord, Time};
use crate::plan::Step;
use aws_sdk_ec2::types::{DomainType, ResourceType, Tag as Ec2Tag, TagSpecification};
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, Certificate, LoadBalancerSchemeEnum, LoadBalancerTypeEnum, ProtocolEnum, SubnetMapping,
    Tag as ElbTag, TargetDescription,
};
use aws_sdk_route53::types::{Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType};

/// True when the error says the thing is already gone (deleting twice is fine).
fn is_not_found<E>(error: &aws_sdk_ec2::error::SdkError<E>) -> bool
where
    E: aws_sdk_ec2::error::ProvideErrorMetadata,
{
    let code = error.as_service_error().and_then(|e| e.code()).unwrap_or_default();
    code.contains("NotFound")
}

impl Aws {
    /// Carries out `step`; the answer says what AWS created, for the rest of the run.
    pub async fn apply(&self, config: &Config, step: &Step, now: Time) -> Result<Answer, CloudError> {
        match step {
            Step::AllocateAddress { started_by } => {
                let tags = TagSpecification::builder()
                    .resource_type(ResourceType::ElasticIp)
                    .tags(ec2_tag(STACK_TAG_KEY, &config.stack_tag))
                    .tags(ec2_tag(ALLOCATED_AT_TAG_KEY, &now.to_rfc3339()))
                    .tags(ec2_tag(STARTED_BY_TAG_KEY, started_by))
                    .tags(ec2_tag("Name", &config.load_balancer_name))
                    .build();
                let out = self
                    .ec2
                    .allocate_address()
                    .domain(DomainType::Vpc)
                    .tag_specifications(tags)
                    .send()
                    .await
                    .map_err(failed("ec2:AllocateAddress"))?;
                if let (Some(allocation_id), Some(public_ip)) = (out.allocation_id(), out.public_ip()) {
                    return Ok(Answer::Allocated {
                        allocation_id: allocation_id.to_string(),
                        public_ip: public_ip.to_string(),
                    });
                }
            }
            Step::ReleaseAddress { allocation_id } => {
                match self.ec2.release_address().allocation_id(allocation_id).send().await {
                    Err(e) if !is_not_found(&e) => return Err(failed("ec2:ReleaseAddress")(e)),
                    _ => {}
                }
            }
            Step::CreateLoadBalancer { allocation_id } => {
                let out = self
                    .elb
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
                    .send()
                    .await
                    .map_err(failed("elasticloadbalancing:CreateLoadBalancer"))?;
                if let Some(lb) = out.load_balancers().first() {
                    return Ok(Answer::LoadBalancer(load_balancer(lb)));
                }
            }
            Step::DeleteLoadBalancer { arn } => {
                // Found by name: one this stack did not tag is not ours to delete.
                let tags = self.load_balancer_tags(arn).await?;
                if !tags.iter().any(|(k, v)| k == STACK_TAG_KEY && v == &config.stack_tag) {
                    return Err(CloudError {
                        operation: "elasticloadbalancing:DeleteLoadBalancer",
                        message: format!(
                            "load balancer {arn} has this stack's name but not its tag {STACK_TAG_KEY}={}: not deleting it; rename or delete it yourself",
                            config.stack_tag
                        ),
                    });
                }
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
                let out = self
                    .elb
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
                if let Some(created) = out.listeners().first() {
                    return Ok(Answer::Listener(listener(created)));
                }
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
                    ttl: DNS_TTL_SECONDS,
                };
                self.change_dns(config, ChangeAction::Upsert, &record).await?;
            }
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
        // A create step that got here was answered without what it created: `record` says so.
        Ok(Answer::Done)
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
}

fn ec2_tag(key: &str, value: &str) -> Ec2Tag {
    Ec2Tag::builder().key(key).value(value).build()
}

fn target_descriptions(ips: &[String]) -> Vec<TargetDescription> {
    ips.iter()
        .map(|ip| TargetDescription::builder().id(ip).build())
        .collect()
}
