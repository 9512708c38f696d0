//! One function binary running as Lambda runs it: a process with only the environment Lambda sets
//! (plus the function's own variables and credentials), fed by its runtime API stand-in.

use super::runtime_api::{Answer, RuntimeApi};
use serde_json::Value;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub struct LambdaProcess {
    pub name: String,
    binary: PathBuf,
    env: Vec<(String, String)>,
    memory_mb: u32,
    log: PathBuf,
    runtime: RuntimeApi,
    child: Child,
    spawned: Instant,
}

impl LambdaProcess {
    /// Starts `binary` as function `name`; `env` holds the function's variables, its credentials
    /// and the AWS endpoint. Its stdout and stderr (the function's logs) are appended to `log`.
    pub fn spawn(binary: &Path, name: &str, env: Vec<(String, String)>, memory_mb: u32, log: &Path) -> Self {
        let runtime = RuntimeApi::start(name);
        let child = start(binary, name, &env, memory_mb, log, &runtime);
        Self {
            name: name.to_string(),
            binary: binary.to_path_buf(),
            env,
            memory_mb,
            log: log.to_path_buf(),
            runtime,
            child,
            spawned: Instant::now(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log(&self) -> &Path {
        &self.log
    }

    /// How long the cold start took: from the spawn to the first request to the runtime API.
    pub fn init(&mut self, timeout: Duration) -> Result<Duration, String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(at) = self.runtime.first_request(Duration::from_millis(20))? {
                return Ok(at - self.spawned);
            }
            if let Some(status) = self.exited() {
                return Err(format!("exited during init ({status})"));
            }
            if Instant::now() > deadline {
                return Err(format!("did not finish its init within {} s", timeout.as_secs()));
            }
        }
    }

    /// Hands `event` to the function and waits for its answer.
    pub fn invoke(&self, event: &Value, timeout: Duration) -> Result<Answer, String> {
        self.runtime.invoke(event, timeout)
    }

    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Lambda starts a new instance after one died: the same binary, environment and runtime API.
    pub fn restart_if_exited(&mut self) -> Option<ExitStatus> {
        let status = self.exited()?;
        self.child = start(
            &self.binary,
            &self.name,
            &self.env,
            self.memory_mb,
            &self.log,
            &self.runtime,
        );
        self.spawned = Instant::now();
        Some(status)
    }
}

impl Drop for LambdaProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(
    binary: &Path,
    name: &str,
    env: &[(String, String)],
    memory_mb: u32,
    log: &Path,
    runtime: &RuntimeApi,
) -> Child {
    let log_file = || -> File {
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap_or_else(|e| panic!("{}: {e}", log.display()))
    };
    Command::new(binary)
        // Only what Lambda sets (no HOME, no profile files), so nothing from this machine leaks in.
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", runtime.address())
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", memory_mb.to_string())
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "local")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("LAMBDA_TASK_ROOT", "/var/task")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(log_file())
        .stderr(log_file())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()))
}
