//! One function's release binary running as Lambda runs it: a process with the Lambda environment,
//! its runtime API stand-in, and AWS reached through the timing proxy.

use crate::aws_proxy::AwsProxy;
use crate::runtime_api::RuntimeApi;
use serde_json::Value;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const INVOKE_TIMEOUT: Duration = Duration::from_secs(30);
const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// What the deployed functions get (terraform/): the smallest size, the one the target is about.
const MEMORY_MB: &str = "128";

pub struct Function<'a> {
    pub name: &'static str,
    child: Child,
    runtime: RuntimeApi,
    proxy: &'a AwsProxy,
    spawned: Instant,
    log: PathBuf,
}

/// One invocation: the handler's time and the part of it spent in AWS calls.
#[derive(Debug, Clone)]
pub struct Sample {
    pub handler: Duration,
    pub aws: Duration,
    pub aws_calls: usize,
    /// CPU time the process used meanwhile (all its threads): own work without the waits for a
    /// core that a busy machine adds to the wall-clock own time.
    pub cpu: Duration,
    pub answer: Value,
}

impl Sample {
    pub fn own(&self) -> Duration {
        self.handler.saturating_sub(self.aws)
    }
}

/// The end of a cold start: when the runtime first asked for an event, and its AWS time.
pub struct Init {
    pub duration: Duration,
    pub aws: Duration,
}

impl<'a> Function<'a> {
    /// Starts the binary with the environment Terraform and Lambda give it; `stack` holds the
    /// function's own settings (shared/src/config.rs).
    pub fn spawn(
        binary: &Path,
        name: &'static str,
        stack: &HashMap<String, String>,
        proxy: &'a AwsProxy,
        log: &Path,
    ) -> Self {
        let runtime = RuntimeApi::start(name);
        let log_file = || -> File {
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .unwrap_or_else(|e| panic!("{}: {e}", log.display()))
        };
        let mut command = Command::new(binary);
        // Only what Lambda sets (no HOME, no profile files), so nothing from this machine leaks in.
        command
            .env_clear()
            .envs(stack)
            .env("AWS_LAMBDA_RUNTIME_API", runtime.address())
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", MEMORY_MB)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_SESSION_TOKEN", "test")
            .env("AWS_ENDPOINT_URL", proxy.endpoint())
            .env("LAMBDA_TASK_ROOT", "/var/task")
            .stdin(Stdio::null())
            .stdout(log_file())
            .stderr(log_file());
        proxy.take();
        let spawned = Instant::now();
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        Self {
            name,
            child,
            runtime,
            proxy,
            spawned,
            log: log.to_path_buf(),
        }
    }

    /// Waits for the end of the cold start: the first request to the runtime API.
    pub fn init(&mut self) -> Init {
        let deadline = Instant::now() + INIT_TIMEOUT;
        loop {
            match self.runtime.first_request(Duration::from_millis(20)) {
                Ok(Some(at)) => {
                    return Init {
                        duration: at - self.spawned,
                        aws: self.proxy.take().busy,
                    }
                }
                Ok(None) => {}
                Err(error) => self.fail(&error),
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                self.fail(&format!("exited during init ({status})"));
            }
            if Instant::now() > deadline {
                self.fail("did not finish its init within 10 s");
            }
        }
    }

    /// One invocation; a function error stops the bench, since its numbers would mean nothing.
    pub fn invoke(&self, event: &Value) -> Sample {
        self.proxy.take();
        let cpu_before = self.cpu_time();
        let answer = self
            .runtime
            .invoke(event, INVOKE_TIMEOUT)
            .unwrap_or_else(|error| self.fail(&error));
        let cpu = self.cpu_time().saturating_sub(cpu_before);
        let aws = self.proxy.take();
        if answer.error {
            self.fail(&format!("answered an error: {}", answer.body));
        }
        Sample {
            handler: answer.duration,
            aws: aws.busy,
            aws_calls: aws.calls,
            cpu,
            answer: answer.body,
        }
    }

    /// CPU time of all the process's threads so far (the first field of each thread's schedstat).
    fn cpu_time(&self) -> Duration {
        let threads = std::fs::read_dir(format!("/proc/{}/task", self.child.id()));
        let nanos: u64 = threads
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|thread| std::fs::read_to_string(thread.path().join("schedstat")).ok())
            .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
            .sum();
        Duration::from_nanos(nanos)
    }

    /// Peak resident memory so far (VmHWM), in bytes.
    pub fn peak_rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    }

    fn fail(&self, what: &str) -> ! {
        panic!("{} {what} (its log: {})", self.name, self.log.display())
    }
}

impl Drop for Function<'_> {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
