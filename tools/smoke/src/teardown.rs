//! Step 4: the manual stop, then AWS read until nothing of the meeting is left: no task, no load
//! balancer of the stack's name (its listeners go with it), no Elastic IP tagged with the stack, no
//! registered target, the hostname back on its idle placeholder. Whatever is still there at the
//! deadline is named with the AWS CLI command that removes it.

use crate::aws::{Aws, Inventory};
use crate::control::Control;
use crate::life::Life;
use crate::report::{duration, Check, Stage};
use chrono::Utc;
use lifecycle::config::Config;
use std::time::{Duration, Instant};

const STAGE: Stage = Stage::Stop;

#[derive(Debug, Clone, PartialEq)]
pub struct Leftover {
    pub what: String,
    pub command: String,
}

/// What is still there, each with the command that removes it.
pub fn leftovers(inventory: &Inventory, config: &Config, region: &str) -> Vec<Leftover> {
    let mut left = Vec::new();
    let mut add = |what: String, command: String| left.push(Leftover { what, command });
    let (cluster, service) = (&config.cluster, &config.service);
    if inventory.desired_count > 0 {
        add(
            format!("the service's desired count is {}", inventory.desired_count),
            format!(
                "aws ecs update-service --region {region} --cluster {cluster} --service {service} --desired-count 0"
            ),
        );
    }
    for task in inventory.tasks.iter().filter(|t| t.is_present()) {
        add(
            format!("task {} is {}", short_arn(&task.arn), task.last_status),
            format!(
                "aws ecs stop-task --region {region} --cluster {cluster} --task {}",
                task.arn
            ),
        );
    }
    if let Some(lb) = &inventory.load_balancer {
        add(
            format!(
                "load balancer {} ({}, {} listener{})",
                config.load_balancer_name,
                lb.state,
                lb.listeners.len(),
                if lb.listeners.len() == 1 { "" } else { "s" }
            ),
            format!(
                "aws elbv2 delete-load-balancer --region {region} --load-balancer-arn {}",
                lb.arn
            ),
        );
    }
    for address in &inventory.addresses {
        let attached = if address.associated {
            ", still attached: release it once the load balancer is gone"
        } else {
            ""
        };
        add(
            format!("Elastic IP {} ({}){attached}", address.public_ip, address.allocation_id),
            format!(
                "aws ec2 release-address --region {region} --allocation-id {}",
                address.allocation_id
            ),
        );
    }
    for (group, arn, targets) in [
        ("jvb", &config.jvb_target_group_arn, &inventory.jvb_targets),
        ("web", &config.web_target_group_arn, &inventory.web_targets),
    ] {
        for target in targets {
            add(
                format!(
                    "target {}:{} on the {group} target group ({})",
                    target.ip, target.port, target.state
                ),
                format!(
                    "aws elbv2 deregister-targets --region {region} --target-group-arn {arn} --targets Id={},Port={}",
                    target.ip, target.port
                ),
            );
        }
    }
    if let (Some(dns), Some(values)) = (&config.dns, &inventory.dns_values) {
        if values != std::slice::from_ref(&dns.idle_address) {
            let batch = format!(
                r#"{{"Changes":[{{"Action":"UPSERT","ResourceRecordSet":{{"Name":"{}","Type":"A","TTL":60,"ResourceRecords":[{{"Value":"{}"}}]}}}}]}}"#,
                dns.hostname, dns.idle_address
            );
            add(
                format!(
                    "{} points at {}, not its idle placeholder {}",
                    dns.hostname,
                    if values.is_empty() {
                        "nothing".to_string()
                    } else {
                        values.join(", ")
                    },
                    dns.idle_address
                ),
                format!(
                    "aws route53 change-resource-record-sets --hosted-zone-id {} --change-batch '{batch}'",
                    dns.hosted_zone_id
                ),
            );
        }
    }
    left
}

fn short_arn(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// Stops the meeting and waits until nothing is left; `life` learns when each piece went.
#[allow(clippy::too_many_arguments)]
pub async fn stop_and_wait(
    control: &Control,
    aws: &Aws,
    config: &Config,
    region: &str,
    life: &mut Life,
    clicked: Instant,
    deadline: Duration,
    poll: Duration,
) -> Vec<Check> {
    let mut checks = Vec::new();
    let since_click = |at: Instant| format!("+{}", duration(at.duration_since(clicked)));
    match control.stop().await {
        Ok(status) => {
            println!("  {:>8}  stop requested (phase {})", since_click(Instant::now()), status.phase);
            checks.push(Check::pass(STAGE, "stop", format!("POST stop accepted (phase {})", status.phase)));
        }
        Err(error) => checks.push(Check::fail(
            STAGE,
            "stop",
            error.message,
            "the every-minute tick still ends an idle meeting; or stop it with the command `terraform output commands` prints",
        )),
    }
    let asked = Instant::now();
    let mut shown: Vec<String> = Vec::new();
    loop {
        match aws.inventory(config).await {
            Ok(inventory) => {
                life.note(&inventory, Utc::now());
                let left = leftovers(&inventory, config, region);
                let what: Vec<String> = left.iter().map(|l| l.what.clone()).collect();
                if what != shown {
                    let summary = if what.is_empty() {
                        "nothing".to_string()
                    } else {
                        what.join("; ")
                    };
                    println!("  {:>8}     left          {summary}", since_click(Instant::now()));
                    shown = what;
                }
                if left.is_empty() {
                    checks.push(Check::pass(
                        STAGE,
                        "nothing left",
                        format!(
                            "{} after the stop: no task, load balancer, listener, Elastic IP or target{}",
                            duration(asked.elapsed()),
                            if config.dns.is_some() {
                                "; the hostname is back on its placeholder"
                            } else {
                                ""
                            }
                        ),
                    ));
                    return checks;
                }
                if asked.elapsed() > deadline {
                    let commands: Vec<String> = left
                        .iter()
                        .map(|l| format!("{}\n            {}", l.what, l.command))
                        .collect();
                    checks.push(Check::fail(
                        STAGE,
                        "nothing left",
                        format!(
                            "{} after {}: {}",
                            left.len(),
                            duration(asked.elapsed()),
                            shown.join("; ")
                        ),
                        format!(
                            "the next ticks of stop-meeting should remove them; to remove them now:\n          {}",
                            commands.join("\n          ")
                        ),
                    ));
                    return checks;
                }
            }
            Err(error) if asked.elapsed() > deadline => {
                checks.push(Check::fail(
                    STAGE,
                    "nothing left",
                    format!("could not read what is left: {error}"),
                    "check the account by hand: aws elbv2 describe-load-balancers, aws ec2 describe-addresses",
                ));
                return checks;
            }
            Err(_) => {}
        }
        tokio::time::sleep(poll).await;
    }
}

#[cfg(test)]
#[path = "teardown_tests.rs"]
mod tests;
