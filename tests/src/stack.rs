//! The part of the Terraform stack the functions touch, made through the SDK in well under a
//! second, so that each test gets a fresh one. (`make test` also applies the real Terraform.)

use aws_config::SdkConfig;
use aws_sdk_ec2::types::{AttributeBooleanValue, IpPermission, IpRange, ResourceType, Tag, TagSpecification};
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, ContainerDefinition, LaunchType, NetworkConfiguration, NetworkMode,
};
use aws_sdk_elasticloadbalancingv2::types::{Matcher, ProtocolEnum, TargetGroupAttribute, TargetTypeEnum};
use aws_sdk_ssm::types::ParameterType;
use lifecycle::config::Config;
use std::collections::HashMap;

/// The VPC's CIDR; the NLB's nodes, and so its health checks, come from inside it.
const VPC_CIDR: &str = "10.0.0.0/16";
/// JVB's health endpoint (terraform/target_groups.tf: the jvb group's HTTP health check).
const HEALTH_PORT: i32 = 8080;
/// The web target group's port (TCP without a custom domain), health-checked on it.
const WEB_PORT: i32 = 443;

pub struct Stack {
    pub config: Config,
    /// The start secret in clear; only its hash is in SSM.
    pub secret: String,
    pub vars: HashMap<String, String>,
}

