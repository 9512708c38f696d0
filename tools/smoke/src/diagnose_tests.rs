use super::*;
use crate::aws::{AddressFacts, ListenerFacts};
use crate::test_support::config;

fn clicked() -> DateTime<Utc> {
    "2026-11-25T10:00:00Z".parse().unwrap()
}

fn task(status: &str, reason: Option<&str>) -> TaskFacts {
    TaskFacts {
        arn: "arn:aws:ecs:us-east-1:1:task/c/1".into(),
        last_status: status.into(),
        desired_status: if status == "STOPPED" { "STOPPED" } else { "RUNNING" }.into(),
        private_ip: Some("10.0.0.23".into()),
        created: Some("2026-11-25T10:00:02Z".parse().unwrap()),
        pull_started: None,
        stopped: None,
        stopped_reason: reason.map(str::to_string),
        container_reasons: vec![],
    }
}

fn target(state: &str, reason: Option<&str>) -> TargetFacts {
    TargetFacts {
        ip: "10.0.0.23".into(),
        port: 10000,
        state: state.into(),
        reason: reason.map(str::to_string),
        description: reason.map(|_| "Health checks failed".to_string()),
    }
}

fn healthy_meeting() -> Inventory {
    Inventory {
        desired_count: 1,
        load_balancer: Some(LoadBalancerFacts {
            arn: "arn:lb".into(),
            dns_name: "m.elb.amazonaws.com".into(),
            state: "active".into(),
            reason: None,
            created: None,
            addresses: vec!["203.0.113.10".into()],
            listeners: vec![
                ListenerFacts {
                    arn: "l1".into(),
                    protocol: "UDP".into(),
                    port: 10000,
                },
                ListenerFacts {
                    arn: "l2".into(),
                    protocol: "TCP".into(),
                    port: 443,
                },
            ],
        }),
        addresses: vec![AddressFacts {
            allocation_id: "eipalloc-1".into(),
            public_ip: "203.0.113.10".into(),
            associated: true,
            allocated_at: None,
        }],
        jvb_targets: vec![target("healthy", None)],
        web_targets: vec![target("healthy", None)],
        tasks: vec![task("RUNNING", None)],
        dns_values: None,
    }
}

#[test]
fn a_healthy_meeting_has_no_finding() {
    assert!(findings(&healthy_meeting(), &config(false), clicked(), true).is_empty());
}

#[test]
fn an_unhealthy_target_names_awss_reason_and_the_security_group() {
    let mut inventory = healthy_meeting();
    inventory.jvb_targets = vec![target("unhealthy", Some("Target.FailedHealthChecks"))];
    let found = findings(&inventory, &config(false), clicked(), true);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].name, "jvb target");
    assert_eq!(
        found[0].detail,
        "10.0.0.23:10000 unhealthy, Target.FailedHealthChecks: Health checks failed"
    );
    assert!(found[0].hint.as_deref().unwrap().contains("TCP 8080"));
}

#[test]
fn a_stopped_task_of_this_start_names_ecss_reason() {
    let mut inventory = healthy_meeting();
    let mut stopped = task(
        "STOPPED",
        Some("CannotPullContainerError: toomanyrequests: You have reached your pull rate limit"),
    );
    stopped.container_reasons = vec![("jvb".into(), "CannotPullContainerError".into())];
    inventory.tasks = vec![stopped];
    inventory.jvb_targets.clear();
    inventory.web_targets.clear();
    let found = findings(&inventory, &config(false), clicked(), true);
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].detail,
        "the task stopped: CannotPullContainerError: toomanyrequests: You have reached your pull rate limit; \
         jvb: CannotPullContainerError"
    );
    assert!(found[0]
        .hint
        .as_deref()
        .unwrap()
        .starts_with("Docker Hub's anonymous pull limit"));
}

#[test]
fn an_earlier_meetings_stopped_task_is_not_this_starts() {
    let mut inventory = healthy_meeting();
    let mut old = task("STOPPED", Some("Essential container in task exited"));
    old.created = Some("2026-11-25T09:00:00Z".parse().unwrap());
    inventory.tasks.push(old);
    assert!(findings(&inventory, &config(false), clicked(), true).is_empty());
}

#[test]
fn a_failed_load_balancer_and_missing_pieces_are_each_named() {
    let mut inventory = healthy_meeting();
    if let Some(lb) = inventory.load_balancer.as_mut() {
        lb.state = "failed".into();
        lb.reason = Some("Insufficient capacity".into());
    }
    inventory.addresses.clear();
    inventory.tasks.clear();
    let found = findings(&inventory, &config(false), clicked(), true);
    let names: Vec<&str> = found.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["address", "load balancer", "task"]);
    assert_eq!(found[1].detail, "failed (Insufficient capacity)");
    assert!(found[1]
        .hint
        .as_deref()
        .unwrap()
        .contains("AWSServiceRoleForElasticLoadBalancing"));
    assert_eq!(found[2].detail, "ECS started no task (desired count 1)");
}

#[test]
fn a_record_not_on_the_address_is_named() {
    let mut inventory = healthy_meeting();
    inventory.dns_values = Some(vec!["192.0.2.1".into()]);
    let found = findings(&inventory, &config(true), clicked(), true);
    assert_eq!(
        found[0].detail,
        "meet.example.org points at 192.0.2.1 (the meeting's address: 203.0.113.10)"
    );
}

#[test]
fn hints_by_kind() {
    assert!(task_hint("CannotPullContainerError: pull access denied").contains("public IP"));
    assert!(task_hint("ResourceInitializationError: unable to pull secrets").contains("ssm:GetParameters"));
    assert!(task_hint("Essential container in task exited").contains("log"));
    assert!(target_hint(Some("Elb.RegistrationInProgress")).contains("3–5 min"));
    assert!(target_hint(Some("Target.NotInUse")).contains("listeners"));
    assert_eq!(
        load_balancer_hint("provisioning"),
        "a new NLB takes 2–3 min to become active: raise --deadline if this persists"
    );
}

#[test]
fn after_an_early_failure_only_what_failed_is_named() {
    let mut inventory = healthy_meeting();
    if let Some(lb) = inventory.load_balancer.as_mut() {
        lb.state = "provisioning".into();
    }
    inventory.tasks = vec![task("STOPPED", Some("CannotPullContainerError: toomanyrequests"))];
    inventory.jvb_targets = vec![target("initial", Some("Elb.RegistrationInProgress"))];
    let early: Vec<String> = findings(&inventory, &config(false), clicked(), false)
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(early, ["task"]);
    let late: Vec<String> = findings(&inventory, &config(false), clicked(), true)
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(late, ["load balancer", "task"]);
}
