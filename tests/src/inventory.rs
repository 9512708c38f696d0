//! What exists in the emulated account, read directly through the SDK, independently of the
//! code under test, so that assertions do not trust what they check.

use aws_config::SdkConfig;
use lifecycle::config::{Config, STACK_TAG_KEY};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inventory {
    pub desired_count: i32,
    pub load_balancers: Vec<String>,
    /// (protocol, port, target group) of every listener on every load balancer.
    pub listeners: Vec<(String, i32, String)>,
    /// Public IPs of the stack's Elastic IPs.
    pub addresses: Vec<String>,
    pub jvb_targets: Vec<String>,
    pub web_targets: Vec<String>,
    pub advertised: String,
    /// (private IP, last status) of every task of the service ECS still reports, stopped ones included.
    pub tasks: Vec<(String, String)>,
    /// The meeting hostname's A record values, with a custom domain.
    pub dns_record: Vec<String>,
    /// Where the hostname points while idle, with a custom domain.
    pub dns_idle_address: Option<String>,
}

impl Inventory {
    pub async fn read(sdk: &SdkConfig, config: &Config) -> Self {
        let ecs = aws_sdk_ecs::Client::new(sdk);
        let elb = aws_sdk_elasticloadbalancingv2::Client::new(sdk);
        // Independent reads at once; boxed, as SDK futures are large.
        let (
            desired_count,
            (load_balancers, listeners),
            addresses,
            jvb_targets,
            web_targets,
            advertised,
            tasks,
            dns_record,
        ) = tokio::join!(
            Box::pin(desired_count(&ecs, config)),
            Box::pin(load_balancers(&elb, config)),
            Box::pin(addresses(sdk, config)),
            Box::pin(targets(&elb, &config.jvb_target_group_arn)),
            Box::pin(targets(&elb, &config.web_target_group_arn)),
            Box::pin(advertised(sdk, config)),
            Box::pin(tasks(&ecs, config)),
            Box::pin(dns_record(sdk, config)),
        );
        Self {
            desired_count,
            load_balancers,
            listeners,
            addresses,
            jvb_targets,
            web_targets,
            advertised,
            tasks,
            dns_record,
            dns_idle_address: config.dns.as_ref().map(|dns| dns.idle_address.clone()),
        }
    }

    /// IPs of the tasks that have not stopped.
    pub fn present_task_ips(&self) -> Vec<&str> {
        self.tasks
            .iter()
            .filter(|(_, status)| status != "STOPPED")
            .map(|(ip, _)| ip.as_str())
            .collect()
    }

    /// Nothing that bills while idle, nothing registered, no meeting wanted, no task left.
    pub fn is_idle(&self) -> bool {
        self.desired_count == 0
            && self.present_task_ips().is_empty()
            && self.load_balancers.is_empty()
            && self.addresses.is_empty()
            && self.jvb_targets.is_empty()
            && self.web_targets.is_empty()
            && match &self.dns_idle_address {
                None => self.dns_record.is_empty(),
                Some(idle) => self.dns_record == [idle.clone()],
            }
    }
}

