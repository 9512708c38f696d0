use super::*;
use crate::aws::{AddressFacts, ListenerFacts, LoadBalancerFacts, TargetFacts, TaskFacts};
use crate::test_support::config;

fn idle() -> Inventory {
    Inventory {
        desired_count: 0,
        load_balancer: None,
        addresses: vec![],
        jvb_targets: vec![],
        web_targets: vec![],
        tasks: vec![],
        dns_values: None,
    }
}

fn running() -> Inventory {
    Inventory {
        desired_count: 1,
        load_balancer: Some(LoadBalancerFacts {
            arn: "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/jitsi-on-demand-meeting/abc".into(),
            dns_name: "m".into(),
            state: "active".into(),
            reason: None,
            created: None,
            addresses: vec!["203.0.113.10".into()],
            listeners: vec![ListenerFacts {
                arn: "l".into(),
                protocol: "UDP".into(),
                port: 10000,
            }],
        }),
        addresses: vec![AddressFacts {
            allocation_id: "eipalloc-0abc".into(),
            public_ip: "203.0.113.10".into(),
            associated: true,
            allocated_at: None,
        }],
        jvb_targets: vec![TargetFacts {
            ip: "10.0.0.23".into(),
            port: 10000,
            state: "draining".into(),
            reason: None,
            description: None,
        }],
        web_targets: vec![],
        tasks: vec![TaskFacts {
            arn: "arn:aws:ecs:us-east-1:1:task/jitsi-on-demand/f00".into(),
            last_status: "DEPROVISIONING".into(),
            desired_status: "STOPPED".into(),
            private_ip: None,
            created: None,
            pull_started: None,
            stopped: None,
            stopped_reason: None,
            container_reasons: vec![],
        }],
        dns_values: None,
    }
}

#[test]
fn nothing_is_left_when_idle_even_with_stopped_tasks_listed() {
    let mut inventory = idle();
    let mut stopped = running().tasks.remove(0);
    stopped.last_status = "STOPPED".into();
    inventory.tasks.push(stopped);
    assert!(leftovers(&inventory, &config(false), "us-east-1").is_empty());
}

#[test]
fn each_leftover_has_the_command_that_removes_it() {
    let left = leftovers(&running(), &config(false), "us-east-1");
    let lines: Vec<(&str, &str)> = left.iter().map(|l| (l.what.as_str(), l.command.as_str())).collect();
    assert_eq!(
        lines,
        [
            (
                "the service's desired count is 1",
                "aws ecs update-service --region us-east-1 --cluster jitsi-on-demand --service jitsi --desired-count 0"
            ),
            (
                "task f00 is DEPROVISIONING",
                "aws ecs stop-task --region us-east-1 --cluster jitsi-on-demand --task arn:aws:ecs:us-east-1:1:task/jitsi-on-demand/f00"
            ),
            (
                "load balancer jitsi-on-demand-meeting (active, 1 listener)",
                "aws elbv2 delete-load-balancer --region us-east-1 --load-balancer-arn \
                 arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/jitsi-on-demand-meeting/abc"
            ),
            (
                "Elastic IP 203.0.113.10 (eipalloc-0abc), still attached: release it once the load balancer is gone",
                "aws ec2 release-address --region us-east-1 --allocation-id eipalloc-0abc"
            ),
            (
                "target 10.0.0.23:10000 on the jvb target group (draining)",
                "aws elbv2 deregister-targets --region us-east-1 --target-group-arn \
                 arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/jvb/1 --targets Id=10.0.0.23,Port=10000"
            ),
        ]
    );
}

#[test]
fn a_hostname_off_its_placeholder_is_left_over() {
    let mut inventory = idle();
    inventory.dns_values = Some(vec!["203.0.113.10".into()]);
    let left = leftovers(&inventory, &config(true), "us-east-1");
    assert_eq!(left.len(), 1);
    assert_eq!(
        left[0].what,
        "meet.example.org points at 203.0.113.10, not its idle placeholder 192.0.2.1"
    );
    assert_eq!(
        left[0].command,
        "aws route53 change-resource-record-sets --hosted-zone-id Z123 --change-batch \
         '{\"Changes\":[{\"Action\":\"UPSERT\",\"ResourceRecordSet\":{\"Name\":\"meet.example.org\",\"Type\":\"A\",\
         \"TTL\":60,\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}]}}]}'"
    );
    inventory.dns_values = Some(vec!["192.0.2.1".into()]);
    assert!(leftovers(&inventory, &config(true), "us-east-1").is_empty());
}
