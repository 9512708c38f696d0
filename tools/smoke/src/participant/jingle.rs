//! The ICE candidates in jicofo's Jingle offer: where participants will send their media. They must
//! carry the meeting's public address (the Elastic IP on the load balancer) on UDP 10000, which the
//! bridge knows only from JVB_ADVERTISE_IPS (design notes §2), and no other public address: the
//! task's own public IP, learnt over STUN, would let clients bypass the load balancer.

use super::xml::Element;
use std::fmt;
use std::net::IpAddr;

pub const ICE_UDP: &str = "urn:xmpp:jingle:transports:ice-udp:1";
pub const MEDIA_PORT: u16 = 10000;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    pub ip: String,
    pub port: u16,
    pub protocol: String,
    /// host, srflx, relay…
    pub kind: String,
}

impl fmt::Display for Candidate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}/{} ({})", self.ip, self.port, self.protocol, self.kind)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CandidateProblem {
    pub detail: String,
    pub hint: &'static str,
}

const ADVERTISE_HINT: &str = "the bridge does not advertise the meeting's Elastic IP: JVB_ADVERTISE_IPS comes from \
the SSM parameter named by ADVERTISE_IPS_PARAMETER, which start-meeting writes before the task starts (a task launched \
earlier keeps the old value): stop the meeting, start it again, and check that parameter";
const STUN_HINT: &str = "set JVB_DISABLE_STUN=1 on the jvb container (terraform/modules/jitsi-service/containers.tf): \
only the load balancer's address may be offered";
const EMPTY_HINT: &str = "the bridge offered no transport: check the jvb container's log (CloudWatch, /ecs/<stack>)";

/// Every ICE-UDP candidate of every content in the offer.
pub fn candidates(jingle: &Element) -> Vec<Candidate> {
    let mut found: Vec<Candidate> = jingle
        .find_all("transport")
        .into_iter()
        .filter(|t| t.xmlns() == Some(ICE_UDP))
        .flat_map(|t| t.find_all("candidate"))
        .filter_map(|c| {
            Some(Candidate {
                ip: c.attr("ip")?.to_string(),
                port: c.attr("port")?.parse().ok()?,
                protocol: c.attr("protocol").unwrap_or("udp").to_ascii_lowercase(),
                kind: c.attr("type").unwrap_or("host").to_string(),
            })
        })
        .collect();
    // BUNDLE repeats the same candidates in every content.
    found.sort();
    found.dedup();
    found
}

/// Passes with a one-line description, or says what is wrong and what to do.
pub fn check(offered: &[Candidate], expected: IpAddr) -> Result<String, CandidateProblem> {
    if offered.is_empty() {
        return Err(CandidateProblem {
            detail: "jicofo's offer carries no ICE-UDP candidate".into(),
            hint: EMPTY_HINT,
        });
    }
    let list = |c: &[&Candidate]| c.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", ");
    let all: Vec<&Candidate> = offered.iter().collect();
    let is_expected = |c: &&Candidate| c.ip.parse::<IpAddr>().ok() == Some(expected);
    let carries_address = offered
        .iter()
        .any(|c| is_expected(&c) && c.port == MEDIA_PORT && c.protocol == "udp");
    if !carries_address {
        return Err(CandidateProblem {
            detail: format!(
                "the bridge offers {}; expected the meeting's address {expected} on UDP {MEDIA_PORT}",
                list(&all)
            ),
            hint: ADVERTISE_HINT,
        });
    }
    let other_public: Vec<&Candidate> = offered
        .iter()
        .filter(|c| !is_expected(c) && c.ip.parse::<IpAddr>().is_ok_and(is_public))
        .collect();
    if !other_public.is_empty() {
        return Err(CandidateProblem {
            detail: format!(
                "the bridge also offers {}: a public address other than the meeting's {expected}",
                list(&other_public)
            ),
            hint: STUN_HINT,
        });
    }
    Ok(format!(
        "the bridge offers {expected}:{MEDIA_PORT}/udp and no other public address ({} candidate{})",
        offered.len(),
        if offered.len() == 1 { "" } else { "s" }
    ))
}

/// Reachable from the internet: not private (RFC 1918, RFC 4193), shared (RFC 6598), loopback,
/// link-local, unspecified or multicast.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            let shared = a == 100 && (64..128).contains(&b);
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || shared)
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            let unique_local = first & 0xfe00 == 0xfc00;
            let link_local = first & 0xffc0 == 0xfe80;
            !(v6.is_loopback() || v6.is_unspecified() || v6.is_multicast() || unique_local || link_local)
        }
    }
}

#[cfg(test)]
#[path = "jingle_tests.rs"]
mod tests;
