//! The loopback stand-in for a Jitsi deployment (tests/jitsi_standin/standin.py), one process per
//! test, stopped when dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub const STANDIN_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/jitsi_standin");
/// A load balancer's DNS name as the status reports it; only ever reached through --connect-to.
pub const MEETING_HOST: &str = "jod-meeting-1.elb.us-east-1.amazonaws.com";
pub const PUBLIC_IP: &str = "203.0.113.10";
pub const JWT_APP_ID: &str = "smoke-test-app";
pub const JWT_SECRET: &str = "smoke-test-signing-key";

pub struct StandIn {
    child: Child,
    pub port: u16,
}

impl StandIn {
    /// Starts it with these extra arguments and waits for its port.
    pub fn start(args: &[&str]) -> Self {
        let mut child = Command::new("python3")
            .arg("-B")
            .arg(format!("{STANDIN_DIR}/standin.py"))
            .args(["--port", "0", "--hostname", MEETING_HOST])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs the Jitsi stand-in");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("the stand-in prints its port");
        let port = line
            .split(':')
            .nth(1)
            .and_then(|p| p.trim().trim_end_matches('}').trim().parse().ok())
            .unwrap_or_else(|| panic!("the stand-in did not start: {line:?}"));
        Self { child, port }
    }

    /// `--connect-to` for the meeting's host.
    pub fn connect_to(&self) -> String {
        format!("{MEETING_HOST}:443:127.0.0.1:{}", self.port)
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A moderator token as start-meeting mints it, from the stand-in's own token code.
pub fn token_for(room: &str) -> String {
    let script = format!(
        "import sys; sys.path.insert(0, {STANDIN_DIR:?}); import tokens; \
         print(tokens.mint({JWT_APP_ID:?}, {JWT_SECRET:?}.encode(), {room:?}))"
    );
    let out = Command::new("python3")
        .args(["-B", "-c", &script])
        .output()
        .expect("python3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}
