//! Step 1, before anything is touched: the stack's settings, the start secret, the credentials
//! and region, the stack itself, no meeting running (or consent to use it), and room in the
//! account for one more Elastic IP and Network Load Balancer.

use crate::aws::{Aws, Quota, ServiceFacts};
use crate::cli::Options;
use crate::control::Control;
use crate::interrupt::Interrupt;
use crate::meeting_cost::TaskSize;
use crate::report::{Check, Stage};
use crate::settings::{find_secret, SecretSource, Stack};
use crate::Log;
use std::io::{BufRead, IsTerminal, Write};
use std::time::{Duration, Instant};

const STAGE: Stage = Stage::Preflight;
/// A meeting that is stopping is waited for this long before the run gives up.
const STOPPING_WAIT: Duration = Duration::from_secs(300);

pub struct Ready {
    pub stack: Stack,
    pub aws: Aws,
    pub control: Control,
    pub service: ServiceFacts,
    pub task_size: Option<TaskSize>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A check failed.
    Failed,
    /// A meeting is running and the user did not agree to use it.
    Declined,
    Interrupted,
}

pub async fn run(options: &Options, log: &mut Log, interrupt: &Interrupt) -> Result<Ready, Refusal> {
    let stack = match Stack::read(&options.stack) {
        Ok(stack) => stack,
        Err(error) => {
            log.record(Check::fail(
                STAGE,
                "settings",
                error,
                "write them with `terraform -chdir=terraform output -json smoke_settings > .local/smoke-stack.json`",
            ));
            return Err(Refusal::Failed);
        }
    };
    let c = &stack.config;
    let mode = match &c.dns {
        Some(dns) => format!("custom domain {}", dns.hostname),
        None => "trial mode (no custom domain)".into(),
    };
    log.record(Check::pass(
        STAGE,
        "settings",
        format!(
            "stack {} in {}: cluster {}, service {}; {mode}",
            c.stack_tag, stack.region, c.cluster, c.service
        ),
    ));

    let secret = match find_secret(std::env::var("JITSI_START_SECRET").ok(), &options.secret_file) {
        Ok((secret, source)) => {
            let from = match source {
                SecretSource::Environment => "JITSI_START_SECRET".to_string(),
                SecretSource::File(path) => path,
            };
            log.record(Check::pass(STAGE, "start secret", format!("from {from}")));
            secret
        }
        Err(error) => {
            log.record(Check::fail(
                STAGE,
                "start secret",
                error,
                "make deploy keeps it in .local/start-secret on the first deploy; or export JITSI_START_SECRET",
            ));
            return Err(Refusal::Failed);
        }
    };

    let aws = Aws::new(&stack.region).await;
    match aws.caller().await {
        Ok(arn) => log.record(Check::pass(STAGE, "credentials", format!("{arn} in {}", stack.region))),
        Err(error) => {
            log.record(Check::fail(
                STAGE,
                "credentials",
                error,
                "`aws sts get-caller-identity` must work: AWS_PROFILE or AWS_ACCESS_KEY_ID…; with an SSO profile, \
                 run `eval \"$(aws configure export-credentials --format env)\"` first",
            ));
            return Err(Refusal::Failed);
        }
    }

    let service = match aws.service(c).await {
        Ok(service) => service,
        Err(error) => {
            log.record(Check::fail(
                STAGE,
                "stack",
                error,
                "is the stack deployed (make deploy) in this region?",
            ));
            return Err(Refusal::Failed);
        }
    };
    let task_size = match &service.task_definition {
        Some(definition) => aws.task_size(definition, service.spot).await.ok(),
        None => None,
    };
    let size = task_size.as_ref().map_or("task size unknown".to_string(), |s| {
        format!(
            "{} vCPU / {} GB {}",
            s.vcpu,
            s.memory_gb,
            if s.arm64 { "arm64" } else { "x86_64" }
        )
    });
    log.record(Check::pass(
        STAGE,
        "stack",
        format!(
            "service {}: desired count {}, {} running; task {size}",
            c.service, service.desired_count, service.running_count
        ),
    ));

    let control = Control::new(&stack, secret);
    let took_over = meeting_check(&control, options, log, interrupt).await?;
    let quotas_ok = [
        quota_check(
            "Elastic IPs",
            aws.elastic_ip_quota().await,
            took_over,
            "L-0263D0A3",
            log,
        ),
        quota_check("NLBs", aws.nlb_quota().await, took_over, "L-69A177A2", log),
    ];
    if quotas_ok.contains(&false) {
        return Err(Refusal::Failed);
    }
    Ok(Ready {
        stack,
        aws,
        control,
        service,
        task_size,
    })
}

