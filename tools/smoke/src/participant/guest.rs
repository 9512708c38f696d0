//! One anonymous guest, as the Jitsi Meet page is one: an XMPP session over BOSH (SASL ANONYMOUS,
//! stream restart, resource bind), the conference request to jicofo, the room, and the Jingle
//! offer jicofo sends once the conference starts. Stanzas the server sends meanwhile are answered
//! as a browser would (stanza::reply_to) and kept until someone waits for them.

use super::bosh::{Bosh, BoshError};
use super::stanza;
use super::xml::Element;
use crate::http::Client;
use crate::url::Url;
use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// How long the server may hold a request that has nothing to send (XEP-0124 `wait`): short, so
/// that deadlines and Ctrl-C are noticed; the HTTP timeout must be longer.
pub const WAIT_SECONDS: u32 = 10;
/// Stanzas nobody waited for are kept this many deep (presences of others, chat).
const INBOX_LIMIT: usize = 256;

#[derive(Debug, Clone, PartialEq)]
pub enum GuestError {
    Bosh(BoshError),
    /// The server said no: a SASL failure, an error stanza.
    Refused(String),
    /// What was awaited did not come in time.
    Timeout(String),
    Interrupted,
}

impl fmt::Display for GuestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GuestError::Bosh(error) => write!(f, "{error}"),
            GuestError::Refused(why) => write!(f, "{why}"),
            GuestError::Timeout(what) => write!(f, "no {what} in time"),
            GuestError::Interrupted => write!(f, "interrupted"),
        }
    }
}

/// What jicofo said to a conference request.
#[derive(Debug, Clone, PartialEq)]
pub enum FocusAnswer {
    /// `ready='true'`, with the focus's JID.
    Ready(String),
    NotReady,
    /// An error stanza, with its condition (`not-authorized`: a guest may not open the room).
    Refused(String),
}

pub struct Guest {
    bosh: Bosh,
    /// The full JID the server bound.
    pub jid: String,
    inbox: VecDeque<Element>,
    outbox: Vec<String>,
    next_id: u32,
    stop: Arc<AtomicBool>,
    /// Set when the other participant has failed: waiting on is pointless.
    give_up: Option<Arc<AtomicBool>>,
}

impl Guest {
    /// Logs in anonymously and binds a resource. With a token, it rides on the BOSH URL as
    /// lib-jitsi-meet puts it there (xmpp.ts `createConnection`: `?token=`), and prosody's
    /// token authentication checks it at the SASL step.
    pub fn connect(
        client: Client,
        bosh_url: Url,
        domain: &str,
        token: Option<&str>,
        first_rid: u64,
        deadline: Instant,
        stop: Arc<AtomicBool>,
    ) -> Result<Guest, GuestError> {
        let bosh_url = match token {
            Some(token) => Url {
                path: format!(
                    "{}{}token={token}",
                    bosh_url.path,
                    if bosh_url.path.contains('?') { '&' } else { '?' }
                ),
                ..bosh_url
            },
            None => bosh_url,
        };
        let (bosh, first) =
            Bosh::create(client, bosh_url, domain, WAIT_SECONDS, first_rid).map_err(GuestError::Bosh)?;
        let mut guest = Guest {
            bosh,
            jid: String::new(),
            inbox: first.children.into(),
            outbox: Vec::new(),
            next_id: 0,
            stop,
            give_up: None,
        };
        let features = guest.await_stanza("stream features", deadline, |s| {
            (s.name == "features").then(|| s.clone())
        })?;
        let mechanisms: Vec<String> = features.find_all("mechanism").iter().map(|m| m.text.clone()).collect();
        if !mechanisms.iter().any(|m| m == "ANONYMOUS") {
            return Err(GuestError::Refused(format!(
                "the server offers no anonymous login (mechanisms: {})",
                mechanisms.join(", ")
            )));
        }
        guest.outbox.push(stanza::auth_anonymous());
        let outcome = guest.await_stanza("answer to SASL ANONYMOUS", deadline, |s| match s.name.as_str() {
            "success" => Some(Ok(())),
            "failure" => Some(Err(s.children.first().map_or("unspecified".into(), |c| c.name.clone()))),
            _ => None,
        })?;
        outcome.map_err(|condition| GuestError::Refused(format!("SASL ANONYMOUS failed ({condition})")))?;
        let restarted = guest.bosh.restart().map_err(GuestError::Bosh)?;
        guest.inbox.extend(restarted.children);
        let features = guest.await_stanza("stream features after the restart", deadline, |s| {
            (s.name == "features").then(|| s.clone())
        })?;
        let id = guest.id();
        guest.outbox.push(stanza::bind(&id));
        let bound = guest.await_result(&id, "answer to the resource bind", deadline)?;
        guest.jid = bound
            .find("jid")
            .map(|j| j.text.clone())
            .ok_or_else(|| GuestError::Refused(format!("the bind answer has no JID: {}", bound.to_xml())))?;
        // RFC 3921 sessions: prosody still offers one, marked optional; only a required one is sent.
        if features.find("session").is_some_and(|s| s.child("optional").is_none()) {
            let id = guest.id();
            guest.outbox.push(stanza::session(&id));
            guest.await_result(&id, "answer to the session request", deadline)?;
        }
        Ok(guest)
    }

