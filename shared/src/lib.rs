//! The lifecycle of an on-demand Jitsi meeting on ECS Fargate.
//!
//! AWS is the only state: the ECS service's desired count says whether a meeting is wanted, and
//! every trigger runs the same reconcile (`observe` → `plan` → `apply`) toward it.

pub mod carry;
pub mod certificate;
pub mod cloud;
pub mod config;
pub mod events;
pub mod idle;
pub mod model;
pub mod notify;
pub mod page;
pub mod plan;
pub mod recent_status;
pub mod reconcile;
pub mod room;
pub mod schedule;
pub mod secret;
pub mod status;
pub mod telemetry;
pub mod token;
pub mod web;

pub use model::Time;

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};
use cloud::{Aws, CloudError};
use config::{Config, ConfigError};
use secret::{Gate, InvalidHash};
use std::time::Duration;
use token::TokenIssuer;

/// What every function holds for its lifetime: settings and SDK clients, made once per cold start.
#[derive(Debug, Clone)]
pub struct App {
    pub config: Config,
    pub aws: Aws,
    /// The last status this instance read (start-meeting's page and status polls).
    pub recent_status: std::sync::Arc<recent_status::RecentStatus>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("reading the start secret's hash: {0}")]
    Cloud(#[from] CloudError),
    #[error(transparent)]
    Secret(#[from] InvalidHash),
}

/// The SDK settings every function uses. A hung call must fail well inside the Lambda timeout
/// (30 s) so that the answer says what failed; the SDK's standard retries cover throttling.
pub fn sdk_loader() -> ConfigLoader {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3))
        .operation_attempt_timeout(Duration::from_secs(5))
        .operation_timeout(Duration::from_secs(12))
        .build();
    aws_config::defaults(BehaviorVersion::latest()).timeout_config(timeouts)
}

/// The cold start every function shares: JSON logs, then settings and SDK clients. A failure is
/// logged (naming what is wrong) before the runtime reports it.
pub async fn cold_start() -> Result<App, StartupError> {
    telemetry::init();
    let app = App::from_env().await.inspect_err(log_startup_error)?;
    for problem in &app.config.schedule_problems {
        tracing::error!(%problem, "a scheduled window is left out (SCHEDULED_MEETINGS)");
    }
    Ok(app)
}

fn log_startup_error(error: &StartupError) {
    tracing::error!(error = %error, "cannot start");
}

impl App {
    pub fn new(config: Config, sdk: &SdkConfig) -> Self {
        Self {
            aws: Aws::new(sdk),
            config,
            recent_status: Default::default(),
        }
    }

    /// Settings from the environment, credentials and region from the Lambda environment.
    pub async fn from_env() -> Result<Self, StartupError> {
        let config = Config::from_env()?;
        Ok(Self::new(config, &sdk_loader().load().await))
    }

    /// Runs the reconcile for `intent`; what it changed makes this instance's last status read stale.
    pub async fn reconcile(&self, intent: plan::Intent, now: Time) -> Result<reconcile::Outcome, CloudError> {
        // Boxed: the run's future is deep; inline, the functions' async mains exceed rustc's layout depth.
        let outcome = Box::pin(reconcile::reconcile(&self.aws, &self.config, intent, now)).await;
        self.recent_status.forget();
        outcome
    }

    /// The manual stop: remembered first (an open window leaves the meeting stopped), then the
    /// reconcile that ends it.
    pub async fn stop_by_hand(&self, now: Time) -> Result<reconcile::Outcome, CloudError> {
        self.aws.record_manual_stop(&self.config, now).await?;
        self.reconcile(plan::Intent::Stop, now).await
    }

    /// The gate for the start/stop secret, from the hash kept in SSM.
    pub async fn gate(&self) -> Result<Gate, StartupError> {
        let gate = async { Ok(Gate::from_hex(&self.aws.secret_hash(&self.config).await?)?) };
        gate.await.inspect_err(log_startup_error)
    }

    /// The issuer of moderator tokens, with the signing key kept in SSM.
    pub async fn token_issuer(&self) -> Result<TokenIssuer, StartupError> {
        let key = self.aws.jwt_secret(&self.config).await.inspect_err(|error| {
            log_startup_error(&StartupError::Cloud(error.clone()));
        })?;
        Ok(TokenIssuer::new(&self.config.jwt_app_id, key.as_bytes()))
    }
}
