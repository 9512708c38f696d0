//! Step 3 in the whole run: AWS's view of the meeting's targets and address, then the
//! participant's checks (crate::participant) against the meeting the start brought up.

use crate::aws::Inventory;
use crate::cli::Options;
use crate::control::Status;
use crate::diagnose;
use crate::interrupt::Interrupt;
use crate::life::Life;
use crate::participant::{self, Probe};
use crate::preflight::Ready;
use crate::report::{Check, Stage};
use crate::url::Url;
use crate::Log;
use chrono::Utc;
use std::net::IpAddr;

/// The meeting the start brought up, and how to open its room.
pub struct Meeting<'a> {
    pub status: &'a Status,
    pub room: &'a str,
    pub token: Option<&'a str>,
}

/// Step 3: AWS's view of the targets, then the meeting from outside.
pub async fn participant_stage(
    ready: &Ready,
    meeting: &Meeting<'_>,
    options: &Options,
    life: &mut Life,
    log: &mut Log,
    interrupt: &Interrupt,
) {
    let (config, status) = (&ready.stack.config, meeting.status);
    let inventory = ready.aws.inventory(config).await;
    let mut public_ip: Option<IpAddr> = None;
    match &inventory {
        Ok(inventory) => {
            life.note(inventory, Utc::now());
            public_ip = inventory
                .load_balancer
                .iter()
                .flat_map(|lb| &lb.addresses)
                .find_map(|a| a.parse().ok());
            log.record(targets_check(inventory));
        }
        Err(error) => log.record(Check::fail(
            Stage::Participant,
            "targets",
            error.clone(),
            "the credentials need elasticloadbalancing:Describe*",
        )),
    }
    // The load balancer's own addresses are the truth; the status names the Elastic IP too.
    let public_ip = public_ip.or_else(|| status.step("address")?.detail.as_deref()?.parse().ok());
    let Some(meeting_url) = status.meeting_url.as_deref().and_then(|u| Url::parse(u).ok()) else {
        log.record(Check::fail(
            Stage::Participant,
            "page",
            "the ready status names no meeting URL",
            "start-meeting's log",
        ));
        return;
    };
    let mut probe = Probe::new(meeting_url);
    probe.public_ip = public_ip;
    probe.connect_to = options.connect_to.clone();
    probe.require_trusted_certificate = !ready.stack.trial_mode();
    probe.timeout = options.xmpp_timeout;
    probe.room = meeting.room.to_string();
    probe.token = meeting.token.map(str::to_string);
    let flag = interrupt.flag();
    let checks = tokio::task::spawn_blocking(move || {
        participant::check_meeting(&probe, flag, &mut |c| println!("{}", c.line()))
    });
    tokio::select! {
        checks = checks => log.checks.extend(checks.unwrap_or_default()),
        // The guests notice the flag at their next poll; the stop does not wait for them.
        _ = interrupt.wait() => {}
    }
    let load_balancer = inventory.ok().and_then(|i| i.load_balancer).map(|lb| lb.arn);
    if let (Some(webhook), Some(arn)) = (&config.webhook, load_balancer) {
        log.record(super::webhook::check(&ready.aws, webhook, &arn, interrupt).await);
    }
}

fn targets_check(inventory: &Inventory) -> Check {
    let hint = diagnose::target_hint;
    let Some(ip) = inventory
        .tasks
        .iter()
        .find(|t| t.is_present() && t.last_status == "RUNNING")
        .and_then(|t| t.private_ip.clone())
    else {
        return Check::fail(
            Stage::Participant,
            "targets",
            "no running task with an IP",
            hint(Some("Target.NotRegistered")),
        );
    };
    for (group, targets) in [("jvb", &inventory.jvb_targets), ("web", &inventory.web_targets)] {
        match targets.iter().find(|t| t.ip == ip) {
            Some(t) if t.state == "healthy" => {}
            Some(t) => {
                let detail = format!("{group} target group: {}", diagnose::describe_target(t));
                return Check::fail(Stage::Participant, "targets", detail, hint(t.reason.as_deref()));
            }
            None => {
                let detail = format!("{group} target group: the task's IP {ip} is not registered");
                return Check::fail(
                    Stage::Participant,
                    "targets",
                    detail,
                    hint(Some("Target.NotRegistered")),
                );
            }
        }
    }
    Check::pass(
        Stage::Participant,
        "targets",
        format!("the task {ip} is healthy on the jvb and web target groups"),
    )
}
