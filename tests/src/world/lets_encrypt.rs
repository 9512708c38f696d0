//! A world without a domain whose meetings get a Let's Encrypt certificate for their address,
//! from Pebble on loopback.

use super::World;
use crate::pebble::Pebble;
use aws_sdk_ec2::types::{Filter, IpPermission, IpRange};
use aws_sdk_elasticloadbalancingv2::types::{ProtocolEnum, TargetTypeEnum};
use aws_sdk_ssm::types::ParameterType;
use lifecycle::config::AcmeConfig;

impl World {
    /// As terraform/target_groups.tf's http group and lambdas.tf's ACME settings: the port 80
    /// group (TCP, health-checked on its port, which the task's security group admits from the
    /// VPC), the records' path, the account's parameter and the extra roots (Pebble's).
    pub async fn with_lets_encrypt(mut self, pebble: &Pebble) -> Self {
        let name = self.name.clone();
        let ec2 = aws_sdk_ec2::Client::new(&self.h.sdk);
        let groups = ec2
            .describe_security_groups()
            .filters(
                Filter::builder()
                    .name("group-name")
                    .values(format!("{name}-task"))
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let group = groups.security_groups()[0].group_id().unwrap().to_string();
        let vpc = groups.security_groups()[0].vpc_id().unwrap().to_string();
        ec2.authorize_security_group_ingress()
            .group_id(&group)
            .ip_permissions(
                IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(80)
                    .to_port(80)
                    .ip_ranges(IpRange::builder().cidr_ip("10.0.0.0/16").build())
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let http = aws_sdk_elasticloadbalancingv2::Client::new(&self.h.sdk)
            .create_target_group()
            .name(format!("{name}-http"))
            .protocol(ProtocolEnum::Tcp)
            .port(80)
            .vpc_id(vpc)
            .target_type(TargetTypeEnum::Ip)
            .health_check_protocol(ProtocolEnum::Tcp)
            .health_check_port("traffic-port")
            .health_check_interval_seconds(10)
            .healthy_threshold_count(2)
            .unhealthy_threshold_count(2)
            .send()
            .await
            .unwrap();
        let http_target_group_arn = http.target_groups()[0].target_group_arn().unwrap().to_string();
        let extra_roots = format!("/{name}/acme/extra-roots");
        aws_sdk_ssm::Client::new(&self.h.sdk)
            .put_parameter()
            .name(&extra_roots)
            .value(&pebble.trusted_roots_pem)
            .r#type(ParameterType::String)
            .send()
            .await
            .unwrap();
        self.h.app.config.acme = Some(AcmeConfig {
            directory_url: pebble.directory_url.clone(),
            records_path: format!("/{name}/certificates"),
            account_parameter: format!("/{name}/acme/account"),
            extra_roots_parameter: Some(extra_roots),
            http_target_group_arn,
        });
        self
    }
}
