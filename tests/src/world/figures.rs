//! What a scenario proved, as figures.

use super::TICKS_TO_CONVERGE;
use std::fmt;

/// What a scenario checked. A violated invariant fails the test at once, so these count checks
/// that held.
#[derive(Debug, Default, Clone)]
pub struct Figures {
    pub invocations: u32,
    /// Invocations that failed (an AWS fault, a cut-off); AWS or the user retries them.
    pub failed_invocations: u32,
    /// AWS calls answered with an injected fault.
    pub faults_injected: u64,
    /// Checks after a completed invocation that no target points at a stopped task.
    pub target_checks: u32,
    /// Checks while no meeting was wanted and no task was left that nothing bills.
    pub idle_checks: u32,
    /// Ticks that ran while people were in the meeting (none may end it before its cap).
    pub ticks_in_use: u32,
    /// The most ticks a settle needed to converge (bound: [`TICKS_TO_CONVERGE`]).
    pub ticks_to_converge: u32,
}

impl fmt::Display for Figures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} invocations ({} failed, {} faults injected) · converged within {} tick(s) (bound {}) · \
             0/{} checks with a target on a stopped task · 0/{} idle checks with something billable · \
             0/{} ticks in use ended the meeting",
            self.invocations,
            self.failed_invocations,
            self.faults_injected,
            self.ticks_to_converge,
            TICKS_TO_CONVERGE,
            self.target_checks,
            self.idle_checks,
            self.ticks_in_use
        )
    }
}
