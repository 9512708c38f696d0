//! The local AWS (`local_aws/server.py`: moto plus AWS's own behaviour and injectable faults) on a
//! free loopback port, stopped when dropped.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SERVER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/local_aws/server.py");

pub struct LocalAws {
    child: Child,
    pub port: u16,
}

impl LocalAws {
    pub fn start() -> Self {
        let port = free_port();
        let child = Command::new("python3")
            .arg(SERVER)
            .args(["--port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 is needed to run the local AWS");
        let local = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while local.request("GET", "/_local/faults", "").is_err() {
            assert!(
                Instant::now() < deadline,
                "the local AWS did not answer on port {port} within 30 s; is moto installed? pip install 'moto[server]' (.ci/run does)"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        local
    }

    /// AWS's own delays, in seconds: load balancer provisioning, task launch, first health check.
    pub fn set_timings(&self, load_balancer: f64, task: f64, health: f64) {
        self.post_json(
            "/_local/timings",
            &format!(r#"{{"load_balancer_seconds": {load_balancer}, "task_seconds": {task}, "health_seconds": {health}}}"#),
        );
    }

    /// Replaces the fault rules (a JSON list; see server.py).
    pub fn set_faults(&self, rules: &serde_json::Value) {
        self.post_json("/_local/faults", &rules.to_string());
    }

    pub fn faults(&self) -> serde_json::Value {
        self.get_json("/_local/faults")
    }

    /// The AWS operations served so far, in order, as (service, operation).
    pub fn calls(&self) -> Vec<(String, String)> {
        let calls = self.get_json("/_local/calls");
        calls
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                (
                    c["service"].as_str().unwrap_or_default().to_string(),
                    c["operation"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    pub fn clear_calls(&self) {
        self.request("DELETE", "/_local/calls", "")
            .expect("the local AWS answers");
    }

    fn get_json(&self, path: &str) -> serde_json::Value {
        let response = self
            .request("GET", path, "")
            .unwrap_or_else(|e| panic!("local AWS {path}: {e}"));
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, b)| b)
            .unwrap_or_default();
        serde_json::from_str(body).unwrap_or_else(|e| panic!("local AWS {path}: {e}: {body}"))
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// SDK settings for the local AWS: loopback endpoint, static test credentials, the functions' timeouts.
    pub async fn sdk_config(&self) -> SdkConfig {
        sdk_config_for(&self.endpoint()).await
    }

    fn post_json(&self, path: &str, body: &str) -> String {
        self.request("POST", path, body)
            .unwrap_or_else(|e| panic!("local AWS {path}: {e}"))
    }

    fn request(&self, method: &str, path: &str, body: &str) -> std::io::Result<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        match response
            .split_once(' ')
            .map(|(_, rest)| rest.starts_with('2'))
        {
            Some(true) => Ok(response),
            _ => Err(std::io::Error::other(format!(
                "unexpected answer: {}",
                response.lines().next().unwrap_or("")
            ))),
        }
    }
}

impl Drop for LocalAws {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn sdk_config_for(endpoint: &str) -> SdkConfig {
    lifecycle::sdk_loader()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(aws_sdk_ecs::config::Credentials::new(
            "test", "test", None, None, "moto",
        ))
        .load()
        .await
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}
