//! When the start does not reach ready: what AWS itself says about each piece (the load
//! balancer's state, ECS's stoppedReason, the targets' health reason) and the next thing to check.

use crate::aws::{Aws, Inventory, LoadBalancerFacts, TargetFacts, TaskFacts};
use crate::follow::{of_this_start, stopped_since};
use crate::report::{Check, Stage};
use chrono::{DateTime, Utc};
use lifecycle::config::Config;

const STAGE: Stage = Stage::Start;

/// One check per piece that is not as a ready meeting needs it. `at_deadline`: the start ran out
/// of time, so what is merely still under way counts too; after an early failure only what has
/// failed does (a load balancer provisioning a second after the click is not news).
pub async fn explain(aws: &Aws, config: &Config, clicked_at: DateTime<Utc>, at_deadline: bool) -> Vec<Check> {
    match aws.inventory(config).await {
        Ok(inventory) => findings(&inventory, config, clicked_at, at_deadline),
        Err(error) => vec![Check::fail(
            STAGE,
            "diagnosis",
            format!("could not read the stack from AWS: {error}"),
            "the credentials need the Describe/List permissions of README's least-privilege table",
        )],
    }
}

/// The pure part: what is wrong, from one inventory.
pub fn findings(inventory: &Inventory, config: &Config, clicked_at: DateTime<Utc>, at_deadline: bool) -> Vec<Check> {
    let mut found = Vec::new();
    if inventory.addresses.is_empty() {
        found.push(Check::fail(
            STAGE,
            "address",
            format!(
                "no Elastic IP tagged {}={}",
                lifecycle::config::STACK_TAG_KEY,
                config.stack_tag
            ),
            "ec2:AllocateAddress failed: the Elastic IP quota (preflight) and start-meeting's log \
             (CloudWatch /aws/lambda/<stack>-start-meeting)",
        ));
    }
    load_balancer_findings(inventory, config, at_deadline, &mut found);
    let this_start: Vec<&TaskFacts> = inventory
        .tasks
        .iter()
        .filter(|t| of_this_start(t, clicked_at))
        .collect();
    let live = this_start.iter().find(|t| t.is_present()).copied();
    match (live, stopped_since(&inventory.tasks, clicked_at)) {
        (_, Some(task)) => found.push(Check::fail(
            STAGE,
            "task",
            describe_stopped(task),
            task_hint(&task_reasons(task)),
        )),
        (None, None) if at_deadline => found.push(Check::fail(
            STAGE,
            "task",
            format!("ECS started no task (desired count {})", inventory.desired_count),
            "the service's events say why (aws ecs describe-services --cluster <cluster> --services <service> \
             --query 'services[0].events[:5]'): subnet, security group or Fargate capacity",
        )),
        (Some(task), None) if task.last_status != "RUNNING" && at_deadline => found.push(Check::fail(
            STAGE,
            "task",
            format!("still {} (image pull and container start)", task.last_status),
            "pulling four images from Docker Hub takes about a minute: raise --deadline if this persists",
        )),
        _ => {}
    }
    if let Some(ip) = live.and_then(|t| t.private_ip.as_deref()) {
        target_findings(inventory, ip, at_deadline, &mut found);
    }
    if let (Some(dns), Some(values), true) = (&config.dns, &inventory.dns_values, at_deadline) {
        let address: Vec<&str> = inventory.addresses.iter().map(|a| a.public_ip.as_str()).collect();
        if values.iter().map(String::as_str).collect::<Vec<_>>() != address {
            found.push(Check::fail(
                STAGE,
                "dns",
                format!(
                    "{} points at {} (the meeting's address: {})",
                    dns.hostname,
                    values.join(", "),
                    address.join(", ")
                ),
                "start-meeting points it at the Elastic IP: its log, and route53:ChangeResourceRecordSets on the zone",
            ));
        }
    }
    found
}

fn load_balancer_findings(inventory: &Inventory, config: &Config, at_deadline: bool, found: &mut Vec<Check>) {
    let (detail, hint) = match &inventory.load_balancer {
        None => (
            format!("no load balancer named {}", config.load_balancer_name),
            "start-meeting did not create it: its log says why; the account's NLB quota (preflight)",
        ),
        Some(lb) if lb.state == "failed" || (lb.state != "active" && at_deadline) => {
            (describe_load_balancer(lb), load_balancer_hint(&lb.state))
        }
        Some(lb) if lb.state == "active" && lb.listeners.len() < 2 && at_deadline => (
            format!(
                "active, but with {} of its 2 listeners (UDP 10000, 443)",
                lb.listeners.len()
            ),
            "start-meeting or the next tick adds them: start-meeting's and stop-meeting's logs",
        ),
        Some(_) => return,
    };
    found.push(Check::fail(STAGE, "load balancer", detail, hint));
}

