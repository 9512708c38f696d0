//! The invariants checked after every invocation, the settle that proves convergence, and the
//! faults a scenario injects.

use super::{World, TICKS_TO_CONVERGE};
use crate::inventory::Inventory;
use chrono::Duration;
use lifecycle::plan::wanted_listeners;
use serde_json::Value;

impl World {
    /// What must hold after any completed invocation, read independently of the code under test.
    pub async fn check(&self) {
        let inventory = self.h.inventory().await;
        let present = inventory.present_task_ips();
        for ip in inventory.jvb_targets.iter().chain(&inventory.web_targets) {
            assert!(
                present.contains(&ip.as_str()),
                "{}: target {ip} points at no running task: {inventory:?}",
                self.name
            );
        }
        self.count(|f| f.target_checks += 1);
        if inventory.desired_count == 0 && present.is_empty() {
            assert!(
                inventory.is_idle(),
                "{}: no meeting is wanted and no task is left, yet something bills: {inventory:?}",
                self.name
            );
            self.count(|f| f.idle_checks += 1);
        }
        assert!(
            inventory.load_balancers.len() <= 1 && inventory.addresses.len() <= 1,
            "{}: more than one load balancer or address after an invocation: {inventory:?}",
            self.name
        );
    }

    /// Ticks (one a minute, with the ECS scheduler and its events in between) until AWS matches
    /// the desired count; panics if that takes more than [`TICKS_TO_CONVERGE`]. Returns the
    /// inventory it converged to.
    pub async fn settle(&self) -> Inventory {
        self.clear_faults();
        for ticks in 1..=TICKS_TO_CONVERGE {
            self.ecs_and_events().await;
            self.advance(Duration::minutes(1)).await;
            self.tick().await;
            self.ecs_and_events().await;
            let inventory = self.h.inventory().await;
            if self.converged(&inventory) {
                self.count(|f| f.ticks_to_converge = f.ticks_to_converge.max(ticks));
                return inventory;
            }
        }
        panic!(
            "{}: not converged within {TICKS_TO_CONVERGE} ticks: {:?}",
            self.name,
            self.h.inventory().await
        );
    }

    /// A meeting fully up (one address, one load balancer with its listeners, the live task on
    /// both target groups, the JVB advertising the address), or nothing at all.
    fn converged(&self, inventory: &Inventory) -> bool {
        if inventory.desired_count == 0 {
            return inventory.is_idle();
        }
        let config = self.h.config();
        let mut listeners: Vec<(String, i32, String)> = wanted_listeners(config)
            .into_iter()
            .map(|spec| (spec.protocol, spec.port, spec.target_group_arn))
            .collect();
        listeners.sort();
        let live = inventory.present_task_ips();
        inventory.load_balancers.len() == 1
            && inventory.listeners == listeners
            && inventory.addresses.len() == 1
            && inventory.advertised == inventory.addresses[0]
            && live.len() == 1
            && inventory.jvb_targets == live
            && inventory.web_targets == live
            && (config.dns.is_none() || inventory.dns_record == inventory.addresses)
    }

    /// The AWS operations this world's functions called since the last time this was asked, in
    /// order, from the local AWS's own log.
    pub fn calls_made(&self) -> Vec<String> {
        let log = self.h.aws.calls();
        let mut seen = self.calls_seen.lock().unwrap();
        let new = log[(*seen).min(log.len())..]
            .iter()
            .filter(|call| call["caller"] == self.caller.as_str())
            .map(|call| call["operation"].as_str().unwrap_or_default().to_string())
            .collect();
        *seen = log.len();
        new
    }

    /// Sets fault rules on the local AWS (see `local_aws/server.py`) for the functions' calls,
    /// replacing (and counting) those before.
    pub fn inject(&self, mut rules: Value) {
        self.clear_faults();
        for rule in rules.as_array_mut().into_iter().flatten() {
            rule["caller"] = self.caller.clone().into();
        }
        self.h.aws.set_faults(&rules);
    }

    /// Whether a cut-off rule among the current ones has tripped.
    pub fn cut_off_tripped(&self) -> bool {
        let rules = self.h.aws.faults();
        rules
            .as_array()
            .into_iter()
            .flatten()
            .any(|rule| rule["tripped"] == true)
    }

    /// Clears the fault rules, counting the faults they injected.
    pub fn clear_faults(&self) -> u64 {
        let hits: u64 = self
            .h
            .aws
            .faults()
            .as_array()
            .into_iter()
            .flatten()
            .map(|rule| rule["hits"].as_u64().unwrap_or(0))
            .sum();
        self.h.aws.set_faults(&serde_json::json!([]));
        self.count(|f| f.faults_injected += hits);
        hits
    }
}
