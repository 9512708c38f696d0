//! People in a meeting, as the load balancer's CloudWatch metrics show them.

use crate::scheduler::MinuteTraffic;

/// People in the meeting, as the NLB's metrics show them: what they send and receive through it
/// each minute.
#[derive(Debug, Clone, Copy)]
pub struct People {
    pub traffic: MinuteTraffic,
}

impl People {
    /// Several people on the video bridge: audio and video through the UDP listener.
    pub const TALKING: Self = Self {
        traffic: MinuteTraffic {
            media_bytes: 2_000_000.0,
            media_flows: 4.0,
            web_bytes: 30_000.0,
            web_flows: 4.0,
        },
    };
    /// Two people peer-to-peer: no media through the bridge, only their two signalling
    /// connections (XMPP pings every 10 s each).
    pub const ONE_TO_ONE: Self = Self {
        traffic: MinuteTraffic {
            media_bytes: 0.0,
            media_flows: 0.0,
            web_bytes: 6_000.0,
            web_flows: 2.0,
        },
    };
    /// One person waiting alone for the others: one signalling connection.
    pub const WAITING: Self = Self {
        traffic: MinuteTraffic {
            media_bytes: 0.0,
            media_flows: 0.0,
            web_bytes: 3_000.0,
            web_flows: 1.0,
        },
    };
}
