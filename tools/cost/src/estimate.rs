//! The arithmetic: a design (what runs while a meeting is on, how it starts and stops), the usage and
//! the prices give the idle month, the running hour, one meeting and a typical month.

use crate::prices::PriceTable;
use crate::scheduled::ScheduledWindow;
use crate::terraform::{Architecture, Deployment};
use serde::Serialize;

/// A month is 30 days, so that a schedule every minute makes the 43,200 invocations AWS examples use.
pub const MONTH_HOURS: f64 = 720.0;
const MONTH_MINUTES: f64 = MONTH_HOURS * 60.0;

/// What the user asks about (command-line flags).
#[derive(Debug, Clone, Serialize)]
pub struct Usage {
    pub meetings: u32,
    pub hours_per_meeting: f64,
    pub participants: u32,
}

/// Figures that are neither configuration nor prices; the report prints them.
#[derive(Debug, Clone, Serialize)]
pub struct Estimates {
    /// NLB creation to active: 2 min 20 s – 2 min 40 s in public apply logs (the team's design notes).
    pub nlb_active_seconds: f64,
    /// Fargate start plus image pull: about a minute (the team's design notes).
    pub task_start_seconds: f64,
    /// A new target's registration before health checks even count: 3–5 min per AWS support (the team's design notes).
    pub target_registration_seconds: f64,
    /// Desired count 0 until the task is gone, the NLB deleted and its address released.
    pub stop_seconds: f64,
    /// Billed duration of one Lambda invocation (the idle check, a status read, a task event).
    pub invocation_ms: f64,
    /// CloudWatch Logs bytes per Lambda invocation: START, END and REPORT plus one JSON line, each
    /// with the 26 bytes CloudWatch adds per event.
    pub log_bytes_per_invocation: f64,
    /// The start page polls the status every 1.5 s while a meeting starts (shared/src/page/).
    pub status_poll_seconds: f64,
    /// ECS task state changes of one meeting (PROVISIONING … STOPPED), one task-state invocation each.
    pub task_events_per_meeting: f64,
    /// Jitsi container logs (awslogs) per task hour at the images' default levels.
    pub task_log_mb_per_hour: f64,
    /// CloudWatch metrics Container Insights sends while the task runs (cluster, service, task family).
    pub container_insights_metrics: f64,
    /// Media each participant sends and receives through the JVB (simulcast video); calls of two
    /// are peer-to-peer and send none through the NLB.
    pub upload_mbps: f64,
    pub download_mbps: f64,
    /// Metrics one idle check reads: ActiveFlowCount_UDP and _TCP or _TLS (shared/src/cloud.rs).
    pub flow_metrics_per_check: f64,
}

