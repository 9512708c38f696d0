//! SSM calls for the certificate records (`certificate::record`) and the ACME account, kept as
//! SecureStrings (`parameters::Stored::Secret`).

use super::parameters::Stored;
use super::{failed, Aws, CloudError};
use crate::certificate::{Record, Records};
use crate::config::AcmeConfig;

impl Aws {
    /// Every record under the path (one page holds 10; a stack keeps a handful).
    pub async fn certificate_records(&self, acme: &AcmeConfig) -> Result<Records, CloudError> {
        let mut records = Records::new();
        let mut pages = self
            .ssm
            .get_parameters_by_path()
            .path(&acme.records_path)
            .with_decryption(true)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(failed("ssm:GetParametersByPath"))?;
            for parameter in page.parameters() {
                let (Some(name), Some(value)) = (parameter.name(), parameter.value()) else {
                    continue;
                };
                let short = name.rsplit('/').next().unwrap_or(name);
                if let Some(record) = Record::from_json(value) {
                    records.insert(short.to_string(), record);
                }
            }
        }
        Ok(records)
    }

    /// Writes `record` only if no record of that name exists: true when this call created it.
    /// SSM refuses a `PutParameter` without overwrite on an existing name
    /// (ParameterAlreadyExists), atomically, so exactly one concurrent run wins.
    pub async fn claim_certificate_record(
        &self,
        acme: &AcmeConfig,
        name: &str,
        record: &Record,
    ) -> Result<bool, CloudError> {
        self.put_parameter(&record_parameter(acme, name), &record.to_json(), Stored::Secret, false)
            .await
    }

    pub async fn put_certificate_record(
        &self,
        acme: &AcmeConfig,
        name: &str,
        record: &Record,
    ) -> Result<(), CloudError> {
        self.put_parameter(&record_parameter(acme, name), &record.to_json(), Stored::Secret, true)
            .await
            .map(|_| ())
    }

    pub async fn delete_certificate_record(&self, acme: &AcmeConfig, name: &str) -> Result<(), CloudError> {
        self.delete_parameter(&record_parameter(acme, name)).await
    }

    /// The ACME account's credentials (its private key inside), if one was registered.
    pub async fn acme_account(&self, acme: &AcmeConfig) -> Result<Option<String>, CloudError> {
        self.parameter_if_any(&acme.account_parameter, true).await
    }

    /// Keeps the first account registered (a concurrent registration's loses and is not used
    /// again), unless `replace`: the stored one is another CA's.
    pub async fn store_acme_account(
        &self,
        acme: &AcmeConfig,
        credentials: &str,
        replace: bool,
    ) -> Result<(), CloudError> {
        self.put_parameter(&acme.account_parameter, credentials, Stored::Secret, replace)
            .await
            .map(|_| ())
    }

    /// The extra trusted roots (PEM), if the deployment names a parameter for them.
    pub async fn acme_extra_roots(&self, acme: &AcmeConfig) -> Result<Option<String>, CloudError> {
        match &acme.extra_roots_parameter {
            Some(name) => self.secure_parameter(name).await.map(Some),
            None => Ok(None),
        }
    }
}

fn record_parameter(acme: &AcmeConfig, name: &str) -> String {
    format!("{}/{name}", acme.records_path.trim_end_matches('/'))
}
