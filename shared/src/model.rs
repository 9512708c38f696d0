//! What AWS reports right now, as plain values. `cloud::Aws::observe` fills a [`Snapshot`];
//! everything else in the crate decides from it without touching the network.

use chrono::{DateTime, Utc};

pub type Time = DateTime<Utc>;

/// Everything the lifecycle depends on, read in one pass. A trigger reads only what it can need
/// (`cloud::Reads` says what each leaves out and why); what it leaves out stays empty here.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// The switch: 0 = no meeting wanted, 1 = meeting wanted.
    pub desired_count: i32,
    /// Tasks ECS means to run (desired status RUNNING). A status read while none is live adds the
    /// stopped ones, whose reason says why a launch failed.
    pub tasks: Vec<Task>,
    /// Every load balancer carrying the meeting's name. AWS allows one; the emulator may hold more.
    pub load_balancers: Vec<LoadBalancer>,
    /// Elastic IPs tagged with this stack.
    pub addresses: Vec<Address>,
    pub jvb_targets: Vec<Target>,
    pub web_targets: Vec<Target>,
    /// The port 80 group's, with an ACME CA only.
    pub http_targets: Vec<Target>,
    /// The SSM parameter the JVB container reads as `JVB_ADVERTISE_IPS` when it starts.
    pub advertised: Advertised,
    /// The meeting hostname's A record, when a hosted zone is configured and the record exists.
    pub dns_record: Option<DnsRecord>,
    /// The meeting load balancer's traffic per minute; read only when deciding about idleness.
    pub traffic: Option<Traffic>,
    /// The certificate records, with an ACME CA, when the trigger can act on them or show them.
    pub certificates: Option<crate::certificate::Records>,
    /// When the meeting was last stopped by hand, read only while a scheduled window is open
    /// (a window does not restart a meeting stopped inside it).
    pub manual_stop_at: Option<Time>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub arn: String,
    pub last_status: String,
    pub desired_status: String,
    /// The awsvpc ENI's private IPv4, known from the moment the ENI is attached.
    pub private_ip: Option<String>,
    pub created_at: Option<Time>,
    pub started_at: Option<Time>,
    pub stopped_reason: Option<String>,
}

impl Task {
    /// Meant to run and not on its way down: its IP belongs on the target groups.
    pub fn is_live(&self) -> bool {
        self.desired_status == "RUNNING"
            && !matches!(
                self.last_status.as_str(),
                "DEACTIVATING" | "STOPPING" | "DEPROVISIONING" | "STOPPED"
            )
    }

    /// Still holds resources (an ENI, a running container) even if it is on its way down.
    pub fn is_present(&self) -> bool {
        self.last_status != "STOPPED"
    }