/// Whether a meeting runs, and if so whether it may be used (and stopped at the end): true when
/// it is taken over.
async fn meeting_check(
    control: &Control,
    options: &Options,
    log: &mut Log,
    interrupt: &Interrupt,
) -> Result<bool, Refusal> {
    let began = Instant::now();
    loop {
        let status = match control.status().await {
            Ok(status) => status,
            Err(error) => {
                log.record(Check::fail(
                    STAGE,
                    "no meeting",
                    error.message,
                    "start_url must be start-meeting's Function URL: its log in CloudWatch (/aws/lambda/<stack>-start-meeting)",
                ));
                return Err(Refusal::Failed);
            }
        };
        match status.phase.as_str() {
            "idle" => {
                log.record(Check::pass(STAGE, "no meeting", "no meeting is running (phase idle)"));
                return Ok(false);
            }
            "stopping" if began.elapsed() < STOPPING_WAIT => {
                if began.elapsed() < Duration::from_secs(1) {
                    println!("  …     the last meeting is still shutting down; waiting for it (up to 5 min)");
                }
                tokio::select! {
                    _ = tokio::time::sleep(options.poll) => {}
                    _ = interrupt.wait() => return Err(Refusal::Interrupted),
                }
            }
            phase => {
                let running = format!("a meeting is running (phase {phase})");
                if options.take_over {
                    log.record(Check::pass(
                        STAGE,
                        "no meeting",
                        format!("{running}: used and stopped at the end (--take-over)"),
                    ));
                    return Ok(true);
                }
                if std::io::stdin().is_terminal() && ask(&running, interrupt).await? {
                    log.record(Check::pass(
                        STAGE,
                        "no meeting",
                        format!("{running}: used and stopped at the end, as agreed"),
                    ));
                    return Ok(true);
                }
                log.record(Check::fail(
                    STAGE,
                    "no meeting",
                    running,
                    "someone may be in it: wait until it ends, or run again with --take-over to use it and stop it at the end",
                ));
                return Err(Refusal::Declined);
            }
        }
    }
}

/// Asks on the terminal; Ctrl-C while asking ends the run (nothing has been touched).
async fn ask(running: &str, interrupt: &Interrupt) -> Result<bool, Refusal> {
    print!("  {running}. The smoke test would use it and stop it at the end. Continue? [y/N] ");
    let _ = std::io::stdout().flush();
    let answer = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map(|_| line)
    });
    tokio::select! {
        answer = answer => Ok(matches!(answer, Ok(Ok(line)) if line.trim().eq_ignore_ascii_case("y") || line.trim().eq_ignore_ascii_case("yes"))),
        _ = interrupt.wait() => Err(Refusal::Interrupted),
    }
}

/// Room for the meeting's Elastic IP and load balancer (one more of each, unless taken over).
fn quota_check(what: &str, quota: Result<Quota, String>, took_over: bool, code: &str, log: &mut Log) -> bool {
    let name = format!("{what} quota");
    let quota = match quota {
        Ok(quota) => quota,
        Err(error) => {
            log.record(Check::warn(
                STAGE,
                &name,
                format!("could not count them: {error}"),
                "the start may fail if the account has none left",
            ));
            return true;
        }
    };
    let needed = if took_over { 0 } else { 1 };
    let detail = format!("{} of {} in use ({})", quota.used, quota.limit, quota.limit_source);
    if quota.used + needed <= quota.limit {
        log.record(Check::pass(STAGE, &name, detail));
        true
    } else {
        log.record(Check::fail(
            STAGE,
            &name,
            detail,
            format!("the meeting needs one more: remove unused ones, or ask for more in Service Quotas ({code})"),
        ));
        false
    }
}
