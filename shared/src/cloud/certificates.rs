//! SSM calls for the certificate records (`certificate::record`) and the ACME account.
//! SecureStrings under the stack's key (aws/ssm by default); a record may outgrow the standard
//! tier's 4 KB with a long chain, so it is written Intelligent-Tiering (standard, and free,
//! while it fits; SSM user guide, "Parameter tiers").

use super::{failed, Aws, CloudError};
use crate::certificate::{Record, Records};
use crate::config::AcmeConfig;
use aws_sdk_ssm::types::{ParameterTier, ParameterType};

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
        self.put_secure(&record_parameter(acme, name), &record.to_json(), false)
            .await
    }

    pub async fn put_certificate_record(
        &self,
        acme: &AcmeConfig,
        name: &str,
        record: &Record,
    ) -> Result<(), CloudError> {
        self.put_secure(&record_parameter(acme, name), &record.to_json(), true)
            .await
            .map(|_| ())
    }

    pub async fn delete_certificate_record(&self, acme: &AcmeConfig, name: &str) -> Result<(), CloudError> {
        match self
            .ssm
            .delete_parameter()
            .name(record_parameter(acme, name))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_parameter_not_found()) => Ok(()),
            Err(e) => Err(failed("ssm:DeleteParameter")(e)),
        }
    }

    /// The ACME account's credentials (its private key inside), if one was registered.
    pub async fn acme_account(&self, acme: &AcmeConfig) -> Result<Option<String>, CloudError> {
        match self
            .ssm
            .get_parameter()
            .name(&acme.account_parameter)
            .with_decryption(true)
            .send()
            .await
        {
            Ok(out) => Ok(out.parameter().and_then(|p| p.value()).map(str::to_string)),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_parameter_not_found()) => Ok(None),
            Err(e) => Err(failed("ssm:GetParameter")(e)),
        }
    }

    /// Keeps the first account registered (a concurrent registration's loses and is not used
    /// again), unless `replace`: the stored one is another CA's.
    pub async fn store_acme_account(
        &self,
        acme: &AcmeConfig,
        credentials: &str,
        replace: bool,
    ) -> Result<(), CloudError> {
        self.put_secure(&acme.account_parameter, credentials, replace)
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

    async fn put_secure(&self, name: &str, value: &str, overwrite: bool) -> Result<bool, CloudError> {
        let put = self
            .ssm
            .put_parameter()
            .name(name)
            .value(value)
            .r#type(ParameterType::SecureString)
            .tier(ParameterTier::IntelligentTiering)
            .overwrite(overwrite)
            .send()
            .await;
        match put {
            Ok(_) => Ok(true),
            Err(e) if !overwrite && e.as_service_error().is_some_and(|e| e.is_parameter_already_exists()) => Ok(false),
            Err(e) => Err(failed("ssm:PutParameter")(e)),
        }
    }
}

fn record_parameter(acme: &AcmeConfig, name: &str) -> String {
    format!("{}/{name}", acme.records_path.trim_end_matches('/'))
}
