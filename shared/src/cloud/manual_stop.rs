//! The time of the last manual stop, kept in a String parameter that the functions create on the
//! first stop (Terraform does not, so an apply never resets it): an open window leaves a meeting
//! stopped by hand after it woke alone.

use super::{failed, Aws, CloudError};
use crate::config::Config;
use crate::model::Time;
use aws_sdk_ssm::types::ParameterType;
use chrono::{DateTime, Utc};

impl Aws {
    pub async fn manual_stop_at(&self, config: &Config) -> Result<Option<Time>, CloudError> {
        let Some(name) = &config.manual_stop_parameter else {
            return Ok(None);
        };
        match self.ssm.get_parameter().name(name).send().await {
            Ok(out) => Ok(out
                .parameter()
                .and_then(|p| p.value())
                .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
                .map(|t| t.with_timezone(&Utc))),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_parameter_not_found()) => Ok(None),
            Err(e) => Err(failed("ssm:GetParameter")(e)),
        }
    }

    /// Written before the stop's reconcile, so a tick that reads it after can no longer restart
    /// the meeting for the window.
    pub async fn record_manual_stop(&self, config: &Config, now: Time) -> Result<(), CloudError> {
        let Some(name) = &config.manual_stop_parameter else {
            return Ok(());
        };
        self.ssm
            .put_parameter()
            .name(name)
            .value(now.to_rfc3339())
            .r#type(ParameterType::String)
            .overwrite(true)
            .send()
            .await
            .map_err(failed("ssm:PutParameter"))?;
        Ok(())
    }
}