impl Default for Estimates {
    fn default() -> Self {
        Self {
            nlb_active_seconds: 150.0,
            task_start_seconds: 60.0,
            target_registration_seconds: 180.0,
            stop_seconds: 60.0,
            invocation_ms: 100.0,
            log_bytes_per_invocation: 600.0,
            status_poll_seconds: 1.5,
            task_events_per_meeting: 8.0,
            task_log_mb_per_hour: 10.0,
            container_insights_metrics: 30.0,
            upload_mbps: 1.5,
            download_mbps: 2.0,
            flow_metrics_per_check: 2.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StartOrder {
    /// This design: address, load balancer and task at once; the target registered at its first event.
    Parallel,
    /// The old scripts: NLB until active, then the task, then registration.
    Sequential,
}

/// The serverless control plane: the schedule and the three functions.
#[derive(Debug, Clone, Serialize)]
pub struct ControlPlane {
    pub schedule_minutes: f64,
    pub lambda_memory_gb: f64,
    pub lambda_architecture: Architecture,
}

#[derive(Debug, Clone, Serialize)]
pub struct Design {
    pub name: String,
    pub task_vcpu: f64,
    pub task_memory_gb: f64,
    pub task_architecture: Architecture,
    pub fargate_spot: bool,
    /// Public IPv4 addresses while a meeting runs: the NLB's (one subnet) and the task's own.
    pub nlb_addresses: f64,
    pub task_addresses: f64,
    pub start: StartOrder,
    pub health_check_seconds: f64,
    /// How long a meeting runs on after the last person left, before the stop begins.
    pub linger_seconds: f64,
    pub control_plane: Option<ControlPlane>,
    pub log_retention_days: f64,
    pub container_insights: bool,
    pub custom_domain: bool,
    pub lets_encrypt: bool,
    /// Scheduled meetings a month, besides the clicked ones (`scheduled_meetings`).
    pub scheduled: Vec<ScheduledWindow>,
    /// This design starts a scheduled meeting this long before its window; the old one had no
    /// schedule (an operator started it at the window's start).
    pub scheduled_lead_seconds: Option<f64>,
}

/// The old design (the team's design notes): Perl scripts run by an operator.
const OLD_TASK_VCPU: f64 = 4.0;
const OLD_TASK_MEMORY_GB: f64 = 8.0;

impl Design {
    pub fn this(deployment: &Deployment) -> Self {
        Self {
            name: "this design".to_string(),
            task_vcpu: deployment.task_vcpu,
            task_memory_gb: deployment.task_memory_gb,
            task_architecture: deployment.task_architecture,
            fargate_spot: deployment.fargate_spot,
            // One Elastic IP: the Lambdas create the NLB in the task's one subnet (SubnetMappings).
            nlb_addresses: 1.0,
            task_addresses: if deployment.task_public_ip { 1.0 } else { 0.0 },
            start: StartOrder::Parallel,
            health_check_seconds: deployment.health_check_seconds,
            // The idle timer, plus on average half a period until the check that sees it.
            linger_seconds: deployment.idle_minutes * 60.0 + deployment.schedule_minutes * 60.0 / 2.0,
            control_plane: Some(ControlPlane {
                schedule_minutes: deployment.schedule_minutes,
                lambda_memory_gb: deployment.lambda_memory_mb / 1024.0,
                lambda_architecture: deployment.lambda_architecture,
            }),
            log_retention_days: deployment.log_retention_days,
            container_insights: deployment.container_insights,
            custom_domain: deployment.custom_domain,
            lets_encrypt: deployment.lets_encrypt,
            scheduled: deployment.scheduled.clone(),
            scheduled_lead_seconds: Some(deployment.schedule_lead_minutes * 60.0),
        }
    }

    /// 4 vCPU / 8 GB x86 on FARGATE, the NLB in one subnet plus the task's public IP, a sequential
    /// start and an operator who runs scale-down.pl the moment the meeting ends (its best case).
    /// Logs, Container Insights, domain and health checks as this configuration.
    pub fn old(deployment: &Deployment) -> Self {
        Self {
            name: "old design".to_string(),
            task_vcpu: OLD_TASK_VCPU,
            task_memory_gb: OLD_TASK_MEMORY_GB,
            task_architecture: Architecture::X86_64,
            fargate_spot: false,
            nlb_addresses: 1.0,
            task_addresses: 1.0,
            start: StartOrder::Sequential,
            health_check_seconds: deployment.health_check_seconds,
            linger_seconds: 0.0,
            control_plane: None,
            log_retention_days: deployment.log_retention_days,
            container_insights: deployment.container_insights,
            custom_domain: deployment.custom_domain,
            lets_encrypt: false,
            scheduled: deployment.scheduled.clone(),
            scheduled_lead_seconds: None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub item: String,
    pub usd: f64,
    /// How the figure is made, for a reader to check it.
    pub basis: String,
    /// Depends on the meeting's traffic (the same whether the stack runs always or on demand).
    #[serde(skip)]
    pub traffic: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Section {
    pub lines: Vec<Line>,
    pub total_usd: f64,
}

impl Section {
    fn push(&mut self, item: &str, usd: f64, basis: String) {
        self.lines.push(Line {
            item: item.to_string(),
            usd,
            basis,
            traffic: false,
        });
        self.total_usd += usd;
    }

    fn push_traffic(&mut self, item: &str, usd: f64, basis: String) {
        self.push(item, usd, basis);
        if let Some(line) = self.lines.last_mut() {
            line.traffic = true;
        }
    }

    pub fn without_traffic_usd(&self) -> f64 {
        self.lines
            .iter()
            .filter(|line| !line.traffic)
            .map(|line| line.usd)
            .sum()
    }
}

/// Quantities the always-free tier applies to.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Consumption {
    pub lambda_requests: f64,
    pub lambda_gb_seconds: f64,
    pub logs_gb: f64,
    pub data_transfer_out_gb: f64,
}

impl Consumption {
    fn plus(self, other: Self, times: f64) -> Self {
        Self {
            lambda_requests: self.lambda_requests + other.lambda_requests * times,
            lambda_gb_seconds: self.lambda_gb_seconds + other.lambda_gb_seconds * times,
            logs_gb: self.logs_gb + other.logs_gb * times,
            data_transfer_out_gb: self.data_transfer_out_gb + other.data_transfer_out_gb * times,
        }
    }
}

/// One meeting from the click to the last thing deleted.
#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    pub click_to_ready_seconds: f64,
    pub task_billed_seconds: f64,
    /// The NLB and its address, from the click to the release.
    pub nlb_alive_seconds: f64,
    pub nlb_started_hours: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Month {
    pub idle_usd: f64,
    /// Clicked and scheduled meetings.
    pub meetings_usd: f64,
    pub scheduled_meetings: f64,
    pub scheduled_usd: f64,
    pub total_usd: f64,
    /// What the always-free tier would take off, if nothing else in the account uses it.
    pub free_tier_usd: f64,
    pub total_after_free_tier_usd: f64,
    pub consumption: Consumption,
}

#[derive(Debug, Clone, Serialize)]
pub struct DesignCost {
    pub design: Design,
    pub timeline: Timeline,
    pub idle_month: Section,
    pub running_hour: Section,
    pub per_meeting: Section,
    pub month: Month,
    /// The same task, NLB and addresses running all month, without the control plane.
    pub always_on_month_usd: f64,
}

/// GB through the NLB per hour of meeting (both directions) and GB of it out to the internet.
pub fn traffic_gb_per_hour(usage: &Usage, estimates: &Estimates) -> (f64, f64) {
    if usage.participants < 3 {
        return (0.0, 0.0);
    }
    let people = f64::from(usage.participants);
    let gb_per_hour = |mbps: f64| mbps * 3600.0 / 8.0 / 1000.0;
    let processed = people * gb_per_hour(estimates.upload_mbps + estimates.download_mbps);
    (processed, people * gb_per_hour(estimates.download_mbps))
}

/// How a design's prices and the usage turn into money; one per design.
struct Pricing<'a> {
    design: &'a Design,
    usage: &'a Usage,
    estimates: &'a Estimates,
    table: &'a PriceTable,
}

impl Pricing<'_> {
    /// Fargate's (vCPU-hour, GB-hour) prices for the task's architecture.
    fn fargate_rates(&self) -> (f64, f64) {
        let p = &self.table.prices;
        match self.design.task_architecture {
            Architecture::Arm64 => (p.fargate_arm64_vcpu_hour.usd, p.fargate_arm64_gb_hour.usd),
            Architecture::X86_64 => (p.fargate_x86_64_vcpu_hour.usd, p.fargate_x86_64_gb_hour.usd),
        }
    }

    fn task_hour_usd(&self) -> f64 {
        let p = &self.table.prices;
        let (vcpu, gb) = self.fargate_rates();
        let on_demand = self.design.task_vcpu * vcpu + self.design.task_memory_gb * gb;
        if self.design.fargate_spot {
            on_demand * (1.0 - p.fargate_spot_discount.fraction)
        } else {
            on_demand
        }
    }

    fn task_hour_basis(&self) -> String {
        let p = &self.table.prices;
        let (vcpu, gb) = self.fargate_rates();
        let spot = if self.design.fargate_spot {
            format!(", Spot -{:.0} %", p.fargate_spot_discount.fraction * 100.0)
        } else {
            String::new()
        };
        format!(
            "{} vCPU × {} + {} GB × {} ({}{spot})",
            number(self.design.task_vcpu),
            price(vcpu),
            number(self.design.task_memory_gb),
            price(gb),
            self.design.task_architecture
        )
    }

    fn addresses(&self) -> f64 {
        self.design.nlb_addresses + self.design.task_addresses
    }

    fn traffic_gb_per_hour(&self) -> (f64, f64) {
        traffic_gb_per_hour(self.usage, self.estimates)
    }

    fn traffic_basis(&self, gb: f64, unit_price: f64, what: &str) -> String {
        if self.usage.participants < 3 {
            format!(
                "{} participants talk peer-to-peer: no media through the NLB",
                self.usage.participants
            )
        } else {
            format!("{} GB {what} × {}", number(gb), price(unit_price))
        }
    }

    /// Logs cost per GB: ingestion plus storage for the retention period (steady state, uncompressed).
    fn logs_gb_usd(&self) -> f64 {
        let p = &self.table.prices;
        p.cloudwatch_logs_ingested_gb.usd
            + p.cloudwatch_logs_stored_gb_month.usd * self.design.log_retention_days / (MONTH_HOURS / 24.0)
    }

    fn logs_basis(&self, gb: f64) -> String {
        let p = &self.table.prices;
        format!(
            "{} GB × ({} in + {} × {}/30 stored)",
            number(gb),
            price(p.cloudwatch_logs_ingested_gb.usd),
            price(p.cloudwatch_logs_stored_gb_month.usd),
            number(self.design.log_retention_days)
        )
    }

    fn lambda_gb_second_usd(&self, control: &ControlPlane) -> f64 {
        let p = &self.table.prices;
        match control.lambda_architecture {
            Architecture::Arm64 => p.lambda_arm64_gb_second.usd,
            Architecture::X86_64 => p.lambda_x86_64_gb_second.usd,
        }
    }

    /// Requests, GB-seconds and log GB of `count` invocations.
    fn invocations(&self, control: &ControlPlane, count: f64) -> Consumption {
        Consumption {
            lambda_requests: count,
            lambda_gb_seconds: count * self.estimates.invocation_ms / 1000.0 * control.lambda_memory_gb,
            logs_gb: count * self.estimates.log_bytes_per_invocation / 1e9,
            data_transfer_out_gb: 0.0,
        }
    }

    fn lambda_usd(&self, control: &ControlPlane, used: Consumption) -> f64 {
        used.lambda_requests * self.table.prices.lambda_million_requests.usd / 1e6
            + used.lambda_gb_seconds * self.lambda_gb_second_usd(control)
            + used.logs_gb * self.logs_gb_usd()
    }

    fn container_insights_hour_usd(&self) -> f64 {
        self.estimates.container_insights_metrics * self.table.prices.cloudwatch_metric_month.usd / MONTH_HOURS
    }

    fn timeline(&self) -> Timeline {
        let e = self.estimates;
        let health = self.design.health_check_seconds;
        // When the task starts billing, counted from the click.
        let (click_to_ready, task_launch) = match self.design.start {
            StartOrder::Parallel => (
                e.nlb_active_seconds
                    .max(e.task_start_seconds)
                    .max(e.target_registration_seconds)
                    + health,
                0.0,
            ),
            StartOrder::Sequential => (
                e.nlb_active_seconds + e.task_start_seconds + e.target_registration_seconds + health,
                e.nlb_active_seconds,
            ),
        };
        let after_ready = self.usage.hours_per_meeting * 3600.0 + self.design.linger_seconds + e.stop_seconds;
        let nlb_alive = click_to_ready + after_ready;
        Timeline {
            click_to_ready_seconds: click_to_ready,
            task_billed_seconds: click_to_ready - task_launch + after_ready,
            nlb_alive_seconds: nlb_alive,
            nlb_started_hours: (nlb_alive / 3600.0).ceil(),
        }
    }

    fn idle_month(&self) -> (Section, Consumption) {
        let p = &self.table.prices;
        let mut section = Section::default();
        let mut used = Consumption::default();
        if let Some(control) = &self.design.control_plane {
            let checks = MONTH_MINUTES / control.schedule_minutes;
            used = self.invocations(control, checks);
            section.push(
                "idle check: Lambda requests",
                checks * p.lambda_million_requests.usd / 1e6,
                format!(
                    "{} invocations × {} per million",
                    number(checks),
                    price(p.lambda_million_requests.usd)
                ),
            );
            section.push(
                "idle check: Lambda duration",
                used.lambda_gb_seconds * self.lambda_gb_second_usd(control),
                format!(
                    "{} × {} ms × {} GB = {} GB-s × {}",
                    number(checks),
                    number(self.estimates.invocation_ms),
                    number(control.lambda_memory_gb),
                    number(used.lambda_gb_seconds),
                    price(self.lambda_gb_second_usd(control)),
                ),
            );
            section.push(
                "idle check: logs",
                used.logs_gb * self.logs_gb_usd(),
                format!(
                    "{} × {} B = {}",
                    number(checks),
                    number(self.estimates.log_bytes_per_invocation),
                    self.logs_basis(used.logs_gb)
                ),
            );
            section.push(
                "idle check: GetMetricData",
                0.0,
                "flows are read only while a meeting's NLB exists".to_string(),
            );
            section.push(
                "EventBridge schedule, ECS event rule",
                0.0,
                "schedules and AWS service events are free".to_string(),
            );
        }
        if self.design.custom_domain {
            section.push(
                "Route 53 hosted zone",
                p.route53_hosted_zone_month.usd,
                "your zone (billed with or without this stack)".to_string(),
            );
        } else {
            section.push("Route 53 hosted zone", 0.0, "none: no custom domain".to_string());
        }
        section.push("SSM parameters", 0.0, "standard tier and throughput: free".to_string());
        (section, used)
    }

    fn running_hour(&self) -> Section {
        let p = &self.table.prices;
        let mut section = Section::default();
        section.push("Fargate task", self.task_hour_usd(), self.task_hour_basis());
        section.push("NLB", p.nlb_hour.usd, "billed per started hour".to_string());
        let (processed_gb, out_gb) = self.traffic_gb_per_hour();
        section.push_traffic(
            "NLB capacity (NLCU)",
            processed_gb * p.nlcu_hour.usd,
            self.traffic_basis(processed_gb, p.nlcu_hour.usd, "processed"),
        );
        section.push(
            "public IPv4",
            self.addresses() * p.public_ipv4_hour.usd,
            format!("{} × {}", number(self.addresses()), price(p.public_ipv4_hour.usd)),
        );
        if let Some(control) = &self.design.control_plane {
            let checks = 60.0 / control.schedule_minutes;
            let metrics = checks * self.estimates.flow_metrics_per_check;
            section.push(
                "idle check: GetMetricData",
                metrics * p.cloudwatch_thousand_metrics_requested.usd / 1000.0,
                format!(
                    "{} checks × {} metrics × {} per 1,000",
                    number(checks),
                    number(self.estimates.flow_metrics_per_check),
                    price(p.cloudwatch_thousand_metrics_requested.usd)
                ),
            );
            section.push(
                "idle check: Lambda and its logs",
                self.lambda_usd(control, self.invocations(control, checks)),
                format!("{} invocations (billed idle too)", number(checks)),
            );
        }
        if self.design.container_insights {
            section.push(
                "Container Insights",
                self.container_insights_hour_usd(),
                format!(
                    "{} metrics × {} per month / {} h",
                    number(self.estimates.container_insights_metrics),
                    price(p.cloudwatch_metric_month.usd),
                    number(MONTH_HOURS)
                ),
            );
        }
        let log_gb = self.estimates.task_log_mb_per_hour / 1000.0;
        section.push(
            "Jitsi container logs",
            log_gb * self.logs_gb_usd(),
            self.logs_basis(log_gb),
        );
        section.push_traffic(
            "data transfer out",
            out_gb * p.data_transfer_out_gb.usd,
            self.traffic_basis(out_gb, p.data_transfer_out_gb.usd, "to participants"),
        );
        section
    }

    fn per_meeting(&self, timeline: &Timeline) -> (Section, Consumption) {
        let p = &self.table.prices;
        let e = self.estimates;
        let mut section = Section::default();
        let mut used = Consumption::default();
        let task_hours = timeline.task_billed_seconds / 3600.0;
        let nlb_minutes = timeline.nlb_alive_seconds / 60.0;
        section.push(
            "Fargate task",
            task_hours * self.task_hour_usd(),
            format!(
                "{} min × ${:.5} per hour",
                number(task_hours * 60.0),
                self.task_hour_usd()
            ),
        );
        section.push(
            "NLB",
            timeline.nlb_started_hours * p.nlb_hour.usd,
            format!(
                "{} started hours ({} min) × {}",
                number(timeline.nlb_started_hours),
                number(nlb_minutes),
                price(p.nlb_hour.usd)
            ),
        );
        let (processed_per_hour, out_per_hour) = self.traffic_gb_per_hour();
        let processed_gb = processed_per_hour * self.usage.hours_per_meeting;
        section.push_traffic(
            "NLB capacity (NLCU)",
            processed_gb * p.nlcu_hour.usd,
            self.traffic_basis(processed_gb, p.nlcu_hour.usd, "processed"),
        );
        let address_hours = (timeline.nlb_alive_seconds * self.design.nlb_addresses
            + timeline.task_billed_seconds * self.design.task_addresses)
            / 3600.0;
        section.push(
            "public IPv4",
            address_hours * p.public_ipv4_hour.usd,
            format!(
                "{} address-min × {} per hour",
                number(address_hours * 60.0),
                price(p.public_ipv4_hour.usd)
            ),
        );
        if let Some(control) = &self.design.control_plane {
            // The checks themselves are in the idle month; only their metric reads are extra.
            let metrics = nlb_minutes / control.schedule_minutes * e.flow_metrics_per_check;
            section.push(
                "idle check: GetMetricData",
                metrics * p.cloudwatch_thousand_metrics_requested.usd / 1000.0,
                format!(
                    "{} metrics while the NLB exists × {} per 1,000",
                    number(metrics),
                    price(p.cloudwatch_thousand_metrics_requested.usd)
                ),
            );
            let status_polls = (timeline.click_to_ready_seconds / e.status_poll_seconds).ceil();
            // The start page, POST /start, the polls and the task events.
            let count = 2.0 + status_polls + e.task_events_per_meeting;
            used = self.invocations(control, count);
            section.push(
                "Lambda: start, status polls, events",
                self.lambda_usd(control, used),
                format!(
                    "{} invocations × {} ms, with logs",
                    number(count),
                    number(e.invocation_ms)
                ),
            );
        }
        if let Some(control) = self.design.control_plane.as_ref().filter(|_| self.design.lets_encrypt) {
            // task-state's run that orders waits for the address to route (registration and
            // health checks), then about 10 s for the CA and the web server.
            let seconds = e.target_registration_seconds + self.design.health_check_seconds + 10.0;
            let order = Consumption {
                lambda_gb_seconds: seconds * control.lambda_memory_gb,
                ..Consumption::default()
            };
            used.lambda_gb_seconds += order.lambda_gb_seconds;
            section.push(
                "certificate: the order's run (Lambda)",
                self.lambda_usd(control, order),
                format!("one task-state run of about {} s", number(seconds)),
            );
            section.push(
                "certificate: TCP 80 listener, records",
                0.0,
                "Let's Encrypt is free; NLB listeners are not billed (their bytes are in the NLCU); the records fit SSM's free standard tier"
                    .to_string(),
            );
        }
        if self.design.container_insights {
            section.push(
                "Container Insights",
                task_hours * self.container_insights_hour_usd(),
                format!("{} task-hours", number(task_hours)),
            );
        }
        let log_gb = task_hours * e.task_log_mb_per_hour / 1000.0;
        used.logs_gb += log_gb;
        section.push(
            "Jitsi container logs",
            log_gb * self.logs_gb_usd(),
            self.logs_basis(log_gb),
        );
        used.data_transfer_out_gb = out_per_hour * self.usage.hours_per_meeting;
        section.push_traffic(
            "data transfer out",
            used.data_transfer_out_gb * p.data_transfer_out_gb.usd,
            self.traffic_basis(used.data_transfer_out_gb, p.data_transfer_out_gb.usd, "to participants"),
        );
        (section, used)
    }

    /// The month's scheduled meetings: (how many, what they cost, what they use). Each is a meeting
    /// of its window's length, started the lead early (this design: ready when people come; idle
    /// until then) and ended by the idle timer after people leave at the window's end.
    fn scheduled_meetings(&self) -> (f64, f64, Consumption) {
        let mut total = (0.0, 0.0, Consumption::default());
        for window in &self.design.scheduled {
            let usage = Usage {
                hours_per_meeting: window.minutes / 60.0,
                ..self.usage.clone()
            };
            let pricing = Pricing { usage: &usage, ..*self };
            let mut timeline = pricing.timeline();
            if let Some(lead) = self.design.scheduled_lead_seconds {
                let early = (lead - timeline.click_to_ready_seconds).max(0.0);
                timeline.task_billed_seconds += early;
                timeline.nlb_alive_seconds += early;
                timeline.nlb_started_hours = (timeline.nlb_alive_seconds / 3600.0).ceil();
            }
            let (section, used) = pricing.per_meeting(&timeline);
            total.0 += window.per_month;
            total.1 += window.per_month * section.total_usd;
            total.2 = total.2.plus(used, window.per_month);
        }
        total
    }

    fn free_tier_usd(&self, used: Consumption) -> f64 {
        let p = &self.table.prices;
        let free = &self.table.free_tier;
        let gb_second = self
            .design
            .control_plane
            .as_ref()
            .map_or(0.0, |c| self.lambda_gb_second_usd(c));
        used.lambda_requests.min(free.lambda_requests) * p.lambda_million_requests.usd / 1e6
            + used.lambda_gb_seconds.min(free.lambda_gb_seconds) * gb_second
            + used.logs_gb.min(free.cloudwatch_logs_gb) * p.cloudwatch_logs_ingested_gb.usd
            + used.data_transfer_out_gb.min(free.data_transfer_out_gb) * p.data_transfer_out_gb.usd
    }

    fn always_on_month_usd(&self) -> f64 {
        let p = &self.table.prices;
        let insights = if self.design.container_insights {
            self.container_insights_hour_usd()
        } else {
            0.0
        };
        let logs = self.estimates.task_log_mb_per_hour / 1000.0 * self.logs_gb_usd();
        MONTH_HOURS
            * (self.task_hour_usd() + p.nlb_hour.usd + self.addresses() * p.public_ipv4_hour.usd + insights + logs)
    }

    fn cost(&self) -> DesignCost {
        let timeline = self.timeline();
        let (idle_month, idle_used) = self.idle_month();
        let (per_meeting, meeting_used) = self.per_meeting(&timeline);
        let meetings = f64::from(self.usage.meetings);
        let (scheduled_meetings, scheduled_usd, scheduled_used) = self.scheduled_meetings();
        let consumption = idle_used.plus(meeting_used, meetings).plus(scheduled_used, 1.0);
        let meetings_usd = meetings * per_meeting.total_usd + scheduled_usd;
        let total_usd = idle_month.total_usd + meetings_usd;
        let free_tier_usd = self.free_tier_usd(consumption);
        DesignCost {
            design: self.design.clone(),
            month: Month {
                idle_usd: idle_month.total_usd,
                meetings_usd,
                scheduled_meetings,
                scheduled_usd,
                total_usd,
                free_tier_usd,
                total_after_free_tier_usd: total_usd - free_tier_usd,
                consumption,
            },
            running_hour: self.running_hour(),
            always_on_month_usd: self.always_on_month_usd(),
            timeline,
            idle_month,
            per_meeting,
        }
    }
}

/// This design against the old one and against running all month.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub saving_per_month_usd: f64,
    pub saving_per_month_percent: f64,
    pub saving_per_meeting_usd: f64,
    /// This design costs more while idle (the idle check): the number of meetings a month from which
    /// it is cheaper overall. None: the old design is cheaper per meeting.
    pub cheaper_than_old_from_meetings: Option<u32>,
    /// On demand costs less than the same stack running all month up to this many meetings of the
    /// given length a month (traffic costs the same either way and is left out). None: at any number
    /// that fits in a month.
    pub cheaper_than_always_on_up_to_meetings: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Estimate {
    pub usage: Usage,
    pub estimates: Estimates,
    pub this_design: DesignCost,
    pub old_design: DesignCost,
    pub comparison: Comparison,
}

pub fn estimate(deployment: &Deployment, usage: &Usage, estimates: &Estimates, table: &PriceTable) -> Estimate {
    let cost_of = |design: &Design| {
        Pricing {
            design,
            usage,
            estimates,
            table,
        }
        .cost()
    };
    let this_design = cost_of(&Design::this(deployment));
    let old_design = cost_of(&Design::old(deployment));
    let comparison = compare(&this_design, &old_design);
    Estimate {
        usage: usage.clone(),
        estimates: estimates.clone(),
        this_design,
        old_design,
        comparison,
    }
}

fn compare(this: &DesignCost, old: &DesignCost) -> Comparison {
    let saving_per_meeting_usd = old.per_meeting.total_usd - this.per_meeting.total_usd;
    let extra_idle_usd = this.month.idle_usd - old.month.idle_usd;
    let cheaper_than_old_from_meetings = (saving_per_meeting_usd > 0.0).then(|| {
        if extra_idle_usd < 0.0 {
            0
        } else {
            // The first whole meeting whose savings pass the extra idle cost.
            (extra_idle_usd / saving_per_meeting_usd).floor() as u32 + 1
        }
    });
    let per_meeting_without_traffic = this.per_meeting.without_traffic_usd();
    let fit_in_month = (MONTH_HOURS * 3600.0 / this.timeline.task_billed_seconds).floor();
    let break_even = ((this.always_on_month_usd - this.month.idle_usd) / per_meeting_without_traffic).floor();
    let cheaper_than_always_on_up_to_meetings = (break_even < fit_in_month).then_some(break_even.max(0.0) as u32);
    Comparison {
        saving_per_month_usd: old.month.total_usd - this.month.total_usd,
        saving_per_month_percent: if old.month.total_usd > 0.0 {
            (old.month.total_usd - this.month.total_usd) / old.month.total_usd * 100.0
        } else {
            0.0
        },
        saving_per_meeting_usd,
        cheaper_than_old_from_meetings,
        cheaper_than_always_on_up_to_meetings,
    }
}

/// A number without trailing zeros, with thousands separators, at most 4 significant decimals.
pub fn number(value: f64) -> String {
    let decimals = if value == value.trunc() {
        0
    } else if value.abs() >= 100.0 {
        1
    } else if value.abs() >= 1.0 {
        2
    } else {
        4
    };
    let text = format!("{value:.decimals$}");
    let (whole, fraction) = text.split_once('.').map_or((text.as_str(), ""), |(w, f)| (w, f));
    let (sign, digits) = whole.strip_prefix('-').map_or(("", whole), |d| ("-", d));
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{fraction}")
    }
}

/// A unit price as written in price lists: at least two decimals ($0.20, $0.0225, $0.0000133334).
fn price(usd: f64) -> String {
    let plain = usd.to_string();
    match plain.split_once('.') {
        Some((_, decimals)) if decimals.len() >= 2 => format!("${plain}"),
        _ => format!("${usd:.2}"),
    }
}
