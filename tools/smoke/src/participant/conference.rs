//! XMPP behind nginx, then a real conference. Two people join, because jicofo starts a conference
//! only at two participants (jicofo reference.conf `conference.min-participants = 2`); each then
//! gets jicofo's Jingle offer, whose ICE candidates are where media would go.
//!
//! With token authentication (config.js names a guest domain), it goes as on the start page: a
//! guest without a token is kept out of a room nobody has opened, the host logs in with the
//! moderator token the start returned and opens the room, then the guest gets in.

use super::endpoints::Endpoints;
use super::guest::{FocusAnswer, Guest, GuestError};
use super::hints::{bosh_hint, CONFERENCE_HINT, FOCUS_HINT, ROOM_HINT, TOKEN_HINT};
use super::jingle;
use super::xml::Element;
use super::{random_hex, random_rid, Record};
use crate::http::Client;
use crate::report::{Check, Stage};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const STAGE: Stage = Stage::Participant;
pub struct Conference<'a> {
    pub client: &'a Client,
    pub endpoints: &'a Endpoints,
    /// The room's local part; the room is `<room>@<muc>`.
    pub room: &'a str,
    /// The moderator token for this room (the start's `join.token`), for token authentication.
    pub token: Option<&'a str>,
    pub public_ip: Option<IpAddr>,
    /// For each XMPP step, and for jicofo's offer.
    pub timeout: Duration,
    pub stop: Arc<AtomicBool>,
}

impl Conference<'_> {
    fn deadline(&self) -> Instant {
        Instant::now() + self.timeout
    }

    fn connect(&self, domain: &str, token: Option<&str>) -> Result<Guest, GuestError> {
        let bosh = self.endpoints.bosh.clone();
        Guest::connect(
            self.client.clone(),
            bosh,
            domain,
            token,
            random_rid(),
            self.deadline(),
            self.stop.clone(),
        )
    }
}

/// Records the checks of the XMPP part; false if one failed.
pub fn run(plan: &Conference, record: Record) -> bool {
    let room = format!("{}@{}", plan.room, plan.endpoints.muc);
    match &plan.endpoints.guest_domain {
        Some(guest_domain) => with_host(plan, &room, guest_domain, record),
        None => open_to_all(plan, &room, record),
    }
}

/// No token authentication: two anonymous guests, the first opens the room.
fn open_to_all(plan: &Conference, room: &str, record: Record) -> bool {
    let e = plan.endpoints;
    let Some(mut first) = bosh_check(plan, &e.domain, record) else {
        return false;
    };
    if !focus_check(plan, &mut first, room, record) {
        first.leave(None);
        return false;
    }
    let second = || {
        let mut second = plan.connect(&e.domain, None)?;
        second.request_conference(&e.focus, room, &random_hex(16), false, plan.deadline())?;
        Ok(second)
    };
    conference_check(plan, room, first, second, record)
}

/// Token authentication: a guest is kept out until the host (with the start's token) opens the room.
fn with_host(plan: &Conference, room: &str, guest_domain: &str, record: Record) -> bool {
    let e = plan.endpoints;
    let Some(mut guest) = bosh_check(plan, guest_domain, record) else {
        return false;
    };
    let answer = guest.ask_conference(&e.focus, room, &random_hex(16), plan.deadline());
    let kept_out = match answer {
        Ok(FocusAnswer::Refused(condition)) => Ok(format!(
            "jicofo keeps a guest out of {room} until a host opens it ({condition})"
        )),
        Ok(FocusAnswer::NotReady) => Ok(format!(
            "jicofo keeps a guest out of {room} until a host opens it (not ready)"
        )),
        Ok(FocusAnswer::Ready(_)) => Err(format!("a guest without a token opened {room}")),
        Err(error) => Err(format!("conference request to {}: {error}", e.focus)),
    };
    match kept_out {
        Ok(detail) => record(Check::pass(STAGE, "host only", detail)),
        Err(detail) => {
            let hint = "anyone who finds the address could hold meetings here: ENABLE_AUTH=1 and AUTH_TYPE=jwt on \
                        prosody and jicofo";
            record(Check::fail(STAGE, "host only", detail, hint));
            guest.leave(None);
            return false;
        }
    }
    let Some(token) = plan.token else {
        record(Check::fail(
            STAGE,
            "moderator",
            "the deployment needs a moderator token (config.js names a guest domain), and none was given",
            "POST <start_url>start with {\"room\": …} answers with join.token; check-meeting takes --token",
        ));
        guest.leave(None);
        return false;
    };
    let mut host = match plan.connect(&e.domain, Some(token)) {
        Ok(host) => host,
        Err(error) => {
            record(Check::fail(
                STAGE,
                "moderator",
                format!("the host's login on {}: {error}", e.domain),
                TOKEN_HINT,
            ));
            guest.leave(None);
            return false;
        }
    };
    record(Check::pass(
        STAGE,
        "moderator",
        format!("the moderator token logs in on {}: bound {}", e.domain, host.jid),
    ));
    if !focus_check(plan, &mut host, room, record) {
        host.leave(None);
        guest.leave(None);
        return false;
    }
    let second = move || {
        guest.request_conference(&e.focus, room, &random_hex(16), true, plan.deadline())?;
        Ok(guest)
    };
    conference_check(plan, room, host, second, record)
}