/// The live task's health on both groups: unhealthy always counts, not yet healthy at the deadline.
fn target_findings(inventory: &Inventory, ip: &str, at_deadline: bool, found: &mut Vec<Check>) {
    for (group, targets) in [
        ("jvb target", &inventory.jvb_targets),
        ("web target", &inventory.web_targets),
    ] {
        match targets.iter().find(|t| t.ip == ip) {
            Some(target) if target.state == "healthy" => {}
            Some(target) if target.state == "unhealthy" || at_deadline => found.push(Check::fail(
                STAGE,
                group,
                describe_target(target),
                target_hint(target.reason.as_deref()),
            )),
            None if at_deadline => found.push(Check::fail(
                STAGE,
                group,
                format!("the task's IP {ip} is not registered"),
                target_hint(Some("Target.NotRegistered")),
            )),
            _ => {}
        }
    }
}

fn describe_load_balancer(lb: &LoadBalancerFacts) -> String {
    match &lb.reason {
        Some(reason) => format!("{} ({reason})", lb.state),
        None => lb.state.clone(),
    }
}

pub fn describe_target(target: &TargetFacts) -> String {
    let mut text = format!("{}:{} {}", target.ip, target.port, target.state);
    if let Some(reason) = &target.reason {
        text.push_str(&format!(", {reason}"));
    }
    if let Some(description) = &target.description {
        text.push_str(&format!(": {description}"));
    }
    text
}

/// ECS's stoppedReason and each container's own reason.
fn task_reasons(task: &TaskFacts) -> String {
    let mut reasons: Vec<String> = task.stopped_reason.iter().cloned().collect();
    reasons.extend(
        task.container_reasons
            .iter()
            .map(|(name, reason)| format!("{name}: {reason}")),
    );
    reasons.join("; ")
}

fn describe_stopped(task: &TaskFacts) -> String {
    let reasons = task_reasons(task);
    if reasons.is_empty() {
        "the task stopped without a reason".into()
    } else {
        format!("the task stopped: {reasons}")
    }
}

pub fn task_hint(reason: &str) -> &'static str {
    let r = reason.to_ascii_lowercase();
    if r.contains("cannotpullcontainer")
        && (r.contains("toomanyrequests") || r.contains("rate limit") || r.contains("429"))
    {
        "Docker Hub's anonymous pull limit (10 pulls an hour per IP in 2025; each launch pulls four images): \
         wait an hour, or mirror the images in ECR (pull-through cache)"
    } else if r.contains("cannotpullcontainer") {
        "the task cannot pull from Docker Hub: it needs its public IP (assign_public_ip) and the route to the internet \
         gateway, and jitsi_image_tag must exist"
    } else if r.contains("resourceinitializationerror") || r.contains("secret") || r.contains("ssm") {
        "ECS could not read the task's secrets: the execution role's ssm:GetParameters on the stack's parameters"
    } else if r.contains("outofmemory") || r.contains("oom") {
        "a container ran out of memory: raise task_memory"
    } else if r.contains("essential container") {
        "a container exited: its log in CloudWatch (/ecs/<stack>) says why"
    } else if r.contains("capacity") || r.contains("spot") {
        "Fargate had no capacity (or reclaimed a Spot task): try again, or set use_fargate_spot = false"
    } else if r.contains("scaling activity") {
        "ECS scaled the service in: the meeting was stopped meanwhile"
    } else {
        "ECS's reason above; the containers' logs in CloudWatch (/ecs/<stack>)"
    }
}

pub fn target_hint(reason: Option<&str>) -> &'static str {
    match reason.unwrap_or_default() {
        "Target.FailedHealthChecks" | "Target.Timeout" | "Target.ResponseCodeMismatch" => {
            "the task's security group must admit TCP 8080 (the JVB's /about/health) and 443 from the VPC CIDR: NLB \
             health checks come from the load balancer's private addresses; else the container is not up (its log)"
        }
        "Elb.RegistrationInProgress" | "Elb.InitialHealthChecking" => {
            "AWS counts health checks only 3–5 min after a target is registered: raise --deadline if this persists"
        }
        "Target.NotInUse" => "no listener forwards to this target group: the load balancer's listeners are missing",
        "Target.NotRegistered" => {
            "task-state registers the task: the EventBridge rule on the cluster and task-state's log"
        }
        "Target.DeregistrationInProgress" => "the target is draining: its task is stopping",
        _ => "AWS's description above",
    }
}

pub fn load_balancer_hint(state: &str) -> &'static str {
    match state {
        "failed" => {
            "AWS could not provision it: the service-linked role AWSServiceRoleForElasticLoadBalancing must exist \
             and the NLB and Elastic IP quotas leave room (preflight)"
        }
        "provisioning" => "a new NLB takes 2–3 min to become active: raise --deadline if this persists",
        _ => "the load balancer is not active: aws elbv2 describe-load-balancers shows its state",
    }
}

#[cfg(test)]
#[path = "diagnose_tests.rs"]
mod tests;
