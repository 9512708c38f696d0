//! The SSM calls the functions' own records share (the certificate records and ACME account, the
//! notification outbox, the manual stop): write or claim, delete, read if present.

use super::{failed, Aws, CloudError};
use aws_sdk_ssm::types::{ParameterTier, ParameterType};

/// How a record is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stored {
    /// A String in the standard tier (free): nothing secret in it.
    Plain,
    /// A SecureString under the stack's key (aws/ssm by default), Intelligent-Tiering: standard,
    /// and free, while it fits its 4 KB; a certificate record with a long chain may not (SSM user
    /// guide, "Parameter tiers").
    Secret,
}

impl Aws {
    /// Writes `value`; without `overwrite` only if no parameter of that name exists. True when
    /// this call wrote it: SSM refuses a `PutParameter` without overwrite on an existing name
    /// (ParameterAlreadyExists), atomically, so exactly one concurrent caller wins.
    pub(super) async fn put_parameter(
        &self,
        name: &str,
        value: &str,
        stored: Stored,
        overwrite: bool,
    ) -> Result<bool, CloudError> {
        let put = self.ssm.put_parameter().name(name).value(value).overwrite(overwrite);
        let put = match stored {
            Stored::Plain => put.r#type(ParameterType::String),
            Stored::Secret => put
                .r#type(ParameterType::SecureString)
                .tier(ParameterTier::IntelligentTiering),
        };
        match put.send().await {
            Ok(_) => Ok(true),
            Err(e) if !overwrite && e.as_service_error().is_some_and(|e| e.is_parameter_already_exists()) => Ok(false),
            Err(e) => Err(failed("ssm:PutParameter")(e)),
        }
    }

    /// Deletes the parameter; one already gone is fine.
    pub(super) async fn delete_parameter(&self, name: &str) -> Result<(), CloudError> {
        match self.ssm.delete_parameter().name(name).send().await {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_parameter_not_found()) => Ok(()),
            Err(e) => Err(failed("ssm:DeleteParameter")(e)),
        }
    }

    /// The parameter's value, or None if it does not exist (yet).
    pub(super) async fn parameter_if_any(&self, name: &str, decrypt: bool) -> Result<Option<String>, CloudError> {
        match self
            .ssm
            .get_parameter()
            .name(name)
            .with_decryption(decrypt)
            .send()
            .await
        {
            Ok(out) => Ok(out.parameter().and_then(|p| p.value()).map(str::to_string)),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_parameter_not_found()) => Ok(None),
            Err(e) => Err(failed("ssm:GetParameter")(e)),
        }
    }
}
