//! The one seam to AWS: `observe` reads a [`Snapshot`], `apply` carries out one [`Step`] and
//! returns AWS's answer. No decisions here; they live in `plan`.

mod apply;
mod certificates;
mod describe;
mod manual_stop;
mod notifications;
mod observe;
mod parameters;

pub use notifications::read_outbox;
pub use observe::Reads;

use crate::config::Config;
use crate::model::Time;
use aws_config::SdkConfig;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::DateTime as SmithyTime;
use chrono::DateTime;
use std::fmt;

/// An AWS call that failed, named so that a status document or log says what failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudError {
    pub operation: &'static str,
    pub message: String,
}

impl fmt::Display for CloudError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: {}", self.operation, self.message)
    }
}

impl std::error::Error for CloudError {}

fn failed<E: std::error::Error>(operation: &'static str) -> impl FnOnce(E) -> CloudError {
    move |error| CloudError {
        operation,
        message: DisplayErrorContext(&error).to_string(),
    }
}

#[derive(Debug, Clone)]
pub struct Aws {
    ecs: aws_sdk_ecs::Client,
    elb: aws_sdk_elasticloadbalancingv2::Client,
    ec2: aws_sdk_ec2::Client,
    ssm: aws_sdk_ssm::Client,
    route53: aws_sdk_route53::Client,
    cloudwatch: aws_sdk_cloudwatch::Client,
}

impl Aws {
    pub fn new(sdk: &SdkConfig) -> Self {
        Self {
            ecs: aws_sdk_ecs::Client::new(sdk),
            elb: aws_sdk_elasticloadbalancingv2::Client::new(sdk),
            ec2: aws_sdk_ec2::Client::new(sdk),
            ssm: aws_sdk_ssm::Client::new(sdk),
            route53: aws_sdk_route53::Client::new(sdk),
            cloudwatch: aws_sdk_cloudwatch::Client::new(sdk),
        }
    }

    /// The start secret's SHA-256, hex. Read once per cold start.
    pub async fn secret_hash(&self, config: &Config) -> Result<String, CloudError> {
        self.secure_parameter(&config.start_secret_hash_parameter).await
    }

    /// The moderator tokens' signing key. Read once per cold start of `start-meeting`.
    pub async fn jwt_secret(&self, config: &Config) -> Result<String, CloudError> {
        self.secure_parameter(&config.jwt_secret_parameter).await
    }

    async fn secure_parameter(&self, name: &str) -> Result<String, CloudError> {
        let out = self
            .ssm
            .get_parameter()
            .name(name)
            .with_decryption(true)
            .send()
            .await
            .map_err(failed("ssm:GetParameter"))?;
        Ok(out
            .parameter()
            .and_then(|p| p.value())
            .unwrap_or_default()
            .trim()
            .to_string())
    }
}

fn to_chrono(time: &SmithyTime) -> Option<Time> {
    DateTime::from_timestamp(time.secs(), time.subsec_nanos())
}
