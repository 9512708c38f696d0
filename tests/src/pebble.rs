//! Pebble, Let's Encrypt's test ACME server, on loopback for one test (scripts/pebble.sh): it
//! validates http-01 on port 80 of the identifier's address, as Let's Encrypt does.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::local_aws::free_port;

pub struct Pebble {
    child: Child,
    dir: PathBuf,
    pub directory_url: String,
    /// The CA behind Pebble's HTTPS listener and Pebble's issuing root, PEM.
    pub trusted_roots_pem: String,
}

impl Pebble {
    /// Runs scripts/pebble.sh (certificates, configuration, Pebble itself) in a folder of its own.
    pub fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("pebble-{}-{}", std::process::id(), free_port()));
        let child = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/pebble.sh"))
            .arg(&dir)
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("scripts/pebble.sh runs (make setup installs the Debian package pebble)");
        let ready = dir.join("ready.json");
        let deadline = Instant::now() + Duration::from_secs(20);
        while !ready.exists() {
            assert!(
                Instant::now() < deadline,
                "pebble did not start: {}",
                std::fs::read_to_string(dir.join("pebble.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let ready: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(ready).unwrap()).unwrap();
        Self {
            child,
            directory_url: ready["directory_url"].as_str().unwrap().to_string(),
            trusted_roots_pem: std::fs::read_to_string(ready["roots"].as_str().unwrap()).unwrap(),
            dir,
        }
    }

    /// A CA in front of this Pebble that answers new orders with `fault`
    /// (tests/acme_faults/proxy.py: refuse, rate-limit, stall). Killed when dropped.
    pub fn faulty(&self, fault: &str) -> FaultyCa {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/acme_faults/proxy.py");
        let mut command = Command::new("python3");
        command.args(["-B", script]).arg(&self.dir).arg(fault);
        let (child, started) = spawn_listening(command, "the faulty CA did not start");
        FaultyCa {
            directory_url: started["directory_url"].as_str().unwrap().to_string(),
            child,
        }
    }

    /// Pebble's own log: what it was asked and what it validated.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("pebble.log")).unwrap_or_default()
    }
}

impl Drop for Pebble {
    fn drop(&mut self) {
        // The script's process group: the script and Pebble.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-s", "KILL", "--", &group]).status();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub struct FaultyCa {
    child: Child,
    pub directory_url: String,
}

impl Drop for FaultyCa {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The web container's ports 80 and 443 on the meeting's address, with the task's certificate
/// script (tests/jitsi_standin/web_certificate.py). Killed when dropped.
pub struct WebContainer {
    child: Child,
    pub address: String,
    log: PathBuf,
}

impl WebContainer {
    pub fn start(aws_endpoint: &str, certificates_path: &str, advertise_ips_parameter: &str) -> Self {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/jitsi_standin/web_certificate.py");
        let log = std::env::temp_dir().join(format!("web-certificate-{}-{}.log", std::process::id(), free_port()));
        let mut command = Command::new("python3");
        command
            .args([
                "-B",
                script,
                "--aws-endpoint",
                aws_endpoint,
                "--certificates-path",
                certificates_path,
            ])
            .args(["--address-from-ssm", advertise_ips_parameter])
            .arg("--script-log")
            .arg(&log);
        let (child, started) = spawn_listening(
            command,
            "the web stand-in did not start: binding ports 80 and 443 on the meeting's loopback address needs root \
             (or `sysctl net.ipv4.ip_unprivileged_port_start=80`)",
        );
        Self {
            address: started["address"].as_str().unwrap().to_string(),
            child,
            log,
        }
    }

    /// What the certificate script printed.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for WebContainer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a helper that prints one JSON line once it listens (where), and returns that line.
fn spawn_listening(mut command: Command, failure: &str) -> (Child, serde_json::Value) {
    let mut child = command.stdout(Stdio::piped()).spawn().expect("python3 runs");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
    let started = serde_json::from_str(&line).expect(failure);
    (child, started)
}