/// The first login over BOSH: prosody alive behind nginx.
fn bosh_check(plan: &Conference, domain: &str, record: Record) -> Option<Guest> {
    let path = &plan.endpoints.bosh.path;
    match plan.connect(domain, None) {
        Ok(guest) => {
            let detail = format!(
                "anonymous XMPP session on {domain} over {path}: SASL ANONYMOUS, bound {}",
                guest.jid
            );
            record(Check::pass(STAGE, "bosh", detail));
            Some(guest)
        }
        Err(error) => {
            record(Check::fail(
                STAGE,
                "bosh",
                format!("POST {path}: {error}"),
                bosh_hint(&error),
            ));
            None
        }
    }
}

fn focus_check(plan: &Conference, guest: &mut Guest, room: &str, record: Record) -> bool {
    let focus = &plan.endpoints.focus;
    match guest.request_conference(focus, room, &random_hex(16), false, plan.deadline()) {
        Ok(focus_jid) => {
            let detail = format!("{focus} accepted the conference request for {room} (focus {focus_jid})");
            record(Check::pass(STAGE, "focus", detail));
            true
        }
        Err(error) => {
            record(Check::fail(
                STAGE,
                "focus",
                format!("conference request to {focus}: {error}"),
                FOCUS_HINT,
            ));
            false
        }
    }
}

/// Both in the room at once, each waiting for jicofo's offer; then the offers' candidates.
fn conference_check(
    plan: &Conference,
    room: &str,
    mut first: Guest,
    second: impl FnOnce() -> Result<Guest, GuestError> + Send,
    record: Record,
) -> bool {
    let began = Instant::now();
    let occupant = |n: u8| format!("{room}/smoke-{n}");
    // When one fails, the other stops waiting for an offer that cannot come.
    let give_up = Arc::new(AtomicBool::new(false));
    let failed = |result: Result<Element, (u8, GuestError)>| {
        if result.is_err() {
            give_up.store(true, Ordering::Relaxed);
        }
        result
    };
    first.give_up_with(give_up.clone());
    let (one, two) = std::thread::scope(|scope| {
        let one = scope.spawn(|| failed(attend(&mut first, &occupant(1), 1, plan.deadline())));
        let two = scope.spawn(|| {
            let mut guest = match second() {
                Ok(guest) => guest,
                Err(error) => {
                    give_up.store(true, Ordering::Relaxed);
                    return Err((2, error));
                }
            };
            guest.give_up_with(give_up.clone());
            let offer = failed(attend(&mut guest, &occupant(2), 2, plan.deadline()));
            guest.leave(Some(&occupant(2)));
            offer
        });
        (join(one), join(two))
    });
    first.leave(Some(&occupant(1)));
    // The first real failure, not the other participant's giving up.
    let real = |r: &Result<Element, (u8, GuestError)>| matches!(r, Err((_, e)) if *e != GuestError::Interrupted);
    let (one, two) = if real(&two) && !real(&one) {
        (two, one)
    } else {
        (one, two)
    };
    let offers = match (one, two) {
        (Ok(a), Ok(b)) => [a, b],
        (Err((n, error)), _) | (_, Err((n, error))) => {
            let hint = match &error {
                GuestError::Refused(why) if why.starts_with("the room refused") => ROOM_HINT,
                _ => CONFERENCE_HINT,
            };
            record(Check::fail(
                STAGE,
                "conference",
                format!("participant {n}: {error}"),
                hint,
            ));
            return false;
        }
    };
    record(Check::pass(
        STAGE,
        "conference",
        format!(
            "2 participants in {room}; jicofo offered each a Jingle session within {:.1} s",
            began.elapsed().as_secs_f64()
        ),
    ));
    candidates_check(&offers, plan.public_ip, record)
}

/// Joins the room and waits for the offer; errors name the participant.
fn attend(guest: &mut Guest, occupant: &str, n: u8, deadline: Instant) -> Result<Element, (u8, GuestError)> {
    guest
        .join(occupant, &format!("smoke {n}"), deadline)
        .map_err(|e| (n, e))?;
    guest.await_session_initiate(deadline).map_err(|e| (n, e))
}

fn join<T>(handle: std::thread::ScopedJoinHandle<'_, Result<T, (u8, GuestError)>>) -> Result<T, (u8, GuestError)> {
    handle
        .join()
        .unwrap_or_else(|_| Err((0, GuestError::Refused("the participant's thread panicked".into()))))
}

fn candidates_check(offers: &[Element], public_ip: Option<IpAddr>, record: Record) -> bool {
    let Some(expected) = public_ip else {
        record(Check::skip(
            STAGE,
            "ice candidates",
            "the meeting's public address is not known",
        ));
        return true;
    };
    for offer in offers {
        if let Err(problem) = jingle::check(&jingle::candidates(offer), expected) {
            record(Check::fail(STAGE, "ice candidates", problem.detail, problem.hint));
            return false;
        }
    }
    let detail = jingle::check(&jingle::candidates(&offers[0]), expected).unwrap_or_default();
    record(Check::pass(STAGE, "ice candidates", detail));
    true
}
