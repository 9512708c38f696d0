//! `make cost`: what the deployed configuration of jitsi-on-demand costs on AWS while idle, per meeting
//! hour, per meeting and in a typical month, next to the old design it replaces (the team's design notes).

pub mod cli;
pub mod estimate;
pub mod idle;
pub use pricing::table as prices;
pub mod report;
pub mod scheduled;
pub mod terraform;
