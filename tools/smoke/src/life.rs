//! How long each billed piece of this meeting lived, pieced together from what AWS reported each
//! time the run looked (its own creation times where AWS gives them, else when first seen) and
//! when the run saw it gone.

use crate::aws::Inventory;
use crate::meeting_cost::Lifetimes;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

type Span = (DateTime<Utc>, Option<DateTime<Utc>>);

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Life {
    /// Only tasks created after this (the click, less the clocks' slack) belong to this meeting.
    pub since: Option<DateTime<Utc>>,
    pub load_balancer: Option<Span>,
    pub elastic_ip: Option<Span>,
    /// Per task ARN: from its image pull to its stop.
    pub tasks: BTreeMap<String, Span>,
    pub task_public_ip: bool,
}

impl Life {
    pub fn new(clicked_at: DateTime<Utc>, task_public_ip: bool) -> Self {
        Self {
            since: Some(clicked_at - crate::follow::CLOCK_SLACK),
            task_public_ip,
            ..Default::default()
        }
    }

    /// Takes in one look at the account, made at `now`.
    pub fn note(&mut self, inventory: &Inventory, now: DateTime<Utc>) {
        let lb = inventory.load_balancer.as_ref().map(|lb| lb.created.unwrap_or(now));
        note_span(&mut self.load_balancer, lb, now);
        let eip = inventory.addresses.iter().map(|a| a.allocated_at.unwrap_or(now)).min();
        note_span(&mut self.elastic_ip, eip, now);
        let since = self.since.unwrap_or(DateTime::<Utc>::MIN_UTC);
        for task in &inventory.tasks {
            let Some(began) = task.pull_started.or(task.created) else {
                continue;
            };
            if task.created.is_some_and(|c| c < since) {
                continue;
            }
            let ended = (!task.is_present()).then(|| task.stopped.unwrap_or(now));
            self.tasks.insert(task.arn.clone(), (began, ended));
        }
    }

    /// Each piece's life until `now` for what still exists.
    pub fn lifetimes(&self, now: DateTime<Utc>) -> Lifetimes {
        let length = |span: &Span| (span.1.unwrap_or(now) - span.0).to_std().unwrap_or_default();
        let tasks: Vec<std::time::Duration> = self.tasks.values().map(length).collect();
        Lifetimes {
            task: (!tasks.is_empty()).then(|| tasks.iter().sum()),
            load_balancer: self.load_balancer.as_ref().map(length),
            elastic_ip: self.elastic_ip.as_ref().map(length),
            task_public_ip: self.task_public_ip,
        }
    }
}

/// A piece seen (since `began`) or not seen any more (ended now, the first time).
fn note_span(span: &mut Option<Span>, present: Option<DateTime<Utc>>, now: DateTime<Utc>) {
    match (span.as_mut(), present) {
        (None, Some(began)) => *span = Some((began, None)),
        (Some((began, ended)), Some(seen)) => {
            *began = (*began).min(seen);
            *ended = None;
        }
        (Some((_, ended @ None)), None) => *ended = Some(now),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::{AddressFacts, LoadBalancerFacts, TaskFacts};
    use std::time::Duration;

    fn at(text: &str) -> DateTime<Utc> {
        format!("2026-11-25T{text}Z").parse().unwrap()
    }

    fn inventory(lb: bool, eip: bool, task_status: Option<&str>) -> Inventory {
        Inventory {
            desired_count: 1,
            load_balancer: lb.then(|| LoadBalancerFacts {
                arn: "lb".into(),
                dns_name: "m".into(),
                state: "active".into(),
                reason: None,
                created: Some(at("10:00:02")),
                addresses: vec![],
                listeners: vec![],
            }),
            addresses: eip
                .then(|| AddressFacts {
                    allocation_id: "eipalloc-1".into(),
                    public_ip: "203.0.113.10".into(),
                    associated: true,
                    allocated_at: Some(at("10:00:01")),
                })
                .into_iter()
                .collect(),
            jvb_targets: vec![],
            web_targets: vec![],
            tasks: task_status
                .map(|status| TaskFacts {
                    arn: "task-1".into(),
                    last_status: status.into(),
                    desired_status: "RUNNING".into(),
                    private_ip: None,
                    created: Some(at("10:00:03")),
                    pull_started: Some(at("10:00:10")),
                    stopped: (status == "STOPPED").then(|| at("10:04:10")),
                    stopped_reason: None,
                    container_reasons: vec![],
                })
                .into_iter()
                .collect(),
            dns_values: None,
        }
    }

    #[test]
    fn pieces_are_timed_from_awss_own_times_until_seen_gone() {
        let mut life = Life::new(at("10:00:00"), true);
        life.note(&inventory(true, true, Some("RUNNING")), at("10:02:00"));
        life.note(&inventory(false, true, Some("STOPPED")), at("10:05:00"));
        life.note(&inventory(false, false, Some("STOPPED")), at("10:06:00"));
        let lifetimes = life.lifetimes(at("10:07:00"));
        assert_eq!(
            lifetimes.load_balancer,
            Some(Duration::from_secs(298)),
            "10:00:02 to 10:05:00"
        );
        assert_eq!(
            lifetimes.elastic_ip,
            Some(Duration::from_secs(359)),
            "10:00:01 to 10:06:00"
        );
        assert_eq!(
            lifetimes.task,
            Some(Duration::from_secs(240)),
            "image pull 10:00:10 to stop 10:04:10"
        );
        assert!(lifetimes.task_public_ip);
    }

    #[test]
    fn what_still_exists_counts_until_now_and_earlier_tasks_do_not_count() {
        let mut life = Life::new(at("10:00:00"), false);
        let mut seen = inventory(true, true, Some("RUNNING"));
        seen.tasks[0].created = Some(at("09:00:00"));
        life.note(&seen, at("10:02:00"));
        let lifetimes = life.lifetimes(at("10:10:02"));
        assert_eq!(lifetimes.load_balancer, Some(Duration::from_secs(600)));
        assert_eq!(lifetimes.task, None);
    }
}