async fn dns_record(sdk: &SdkConfig, config: &Config) -> Vec<String> {
    let Some(dns) = &config.dns else {
        return Vec::new();
    };
    let out = aws_sdk_route53::Client::new(sdk)
        .list_resource_record_sets()
        .hosted_zone_id(&dns.hosted_zone_id)
        .send()
        .await
        .unwrap();
    out.resource_record_sets()
        .iter()
        .filter(|r| r.name().trim_end_matches('.') == dns.hostname && r.r#type().as_str() == "A")
        .flat_map(|r| r.resource_records().iter().map(|v| v.value().to_string()))
        .collect()
}

async fn tasks(ecs: &aws_sdk_ecs::Client, config: &Config) -> Vec<(String, String)> {
    use aws_sdk_ecs::types::DesiredStatus;
    let mut arns = Vec::new();
    for status in [DesiredStatus::Running, DesiredStatus::Stopped] {
        let out = ecs
            .list_tasks()
            .cluster(&config.cluster)
            .desired_status(status)
            .send()
            .await
            .unwrap();
        arns.extend(out.task_arns().iter().cloned());
    }
    if arns.is_empty() {
        return Vec::new();
    }
    let described = ecs
        .describe_tasks()
        .cluster(&config.cluster)
        .set_tasks(Some(arns))
        .send()
        .await
        .unwrap();
    let group = config.task_group();
    let mut tasks: Vec<(String, String)> = described
        .tasks()
        .iter()
        .filter(|t| t.group() == Some(group.as_str()))
        .map(|t| {
            let ip = t
                .attachments()
                .iter()
                .flat_map(|a| a.details())
                .find(|d| d.name() == Some("privateIPv4Address"))
                .and_then(|d| d.value())
                .unwrap_or_default();
            (ip.to_string(), t.last_status().unwrap_or_default().to_string())
        })
        .collect();
    tasks.sort();
    tasks
}

async fn desired_count(ecs: &aws_sdk_ecs::Client, config: &Config) -> i32 {
    let out = ecs
        .describe_services()
        .cluster(&config.cluster)
        .services(&config.service)
        .send()
        .await
        .unwrap();
    out.services()[0].desired_count()
}

/// ARNs of the load balancers with the meeting's name, and all their listeners.
async fn load_balancers(
    elb: &aws_sdk_elasticloadbalancingv2::Client,
    config: &Config,
) -> (Vec<String>, Vec<(String, i32, String)>) {
    let out = elb.describe_load_balancers().send().await.unwrap();
    let arns: Vec<String> = out
        .load_balancers()
        .iter()
        .filter(|lb| lb.load_balancer_name() == Some(config.load_balancer_name.as_str()))
        .filter_map(|lb| lb.load_balancer_arn().map(str::to_string))
        .collect();
    let mut listeners = Vec::new();
    for arn in &arns {
        let out = elb.describe_listeners().load_balancer_arn(arn).send().await.unwrap();
        for l in out.listeners() {
            let target = l
                .default_actions()
                .iter()
                .find_map(|a| a.target_group_arn())
                .unwrap_or_default();
            listeners.push((
                l.protocol().unwrap().as_str().to_string(),
                l.port().unwrap(),
                target.to_string(),
            ));
        }
    }
    listeners.sort();
    (arns, listeners)
}

async fn addresses(sdk: &SdkConfig, config: &Config) -> Vec<String> {
    stack_addresses(sdk, config)
        .await
        .iter()
        .filter_map(|a| a.public_ip().map(str::to_string))
        .collect()
}

/// The stack's Elastic IPs (by tag), as DescribeAddresses lists them.
pub async fn stack_addresses(sdk: &SdkConfig, config: &Config) -> Vec<aws_sdk_ec2::types::Address> {
    let out = aws_sdk_ec2::Client::new(sdk)
        .describe_addresses()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name(format!("tag:{STACK_TAG_KEY}"))
                .values(&config.stack_tag)
                .build(),
        )
        .send()
        .await
        .unwrap();
    out.addresses().to_vec()
}

async fn targets(elb: &aws_sdk_elasticloadbalancingv2::Client, target_group_arn: &str) -> Vec<String> {
    let out = elb
        .describe_target_health()
        .target_group_arn(target_group_arn)
        .send()
        .await
        .unwrap();
    let mut ips: Vec<String> = out
        .target_health_descriptions()
        .iter()
        .filter_map(|d| d.target().and_then(|t| t.id()).map(str::to_string))
        .collect();
    ips.sort();
    ips
}

async fn advertised(sdk: &SdkConfig, config: &Config) -> String {
    let out = aws_sdk_ssm::Client::new(sdk)
        .get_parameter()
        .name(&config.advertise_ips_parameter)
        .send()
        .await
        .unwrap();
    out.parameter().and_then(|p| p.value()).unwrap_or_default().to_string()
}
