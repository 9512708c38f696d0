//! One function's release binary running as Lambda runs it: a process with the Lambda environment,
//! its runtime API stand-in, and AWS reached through the timing proxy.

use crate::aws_proxy::AwsProxy;
use lifecycle_tests::lambda::process::LambdaProcess;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

const INVOKE_TIMEOUT: Duration = Duration::from_secs(30);
const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// What the deployed functions get (terraform/ `lambda_memory_mb`).
pub const MEMORY_MB: u32 = 128;

pub struct Function<'a> {
    pub name: &'static str,
    process: LambdaProcess,
    proxy: &'a AwsProxy,
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
        memory_mb: u32,
    ) -> Self {
        let mut env: Vec<(String, String)> = stack.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        env.extend(
            [
                ("AWS_ACCESS_KEY_ID", "test"),
                ("AWS_SECRET_ACCESS_KEY", "test"),
                ("AWS_SESSION_TOKEN", "test"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        env.push(("AWS_ENDPOINT_URL".into(), proxy.endpoint()));
        proxy.take();
        Self {
            name,
            process: LambdaProcess::spawn(binary, name, env, memory_mb, log),
            proxy,
        }
    }

    /// Waits for the end of the cold start: the first request to the runtime API.
    pub fn init(&mut self) -> Init {
        match self.process.init(INIT_TIMEOUT) {
            Ok(duration) => Init {
                duration,
                aws: self.proxy.take().busy,
            },
            Err(error) => self.fail(&error),
        }
    }

    /// One invocation; a function error stops the bench, since its numbers would mean nothing.
    pub fn invoke(&self, event: &Value) -> Sample {
        self.proxy.take();
        let cpu_before = self.cpu_time();
        let answer = self
            .process
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
        let threads = std::fs::read_dir(format!("/proc/{}/task", self.process.pid()));
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
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.process.pid())).unwrap_or_default();
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    }

    fn fail(&self, what: &str) -> ! {
        panic!("{} {what} (its log: {})", self.name, self.process.log().display())
    }
}