    /// One conference request (lib-jitsi-meet moderator.ts `_createConferenceIq`) and jicofo's
    /// answer to it.
    pub fn ask_conference(
        &mut self,
        focus: &str,
        room: &str,
        machine_uid: &str,
        deadline: Instant,
    ) -> Result<FocusAnswer, GuestError> {
        let id = self.id();
        self.outbox
            .push(stanza::conference_request(&id, focus, room, machine_uid));
        let answer = self.await_stanza(&format!("answer from {focus}"), deadline, |s| {
            let matches = s.name == "iq"
                && s.attr("id") == Some(id.as_str())
                && matches!(s.attr("type"), Some("result" | "error"));
            matches.then(|| s.clone())
        })?;
        if answer.attr("type") == Some("error") {
            return Ok(FocusAnswer::Refused(stanza::error_condition(&answer)));
        }
        let conference = answer.child("conference");
        Ok(match conference.and_then(|c| c.attr("ready")) {
            Some("true") => {
                FocusAnswer::Ready(conference.and_then(|c| c.attr("focusjid")).unwrap_or(focus).to_string())
            }
            _ => FocusAnswer::NotReady,
        })
    }

    /// Asks until jicofo answers ready, as lib-jitsi-meet does: after a doubling delay while it is
    /// not ready (moderator.ts `_handleSuccess`) and, when `wait_for_host`, while a guest is not
    /// allowed to open the room yet (the page shows "waiting for the host"). Returns the focus's JID.
    pub fn request_conference(
        &mut self,
        focus: &str,
        room: &str,
        machine_uid: &str,
        wait_for_host: bool,
        deadline: Instant,
    ) -> Result<String, GuestError> {
        let mut delay = Duration::from_secs(1);
        loop {
            let last = match self.ask_conference(focus, room, machine_uid, deadline)? {
                FocusAnswer::Ready(focus_jid) => return Ok(focus_jid),
                FocusAnswer::Refused(condition) if !wait_for_host => {
                    return Err(GuestError::Refused(format!(
                        "{focus} refused the conference request ({condition})"
                    )))
                }
                FocusAnswer::Refused(condition) => format!("refused ({condition})"),
                FocusAnswer::NotReady => "not ready".to_string(),
            };
            if Instant::now() + delay >= deadline {
                return Err(GuestError::Timeout(format!(
                    "ready='true' from {focus} (it kept answering {last})"
                )));
            }
            self.pause(delay)?;
            delay *= 2;
        }
    }

