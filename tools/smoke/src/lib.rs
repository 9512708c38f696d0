//! `make smoke`: proves a deployed jitsi-on-demand stack works end to end, with the user's
//! credentials and the stack's real Function URLs: preflight, a start followed to ready, the
//! meeting seen from outside as a participant sees it, the stop until nothing is left, and a
//! summary with timings and the meeting's cost. `run` is the whole of it; `participant` alone is
//! what tests run against the loopback stand-in of a Jitsi deployment.

pub mod aws;
pub mod cli;
pub mod control;
pub mod diagnose;
pub mod follow;
pub mod http;
pub mod interrupt;
pub mod life;
pub use pricing::meeting as meeting_cost;
pub mod participant;
pub mod preflight;
pub mod report;
pub mod run;
pub mod settings;
pub mod teardown;
pub mod tls;
pub mod url;

#[cfg(test)]
mod test_support;

use report::Check;

/// The checks so far; each is printed as it is recorded.
#[derive(Debug, Default)]
pub struct Log {
    pub checks: Vec<Check>,
}

impl Log {
    pub fn record(&mut self, check: Check) {
        println!("{}", check.line());
        self.checks.push(check);
    }
}