    pub fn is_running(&self) -> bool {
        self.is_live() && self.last_status == "RUNNING"
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LoadBalancer {
    pub arn: String,
    pub dns_name: String,
    pub state: LoadBalancerState,
    pub created_at: Time,
    /// The addresses AWS reports on the load balancer itself (`LoadBalancerAddresses`, one per
    /// subnet mapping): the source of truth for the meeting's address while it exists.
    pub addresses: Vec<LoadBalancerAddress>,
    /// `None` when not read: both target groups reported targets in use, which only this load
    /// balancer's listeners can cause (a group no listener forwards to reports them `unused`).
    pub listeners: Option<Vec<Listener>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadBalancerAddress {
    pub allocation_id: String,
    pub public_ip: String,
}

impl LoadBalancer {
    /// The `LoadBalancer` dimension of its CloudWatch metrics: `net/<name>/<id>`.
    pub fn metric_dimension(&self) -> Option<&str> {
        self.arn.split_once(":loadbalancer/").map(|(_, suffix)| suffix)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadBalancerState {
    Provisioning,
    Active,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    pub arn: String,
    pub spec: ListenerSpec,
}

/// What a listener does, without its identity: compared to decide whether it is right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerSpec {
    pub protocol: String,
    pub port: i32,
    pub target_group_arn: String,
    pub certificate_arn: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub allocation_id: String,
    pub public_ip: String,
    /// Attached to a network interface (on AWS, the load balancer's, until it is fully gone).
    pub associated: bool,
    pub allocated_at: Option<Time>,
    /// How the meeting began (its allocation's tag, written by the run that started it):
    /// [`STARTED_BY_CLICK`] or `schedule:<window>`.
    pub started_by: Option<String>,
}

pub const STARTED_BY_CLICK: &str = "click";

/// The started-by tag of a meeting a window started.
pub fn started_by_schedule(window: &str) -> String {
    format!("schedule:{window}")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub ip: String,
    pub health: TargetHealth,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetHealth {
    Initial,
    Healthy,
    Unhealthy(String),
    Draining,
    /// Registered, but the group has no load balancer yet (or the zone is not enabled).
    Unused,
    Other(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Advertised {
    pub value: String,
    pub modified_at: Option<Time>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsRecord {
    pub values: Vec<String>,
    pub ttl: i64,
}

/// What CloudWatch reports of the meeting load balancer's traffic since it was created, per
/// minute. Minutes without traffic have no datapoint (AWS publishes these metrics only when they
/// are not zero), so they are simply absent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Traffic {
    pub minutes: Vec<TrafficMinute>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrafficMinute {
    /// The start of the minute (CloudWatch stamps a datapoint with the start of its period).
    pub minute: Time,
    /// Bytes through the UDP listener: the video bridge's media.
    pub media_bytes: f64,
    /// Bytes through the web listener (TCP or TLS 443): the page and its XMPP signalling.
    pub signalling_bytes: f64,
}

impl Snapshot {
    /// The load balancer the meeting uses: the oldest one, so concurrent starts agree on it.
    pub fn meeting_load_balancer(&self) -> Option<&LoadBalancer> {
        self.load_balancers
            .iter()
            .min_by(|a, b| (a.created_at, &a.arn).cmp(&(b.created_at, &b.arn)))
    }

    /// The address the meeting uses. While a load balancer exists, the one AWS reports on it
    /// (even if it is missing from the tagged addresses); before, the lowest free one, so that
    /// concurrent starts pick the same address and release the others.
    pub fn meeting_address(&self) -> Option<Address> {
        if let Some(lb) = self.meeting_load_balancer() {
            let own = lb.addresses.first()?;
            let listed = self.addresses.iter().find(|a| a.allocation_id == own.allocation_id);
            return Some(Address {
                allocation_id: own.allocation_id.clone(),
                public_ip: own.public_ip.clone(),
                associated: true,
                allocated_at: listed.and_then(|a| a.allocated_at),
                started_by: listed.and_then(|a| a.started_by.clone()),
            });
        }
        self.addresses
            .iter()
            .filter(|a| !a.associated)
            .min_by(|a, b| a.allocation_id.cmp(&b.allocation_id))
            .cloned()
    }

    /// Whether any load balancer of the stack holds this allocation.
    pub fn held_by_load_balancer(&self, allocation_id: &str) -> bool {
        self.load_balancers
            .iter()
            .flat_map(|lb| &lb.addresses)
            .any(|a| a.allocation_id == allocation_id)
    }

    pub fn live_task_ips(&self) -> Vec<&str> {
        let mut ips: Vec<&str> = self
            .tasks
            .iter()
            .filter(|t| t.is_live())
            .filter_map(|t| t.private_ip.as_deref())
            .collect();
        ips.sort_unstable();
        ips.dedup();
        ips
    }

    pub fn any_task_present(&self) -> bool {
        self.tasks.iter().any(Task::is_present)
    }

    /// When the current meeting began: the click that allocated its address (the allocation's tag,
    /// written by that click), else the creation of its load balancer (which follows the allocation).
    pub fn meeting_started_at(&self) -> Option<Time> {
        self.meeting_address()
            .and_then(|a| a.allocated_at)
            .or_else(|| self.meeting_load_balancer().map(|lb| lb.created_at))
    }
}
