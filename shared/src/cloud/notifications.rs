//! SSM calls for the notification outbox (`notify::outbox`) and the webhook's URL. The records
//! are plain Strings (no secret in them: the URL stays in its own SecureString); each claim is a
//! write without overwrite, which exactly one concurrent caller wins (`parameters`).

use super::parameters::Stored;
use super::{failed, Aws, CloudError};
use crate::notify::{Outbox, WebhookConfig};

/// The outbox under `path` (also `make smoke`'s read, with its own credentials).
pub async fn read_outbox(ssm: &aws_sdk_ssm::Client, path: &str) -> Result<Outbox, CloudError> {
    let mut records = Vec::new();
    let mut pages = ssm.get_parameters_by_path().path(path).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(failed("ssm:GetParametersByPath"))?;
        for parameter in page.parameters() {
            if let (Some(name), Some(value)) = (parameter.name(), parameter.value()) {
                let short = name.rsplit('/').next().unwrap_or(name);
                records.push((short.to_string(), value.to_string()));
            }
        }
    }
    Ok(Outbox::from_records(
        records.iter().map(|(n, v)| (n.as_str(), v.as_str())),
    ))
}

impl Aws {
    pub async fn notification_records(&self, webhook: &WebhookConfig) -> Result<Outbox, CloudError> {
        read_outbox(&self.ssm, &webhook.records_path).await
    }

    /// Creates the record unless it exists: true when this call created it.
    pub async fn claim_notification(
        &self,
        webhook: &WebhookConfig,
        name: &str,
        value: &str,
    ) -> Result<bool, CloudError> {
        self.put_parameter(&parameter(webhook, name), value, Stored::Plain, false)
            .await
    }

    pub async fn put_notification(&self, webhook: &WebhookConfig, name: &str, value: &str) -> Result<(), CloudError> {
        self.put_parameter(&parameter(webhook, name), value, Stored::Plain, true)
            .await
            .map(|_| ())
    }

    pub async fn delete_notification(&self, webhook: &WebhookConfig, name: &str) -> Result<(), CloudError> {
        self.delete_parameter(&parameter(webhook, name)).await
    }

    pub async fn webhook_url(&self, webhook: &WebhookConfig) -> Result<String, CloudError> {
        self.secure_parameter(&webhook.url_parameter).await
    }
}

fn parameter(webhook: &WebhookConfig, name: &str) -> String {
    format!("{}/{name}", webhook.records_path.trim_end_matches('/'))
}