impl Stack {
    /// A stack named `name`: VPC, subnet, security group (with Terraform's ingress rules),
    /// cluster, task definition, service at desired count 0, the two target groups (with
    /// Terraform's health checks) and the SSM parameters.
    pub async fn create(sdk: &SdkConfig, name: &str) -> Self {
        let ec2 = aws_sdk_ec2::Client::new(sdk);
        let ecs = aws_sdk_ecs::Client::new(sdk);
        let elb = aws_sdk_elasticloadbalancingv2::Client::new(sdk);
        let ssm = aws_sdk_ssm::Client::new(sdk);

        let name_tag = TagSpecification::builder()
            .resource_type(ResourceType::Vpc)
            .tags(Tag::builder().key("Name").value(name).build())
            .build();
        let vpc = ec2
            .create_vpc()
            .cidr_block(VPC_CIDR)
            .tag_specifications(name_tag)
            .send()
            .await
            .unwrap();
        let vpc_id = vpc.vpc().and_then(|v| v.vpc_id()).unwrap().to_string();
        ec2.modify_vpc_attribute()
            .vpc_id(&vpc_id)
            .enable_dns_hostnames(AttributeBooleanValue::builder().value(true).build())
            .send()
            .await
            .unwrap();
        let subnet = ec2
            .create_subnet()
            .vpc_id(&vpc_id)
            .cidr_block("10.0.1.0/24")
            .availability_zone("us-east-1a")
            .send()
            .await
            .unwrap();
        let subnet_id = subnet.subnet().and_then(|s| s.subnet_id()).unwrap().to_string();
        let group = ec2
            .create_security_group()
            .group_name(format!("{name}-task"))
            .description("jitsi task")
            .vpc_id(&vpc_id)
            .send()
            .await
            .unwrap();
        let group_id = group.group_id().unwrap().to_string();
        // As terraform/main.tf's task_ingress: media from anywhere (a UDP target group always
        // preserves client IPs); JVB's health check and web (health check on its traffic port, and
        // its traffic, client IP preservation being off) from the NLB nodes in the VPC. As AWS, the
        // local AWS marks a target healthy only if its security group admits the health check from
        // the NLB's nodes (their private IPs in the VPC: the VPC CIDR rule covers them).
        let rule = |protocol: &str, port: i32, cidr: &str| {
            IpPermission::builder()
                .ip_protocol(protocol)
                .from_port(port)
                .to_port(port)
                .ip_ranges(IpRange::builder().cidr_ip(cidr).build())
                .build()
        };
        ec2.authorize_security_group_ingress()
            .group_id(&group_id)
            .ip_permissions(rule("udp", 10000, "0.0.0.0/0"))
            .ip_permissions(rule("tcp", WEB_PORT, VPC_CIDR))
            .ip_permissions(rule("tcp", HEALTH_PORT, VPC_CIDR))
            .send()
            .await
            .unwrap();

        ecs.create_cluster().cluster_name(name).send().await.unwrap();
        let container = ContainerDefinition::builder()
            .name("jvb")
            .image("jitsi/jvb:stable")
            .memory(1024)
            .build();
        let task_definition = ecs
            .register_task_definition()
            .family(name)
            .network_mode(NetworkMode::Awsvpc)
            .requires_compatibilities(aws_sdk_ecs::types::Compatibility::Fargate)
            .cpu("2048")
            .memory("4096")
            .container_definitions(container)
            .send()
            .await
            .unwrap();
        let task_definition_arn = task_definition
            .task_definition()
            .and_then(|t| t.task_definition_arn())
            .unwrap()
            .to_string();
        let network = NetworkConfiguration::builder()
            .awsvpc_configuration(
                AwsVpcConfiguration::builder()
                    .subnets(&subnet_id)
                    .security_groups(&group_id)
                    .assign_public_ip(AssignPublicIp::Enabled)
                    .build()
                    .unwrap(),
            )
            .build();
        ecs.create_service()
            .cluster(name)
            .service_name(name)
            .task_definition(&task_definition_arn)
            .desired_count(0)
            .launch_type(LaunchType::Fargate)
            .network_configuration(network)
            .send()
            .await
            .unwrap();

        // As terraform/target_groups.tf: JVB (UDP) is checked over HTTP on its health endpoint,
        // the web group (TCP 443 without a custom domain) over TCP on its traffic port.
        let target_group = |suffix: &str, protocol: ProtocolEnum, port: i32| {
            elb.create_target_group()
                .name(format!("{name}-{suffix}"))
                .protocol(protocol)
                .port(port)
                .vpc_id(&vpc_id)
                .target_type(TargetTypeEnum::Ip)
                .health_check_interval_seconds(10)
                .healthy_threshold_count(2)
                .unhealthy_threshold_count(2)
        };
        let arn = |out: aws_sdk_elasticloadbalancingv2::operation::create_target_group::CreateTargetGroupOutput| {
            out.target_groups()[0].target_group_arn().unwrap().to_string()
        };
        let jvb = target_group("jvb", ProtocolEnum::Udp, 10000)
            .health_check_protocol(ProtocolEnum::Http)
            .health_check_port(HEALTH_PORT.to_string())
            .health_check_path("/about/health")
            .matcher(Matcher::builder().http_code("200").build())
            .send()
            .await
            .map(arn)
            .unwrap();
        let web = target_group("web", ProtocolEnum::Tcp, WEB_PORT)
            .health_check_protocol(ProtocolEnum::Tcp)
            .health_check_port("traffic-port")
            .send()
            .await
            .map(arn)
            .unwrap();
        elb.modify_target_group_attributes()
            .target_group_arn(&web)
            .attributes(
                TargetGroupAttribute::builder()
                    .key("preserve_client_ip.enabled")
                    .value("false")
                    .build(),
            )
            .send()
            .await
            .unwrap();

        let secret = format!("{name}-secret-{}", std::process::id());
        let put = |parameter: String, value: String, kind: ParameterType| {
            let request = ssm
                .put_parameter()
                .name(parameter)
                .value(value)
                .r#type(kind)
                .overwrite(true);
            async move { request.send().await.unwrap() }
        };
        put(
            format!("/{name}/advertise-ips"),
            "0.0.0.0".into(),
            ParameterType::String,
        )
        .await;
        put(
            format!("/{name}/start-secret-hash"),
            lifecycle::secret::hash_hex(&secret),
            ParameterType::SecureString,
        )
        .await;
        // The moderator tokens' signing key (Terraform generates it at deploy).
        put(
            format!("/{name}/jitsi/JWT_APP_SECRET"),
            format!("{name}-jwt-key-{}", std::process::id()),
            ParameterType::SecureString,
        )
        .await;

        let vars: HashMap<String, String> = [
            ("CLUSTER_NAME", name.to_string()),
            ("SERVICE_NAME", name.to_string()),
            ("SUBNET_ID", subnet_id),
            ("JVB_TARGET_GROUP_ARN", jvb),
            ("WEB_TARGET_GROUP_ARN", web),
            ("LOAD_BALANCER_NAME", format!("{name}-meeting")),
            ("ADVERTISE_IPS_PARAMETER", format!("/{name}/advertise-ips")),
            ("START_SECRET_HASH_PARAMETER", format!("/{name}/start-secret-hash")),
            ("JWT_APP_ID", format!("{name}-app")),
            ("JWT_SECRET_PARAMETER", format!("/{name}/jitsi/JWT_APP_SECRET")),
            ("STACK_TAG", name.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let config = Config::from_vars(&vars).expect("the stack's settings are valid");
        Self { config, secret, vars }
    }
}
