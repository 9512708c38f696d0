//! Everything one test needs: a fresh local AWS, a stack in it, the functions' shared state built
//! as a cold start would, and the ECS stand-in.

use crate::inventory::Inventory;
use crate::local_aws::LocalAws;
use crate::scheduler::Scheduler;
use crate::stack::Stack;
use aws_config::SdkConfig;
use lifecycle::config::Config;
use lifecycle::secret::Gate;
use lifecycle::token::TokenIssuer;
use lifecycle::{App, Time};
use std::sync::Arc;

pub struct Harness {
    pub aws: Arc<LocalAws>,
    pub sdk: SdkConfig,
    pub stack: Stack,
    pub app: App,
    pub gate: Gate,
    pub tokens: TokenIssuer,
    pub scheduler: Scheduler,
}

impl Harness {
    pub async fn new(name: &str) -> Self {
        let aws = Arc::new(LocalAws::start());
        let functions_sdk = aws.sdk_config().await;
        Self::on(aws, functions_sdk, name).await
    }

    /// A fresh stack named `name` in a local AWS that other stacks may share; the functions use
    /// `functions_sdk`, the test's own reads and the ECS stand-in the local AWS's default settings.
    pub async fn on(aws: Arc<LocalAws>, functions_sdk: SdkConfig, name: &str) -> Self {
        let sdk = aws.sdk_config().await;
        let stack = Stack::create(&sdk, name).await;
        let app = App::new(stack.config.clone(), &functions_sdk);
        let gate = app.gate().await.expect("the secret hash is readable");
        let tokens = app.token_issuer().await.expect("the token key is readable");
        let scheduler = Scheduler::new(&sdk, &stack.config);
        Self {
            aws,
            sdk,
            stack,
            app,
            gate,
            tokens,
            scheduler,
        }
    }

    /// The functions' settings (a test may change them on `app.config`).
    pub fn config(&self) -> &Config {
        &self.app.config
    }

    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.stack.secret)
    }

    /// One pass of the ECS scheduler, its events delivered to `task-state`; returns the events.
    pub async fn run_ecs(&self, now: Time) -> Vec<serde_json::Value> {
        let events = self.scheduler.step().await;
        for event in &events {
            task_state::handle(&self.app, event.clone(), now)
                .await
                .expect("task-state handles the event");
        }
        events
    }

    pub async fn inventory(&self) -> Inventory {
        Inventory::read(&self.sdk, self.config()).await
    }
}