    /// Enters the room as `occupant` (`room@muc/nick`).
    pub fn join(&mut self, occupant: &str, nick: &str, deadline: Instant) -> Result<(), GuestError> {
        self.outbox.push(stanza::join_room(occupant, nick));
        let answer = self.await_stanza("presence from the room", deadline, |s| {
            let own = s.attr("from") == Some(occupant)
                || s.find_all("status").iter().any(|st| st.attr("code") == Some("110"));
            (s.name == "presence" && own).then(|| s.clone())
        })?;
        if answer.attr("type") == Some("error") {
            return Err(GuestError::Refused(format!(
                "the room refused the guest ({})",
                stanza::error_condition(&answer)
            )));
        }
        Ok(())
    }

    /// Waits for jicofo's offer: the `<jingle action='session-initiate'>` element.
    pub fn await_session_initiate(&mut self, deadline: Instant) -> Result<Element, GuestError> {
        self.await_stanza("Jingle session-initiate from jicofo", deadline, |s| {
            let jingle = s
                .child("jingle")
                .filter(|j| j.attr("action") == Some("session-initiate"))?;
            (s.name == "iq" && s.attr("type") == Some("set")).then(|| jingle.clone())
        })
    }

    /// Leaves the room and ends the session, sending what is still owed (the Jingle ack).
    pub fn leave(mut self, occupant: Option<&str>) {
        let mut last = std::mem::take(&mut self.outbox);
        if let Some(occupant) = occupant {
            last.push(stanza::leave_room(occupant));
        }
        self.bosh.terminate(&last);
    }

    /// Also stop waiting once this flag is set.
    pub fn give_up_with(&mut self, flag: Arc<AtomicBool>) {
        self.give_up = Some(flag);
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || self.give_up.as_ref().is_some_and(|f| f.load(Ordering::Relaxed))
    }

    fn id(&mut self) -> String {
        self.next_id += 1;
        format!("smoke{}", self.next_id)
    }

    fn await_result(&mut self, id: &str, what: &str, deadline: Instant) -> Result<Element, GuestError> {
        let answer = self.await_stanza(what, deadline, |s| {
            let matches =
                s.name == "iq" && s.attr("id") == Some(id) && matches!(s.attr("type"), Some("result" | "error"));
            matches.then(|| s.clone())
        })?;
        if answer.attr("type") == Some("error") {
            return Err(GuestError::Refused(format!(
                "the {what} was an error ({})",
                stanza::error_condition(&answer)
            )));
        }
        Ok(answer)
    }

    /// The first stanza (kept or new) the matcher accepts; polls the server until then.
    fn await_stanza<T>(
        &mut self,
        what: &str,
        deadline: Instant,
        mut matcher: impl FnMut(&Element) -> Option<T>,
    ) -> Result<T, GuestError> {
        loop {
            for index in 0..self.inbox.len() {
                if let Some(found) = matcher(&self.inbox[index]) {
                    self.inbox.remove(index);
                    return Ok(found);
                }
            }
            if self.stopped() {
                return Err(GuestError::Interrupted);
            }
            if Instant::now() >= deadline {
                return Err(GuestError::Timeout(what.to_string()));
            }
            self.exchange()?;
        }
    }

    /// One request: what we owe goes out, what the server has comes in (and is answered).
    fn exchange(&mut self) -> Result<(), GuestError> {
        let stanzas = std::mem::take(&mut self.outbox);
        let body = self.bosh.send(&stanzas).map_err(GuestError::Bosh)?;
        for stanza in body.children {
            if let Some(reply) = stanza::reply_to(&stanza) {
                self.outbox.push(reply);
            }
            self.inbox.push_back(stanza);
            if self.inbox.len() > INBOX_LIMIT {
                self.inbox.pop_front();
            }
        }
        Ok(())
    }

    fn pause(&self, delay: Duration) -> Result<(), GuestError> {
        let until = Instant::now() + delay;
        while Instant::now() < until {
            if self.stopped() {
                return Err(GuestError::Interrupted);
            }
            sleep(Duration::from_millis(100));
        }
        Ok(())
    }
}
