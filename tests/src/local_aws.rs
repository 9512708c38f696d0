//! The local AWS (`local_aws/server.py`: moto plus AWS's own behaviour and injectable faults) on a
//! free loopback port, stopped when dropped.

use crate::http_client::call;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SERVER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/local_aws/server.py");

pub struct LocalAws {
    /// The server process when this handle started it; `attach` leaves it to its owner.
    child: Option<Child>,
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
        let local = Self {
            child: Some(child),
            port,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while local.request("GET", "/_local/faults", "").is_err() {
            assert!(
                Instant::now() < deadline,
                "the local AWS did not answer on port {port} within 30 s; is moto installed? (make setup)"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        local
    }

    /// A handle on a local AWS that someone else runs (`make demo` starts it before Terraform).
    pub fn attach(port: u16) -> Self {
        Self { child: None, port }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// SDK settings for the local AWS: loopback endpoint, static test credentials, the functions' timeouts.
    pub async fn sdk_config(&self) -> SdkConfig {
        sdk_config_for(&self.endpoint()).await
    }

    /// AWS's own delays, in seconds: load balancer provisioning, task launch, first health check.
    pub fn set_timings(&self, load_balancer: f64, task: f64, health: f64) {
        let timings = serde_json::json!({
            "load_balancer_seconds": load_balancer, "task_seconds": task, "health_seconds": health,
        });
        self.post_json("/_local/timings", &timings.to_string());
    }

    /// How long, in seconds, an NLB's Elastic IP stays associated after DeleteLoadBalancer (AWS
    /// detaches it asynchronously; until then ReleaseAddress fails). 0, the default: at deletion.
    pub fn set_address_detach_seconds(&self, seconds: f64) {
        let timings = serde_json::json!({ "address_detach_seconds": seconds });
        self.post_json("/_local/timings", &timings.to_string());
    }

    /// The public IPs the next Elastic IP allocations get, in order (AWS reuses released ones).
    pub fn set_next_addresses(&self, addresses: &[&str]) {
        self.post_json("/_local/next-addresses", &serde_json::json!(addresses).to_string());
    }

    /// Replaces the fault rules (see server.py): `[{"operation", "kind", "count"}]` or a cut-off.
    pub fn set_faults(&self, rules: &serde_json::Value) {
        self.post_json("/_local/faults", &rules.to_string());
    }

    /// The fault rules as they stand, each with the `hits` it has answered so far.
    pub fn faults(&self) -> serde_json::Value {
        let body = self
            .request("GET", "/_local/faults", "")
            .unwrap_or_else(|e| panic!("local AWS faults: {e}"));
        serde_json::from_str(&body).expect("the fault rules are JSON")
    }

    /// Every call served so far, in order: `{"service", "operation", "caller"}` (the access key
    /// that signed it).
    pub fn calls(&self) -> Vec<serde_json::Value> {
        let body = self
            .request("GET", "/_local/calls", "")
            .unwrap_or_else(|e| panic!("local AWS calls: {e}"));
        serde_json::from_str(&body).expect("the call log is JSON")
    }

    fn post_json(&self, path: &str, body: &str) {
        self.request("POST", path, body)
            .unwrap_or_else(|e| panic!("local AWS {path}: {e}"));
    }

    fn request(&self, method: &str, path: &str, body: &str) -> std::io::Result<String> {
        let answer = call(self.port, method, path, &[("Content-Type", "application/json")], body)?;
        match answer.status {
            200..=299 => Ok(answer.body),
            status => Err(std::io::Error::other(format!("{method} {path} answered {status}"))),
        }
    }
}

impl Drop for LocalAws {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub async fn sdk_config_for(endpoint: &str) -> SdkConfig {
    lifecycle::sdk_loader()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(aws_sdk_ecs::config::Credentials::new(
            "test", "test", None, None, "local",
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
