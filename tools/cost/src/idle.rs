//! Which Terraform resource types bill while no meeting runs. Every type in terraform/ must be in one of
//! the two lists (a test checks it): a new type is priced deliberately or reported as unchecked.

use serde::Serialize;
use std::collections::BTreeSet;

/// Free while idle: networking without NAT or endpoints, IAM, an ECS service at 0 tasks, target
/// groups without a load balancer, an HTTP namespace with no instances, public ACM certificates.
const FREE_WHILE_IDLE: &[&str] = &[
    "aws_acm_certificate",
    "aws_acm_certificate_validation",
    "aws_cloudwatch_event_target",
    "aws_default_security_group",
    "aws_ecs_cluster",
    "aws_ecs_cluster_capacity_providers",
    "aws_ecs_service",
    "aws_ecs_task_definition",
    "aws_iam_role",
    "aws_iam_role_policy",
    "aws_internet_gateway",
    "aws_lambda_function_url",
    "aws_lambda_permission",
    "aws_lb_target_group",
    "aws_route",
    "aws_route_table",
    "aws_route_table_association",
    // Scheduler invocations are free up to 14 million a month (AWS Price List, EventBridge
    // Scheduler); a window fires once a day or so. Groups cost nothing.
    "aws_scheduler_schedule",
    "aws_scheduler_schedule_group",
    "aws_security_group",
    "aws_service_discovery_http_namespace",
    "aws_subnet",
    "aws_vpc",
    "aws_vpc_security_group_egress_rule",
    "aws_vpc_security_group_ingress_rule",
    "terraform_data",
];

/// Can bill while idle, with the idle line that prices it.
const PRICED_WHILE_IDLE: &[(&str, &str)] = &[
    ("aws_lambda_function", "idle check: Lambda requests and duration"),
    ("aws_cloudwatch_log_group", "idle check: logs"),
    ("aws_cloudwatch_event_rule", "EventBridge schedule, ECS event rule"),
    ("aws_route53_record", "Route 53 hosted zone (the record lives in it)"),
    ("aws_ssm_parameter", "SSM parameters"),
];

#[derive(Debug, Clone, Serialize)]
pub struct IdleResources {
    pub free: Vec<String>,
    /// Resource type and the idle line that prices it.
    pub priced: Vec<(String, String)>,
    /// Types nobody has checked yet: they may bill while idle.
    pub unchecked: Vec<String>,
}

pub fn classify(resource_types: &BTreeSet<String>) -> IdleResources {
    let mut resources = IdleResources {
        free: Vec::new(),
        priced: Vec::new(),
        unchecked: Vec::new(),
    };
    for resource_type in resource_types {
        if FREE_WHILE_IDLE.contains(&resource_type.as_str()) {
            resources.free.push(resource_type.clone());
        } else if let Some((_, line)) = PRICED_WHILE_IDLE.iter().find(|(t, _)| t == resource_type) {
            resources.priced.push((resource_type.clone(), line.to_string()));
        } else {
            resources.unchecked.push(resource_type.clone());
        }
    }
    resources
}
