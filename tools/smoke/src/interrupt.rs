//! Ctrl-C and SIGTERM: the first asks the run to stop what it started and exit; a second one while
//! that is under way exits at once (code 130), leaving the meeting to the every-minute idle check.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, Default)]
pub struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    /// Registers the handlers (signal-hook: the flag is set from the handler, nothing else runs in it).
    pub fn install() -> std::io::Result<Self> {
        let flag = Arc::new(AtomicBool::new(false));
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            // Registered first, so it sees the flag as it was before this signal: only a second
            // signal finds it set and exits.
            signal_hook::flag::register_conditional_shutdown(signal, 130, flag.clone())?;
            signal_hook::flag::register(signal, flag.clone())?;
        }
        Ok(Self(flag))
    }

    /// One that only `trigger` sets (tests).
    pub fn manual() -> Self {
        Self::default()
    }

    pub fn trigger(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// The flag itself, for blocking code that polls it (the participant's guests).
    pub fn flag(&self) -> Arc<AtomicBool> {
        self.0.clone()
    }

    /// Completes once interrupted.
    pub async fn wait(&self) {
        while !self.is_set() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
