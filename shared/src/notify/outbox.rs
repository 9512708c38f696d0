//! The outbox: which notifications exist and which are due, from the records in SSM alone.
//! Each event is a parameter `<meeting>.<kind>` created without overwrite (the first run to see
//! it wins); each attempt to send it is `<meeting>.<kind>.<n>`, also claimed without overwrite
//! before the POST, so concurrent runs never send the same attempt twice. Pure functions.

use crate::model::Time;
use chrono::Duration;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Sends of one event, at most (one per trigger: the ticks space them a minute apart).
pub const MAX_ATTEMPTS: u32 = 5;
/// An attempt still `sending` this long after its claim was cut off (its run's budget is
/// seconds): the next trigger tries again.
pub const IN_FLIGHT: Duration = Duration::seconds(60);
/// Records of a meeting are deleted this long after their last change.
pub const KEEP: Duration = Duration::days(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Ready,
    Ended,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Ready => "ready",
            Kind::Ended => "ended",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Kind::Ready, Kind::Ended].into_iter().find(|k| k.as_str() == text)
    }
}

/// What happened, as recorded by the run that first saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub at: Time,
    /// How the meeting began, in words; an end knows it only if its run read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_by: Option<String>,
    /// Ready: from the start to ready. Ended: from the start to the end.
    pub seconds: i64,
    /// Ended only: why, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Ended only: the meeting's cost at `make cost`'s prices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptState {
    Sending,
    Sent,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub state: AttemptState,
    pub at: Time,
    /// Why it failed (an HTTP status or a connection error; never the URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// One event of one meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key<'a> {
    pub meeting: &'a str,
    pub kind: Kind,
}

impl Key<'_> {
    pub fn event_name(&self) -> String {
        format!("{}.{}", self.meeting, self.kind.as_str())
    }

    pub fn attempt_name(&self, n: u32) -> String {
        format!("{}.{}.{n}", self.meeting, self.kind.as_str())
    }
}

/// The records, by meeting and kind.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outbox {
    events: BTreeMap<(String, Kind), Event>,
    attempts: BTreeMap<(String, Kind), BTreeMap<u32, Attempt>>,
}

impl Outbox {
    /// From `(name under the path, value)` pairs; unreadable ones are left out (and so, once
    /// old, never deleted by this code: nothing this code writes is unreadable).
    pub fn from_records<'a>(records: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut outbox = Self::default();
        for (name, value) in records {
            let mut parts = name.split('.');
            let (Some(meeting), Some(kind)) = (parts.next(), parts.next().and_then(Kind::parse)) else {
                continue;
            };
            match parts.next().map(str::parse::<u32>) {
                None => {
                    if let Ok(event) = serde_json::from_str(value) {
                        outbox.events.insert((meeting.to_string(), kind), event);
                    }
                }
                Some(Ok(n)) => {
                    if let Ok(attempt) = serde_json::from_str(value) {
                        outbox
                            .attempts
                            .entry((meeting.to_string(), kind))
                            .or_default()
                            .insert(n, attempt);
                    }
                }
                Some(Err(_)) => {}
            }
        }
        outbox
    }

    /// An event this run recorded itself.
    pub fn add_event(&mut self, key: Key, event: Event) {
        self.events.insert((key.meeting.to_string(), key.kind), event);
    }

    pub fn has(&self, meeting: &str, kind: Kind) -> bool {
        self.events.contains_key(&(meeting.to_string(), kind))
    }

    /// The attempts to send one event, in order.
    pub fn attempts(&self, key: Key) -> Vec<&Attempt> {
        self.attempts
            .get(&(key.meeting.to_string(), key.kind))
            .map(|attempts| attempts.values().collect())
            .unwrap_or_default()
    }

    pub fn event(&self, key: Key) -> Option<&Event> {
        self.events.get(&(key.meeting.to_string(), key.kind))
    }

    /// The events to send now, each with the number of the attempt to claim. A ready message is
    /// news only while that meeting runs; an ended one until it was sent or the attempts ran out.
    pub fn due(&self, current_meeting: Option<&str>, now: Time) -> Vec<(Key<'_>, u32)> {
        self.events
            .keys()
            .filter(|(meeting, kind)| *kind == Kind::Ended || current_meeting == Some(meeting.as_str()))
            .filter_map(|(meeting, kind)| {
                let attempts = self.attempts.get(&(meeting.clone(), *kind));
                let next = next_attempt(attempts, now)?;
                Some((
                    Key {
                        meeting: meeting.as_str(),
                        kind: *kind,
                    },
                    next,
                ))
            })
            .collect()
    }

    /// The names of every record of meetings that are over and quiet for [`KEEP`].
    pub fn forgettable(&self, current_meeting: Option<&str>, now: Time) -> Vec<String> {
        let mut last_change: BTreeMap<&str, Time> = BTreeMap::new();
        let mut names: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for ((meeting, kind), event) in &self.events {
            let key = Key { meeting, kind: *kind };
            bump(&mut last_change, meeting, event.at);
            names.entry(meeting).or_default().push(key.event_name());
        }
        for ((meeting, kind), attempts) in &self.attempts {
            let key = Key { meeting, kind: *kind };
            for (n, attempt) in attempts {
                bump(&mut last_change, meeting, attempt.at);
                names.entry(meeting).or_default().push(key.attempt_name(*n));
            }
        }
        last_change
            .into_iter()
            .filter(|(meeting, at)| Some(*meeting) != current_meeting && now - *at >= KEEP)
            .flat_map(|(meeting, _)| names.remove(meeting).unwrap_or_default())
            .collect()
    }
}

fn bump<'a>(latest: &mut BTreeMap<&'a str, Time>, meeting: &'a str, at: Time) {
    let entry = latest.entry(meeting).or_insert(at);
    *entry = (*entry).max(at);
}

/// The attempt to claim next, if one is due: none after a success, while one is in flight, or
/// once [`MAX_ATTEMPTS`] were made.
fn next_attempt(attempts: Option<&BTreeMap<u32, Attempt>>, now: Time) -> Option<u32> {
    let Some(attempts) = attempts else {
        return Some(1);
    };
    if attempts.values().any(|a| a.state == AttemptState::Sent) {
        return None;
    }
    let (last, attempt) = attempts.iter().next_back()?;
    let in_flight = attempt.state == AttemptState::Sending && now - attempt.at < IN_FLIGHT;
    (*last < MAX_ATTEMPTS && !in_flight).then_some(last + 1)
}
