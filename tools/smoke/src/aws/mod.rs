//! What the smoke test reads from AWS with the user's credentials, through the same SDK the
//! functions use. Read independently of the functions' own observation (shared/src/cloud), so that
//! a check does not trust the code it checks. AWS_ENDPOINT_URL and the usual credential chain
//! apply (tests point it at the local AWS).

mod account;
mod meeting;
mod notifications;

pub use account::{Quota, ServiceFacts};
pub use meeting::{AddressFacts, Inventory, ListenerFacts, LoadBalancerFacts, TargetFacts, TaskFacts};

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use chrono::{DateTime, Utc};
use std::time::Duration;

#[derive(Clone)]
pub struct Aws {
    ecs: aws_sdk_ecs::Client,
    elb: aws_sdk_elasticloadbalancingv2::Client,
    ec2: aws_sdk_ec2::Client,
    route53: aws_sdk_route53::Client,
    ssm: aws_sdk_ssm::Client,
    sts: aws_sdk_sts::Client,
}

impl Aws {
    pub async fn new(region: &str) -> Self {
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(5))
            .operation_attempt_timeout(Duration::from_secs(20))
            .operation_timeout(Duration::from_secs(60))
            .build();
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .timeout_config(timeouts)
            .load()
            .await;
        Self {
            ecs: aws_sdk_ecs::Client::new(&sdk),
            elb: aws_sdk_elasticloadbalancingv2::Client::new(&sdk),
            ec2: aws_sdk_ec2::Client::new(&sdk),
            route53: aws_sdk_route53::Client::new(&sdk),
            ssm: aws_sdk_ssm::Client::new(&sdk),
            sts: aws_sdk_sts::Client::new(&sdk),
        }
    }

    /// Who the credentials belong to (sts:GetCallerIdentity needs no permission at all).
    pub async fn caller(&self) -> Result<String, String> {
        let out = self
            .sts
            .get_caller_identity()
            .send()
            .await
            .map_err(failed("sts:GetCallerIdentity"))?;
        Ok(out.arn().unwrap_or("(no ARN)").to_string())
    }
}

/// An SDK error as one line that names the operation and AWS's own message.
fn failed<E: std::error::Error>(operation: &'static str) -> impl Fn(E) -> String {
    move |error| {
        format!(
            "{operation}: {}",
            aws_smithy_types::error::display::DisplayErrorContext(&error)
        )
    }
}

fn to_chrono(time: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(time.secs(), time.subsec_nanos())
}
