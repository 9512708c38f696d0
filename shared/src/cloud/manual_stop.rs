//! The time of the last manual stop, kept in a String parameter that the functions create on the
//! first stop (Terraform does not, so an apply never resets it): an open window leaves a meeting
//! stopped by hand after it woke alone.

use super::parameters::Stored;
use super::{Aws, CloudError};
use crate::config::Config;
use crate::model::Time;
use chrono::{DateTime, Utc};

impl Aws {
    pub async fn manual_stop_at(&self, config: &Config) -> Result<Option<Time>, CloudError> {
        let Some(name) = &config.manual_stop_parameter else {
            return Ok(None);
        };
        Ok(self
            .parameter_if_any(name, false)
            .await?
            .and_then(|v| DateTime::parse_from_rfc3339(&v).ok())
            .map(|t| t.with_timezone(&Utc)))
    }

    /// Written before the stop's reconcile, so a tick that reads it after can no longer restart
    /// the meeting for the window.
    pub async fn record_manual_stop(&self, config: &Config, now: Time) -> Result<(), CloudError> {
        let Some(name) = &config.manual_stop_parameter else {
            return Ok(());
        };
        self.put_parameter(name, &now.to_rfc3339(), Stored::Plain, true)
            .await
            .map(|_| ())
    }
}
