//! The functions' notification outbox (shared/src/notify), read to tell whether the webhook
//! accepted the meeting's ready message.

use super::{failed, Aws};
use lifecycle::notify::Outbox;

impl Aws {
    pub async fn notification_outbox(&self, path: &str) -> Result<Outbox, String> {
        let mut records = Vec::new();
        let mut pages = self.ssm.get_parameters_by_path().path(path).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(failed("ssm:GetParametersByPath"))?;
            for parameter in page.parameters() {
                if let (Some(name), Some(value)) = (parameter.name(), parameter.value()) {
                    records.push((name.rsplit('/').next().unwrap_or(name).to_string(), value.to_string()));
                }
            }
        }
        Ok(Outbox::from_records(
            records.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        ))
    }
}
