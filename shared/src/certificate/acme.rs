//! The ACME conversation (RFC 8555) for one IP address (RFC 8738), with instant-acme: Let's
//! Encrypt issues IP certificates only under its `shortlived` profile (about 6 days) and checks
//! them only by http-01 or tls-alpn-01 (letsencrypt.org, "IP Address Certificates", 2026);
//! http-01 is answered by the web container on port 80.

use super::served::client_config;
use crate::model::Time;
use chrono::{DateTime, Duration, Utc};
use instant_acme::{
    Account, AccountCredentials, BodyWrapper, ChallengeType, Identifier, NewAccount, NewOrder, Order, OrderStatus,
    RetryPolicy,
};
use rustls::RootCertStore;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// The profile Let's Encrypt requires for IP identifiers; sent only when the CA offers it
/// (RFC draft-ietf-acme-profiles: a server rejects a profile it does not advertise).
const SHORT_LIVED_PROFILE: &str = "shortlived";
/// How long the CA may take to validate, and then to issue.
const VALIDATION_WAIT: std::time::Duration = std::time::Duration::from_secs(60);
const ISSUANCE_WAIT: std::time::Duration = std::time::Duration::from_secs(60);
/// With no Retry-After in a rate-limit answer, wait out Let's Encrypt's shortest window (new
/// orders per account: 300 per 3 hours).
const DEFAULT_RATE_LIMIT_PAUSE: Duration = Duration::hours(3);

/// Why no certificate came, in words for the status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The CA answered `rateLimited`: nothing more is asked of it before `until`.
    RateLimited {
        reason: String,
        until: Time,
    },
    /// The CA validated and found the challenge wrong.
    Refused(String),
    Other(String),
}

impl Failure {
    pub fn reason(&self) -> String {
        match self {
            Failure::RateLimited { reason, .. } => format!("the certificate authority's rate limit was hit: {reason}"),
            Failure::Refused(reason) | Failure::Other(reason) => reason.clone(),
        }
    }

    /// Counts against the address's failed-validation limit.
    pub fn validation_failed(&self) -> bool {
        matches!(self, Failure::Refused(_))
    }

    fn from_acme(doing: &str, error: instant_acme::Error, now: Time) -> Self {
        match error {
            instant_acme::Error::Api(problem)
                if problem.r#type.as_deref().is_some_and(|t| t.ends_with(":rateLimited")) =>
            {
                let detail = problem.detail.unwrap_or_default();
                let until = retry_after_in(&detail).unwrap_or(now + DEFAULT_RATE_LIMIT_PAUSE);
                Failure::RateLimited { reason: detail, until }
            }
            instant_acme::Error::Api(problem) => {
                let reason = format!(
                    "the certificate authority refused {doing}: {}",
                    problem.detail.unwrap_or_else(|| problem.r#type.unwrap_or_default())
                );
                match doing {
                    "the validation" => Failure::Refused(reason),
                    _ => Failure::Other(reason),
                }
            }
            instant_acme::Error::Timeout(_) => {
                Failure::Other(format!("the certificate authority did not finish {doing} in time"))
            }
            other => Failure::Other(format!("could not reach the certificate authority ({doing}): {other}")),
        }
    }
}

/// Let's Encrypt's rate-limit details end "retry after 2026-12-05 20:00:00 UTC: see …".
fn retry_after_in(detail: &str) -> Option<Time> {
    let (_, rest) = detail.split_once("retry after ")?;
    let stamp: String = rest.chars().take("2026-12-05 20:00:00 UTC".len()).collect();
    DateTime::parse_from_str(&stamp.replace(" UTC", " +0000"), "%Y-%m-%d %H:%M:%S %z")
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn http_client(roots: RootCertStore) -> Box<dyn instant_acme::HttpClient> {
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(client_config(roots))
        .https_only()
        .enable_http1()
        .build();
    Box::new(
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build::<_, BodyWrapper<bytes::Bytes>>(connector),
    )
}

/// The account, from its stored credentials or newly registered (the caller stores those).
pub async fn account(
    directory_url: &str,
    roots: RootCertStore,
    stored: Option<&str>,
    now: Time,
) -> Result<(Account, Option<String>), Failure> {
    let builder = Account::builder_with_http(http_client(roots));
    if let Some(json) = stored {
        // serde's message may quote the value, which holds the key: not repeated.
        let credentials: AccountCredentials =
            serde_json::from_str(json).map_err(|_| Failure::Other("the stored ACME account is unreadable".into()))?;
        let account = builder
            .from_credentials(credentials)
            .await
            .map_err(|e| Failure::from_acme("the stored account", e, now))?;
        return Ok((account, None));
    }
    let new = NewAccount {
        contact: &[],
        terms_of_service_agreed: true,
        only_return_existing: false,
    };
    let (account, credentials) = builder
        .create(&new, directory_url.to_string(), None)
        .await
        .map_err(|e| Failure::from_acme("a new account", e, now))?;
    let json = serde_json::to_string(&credentials).expect("credentials serialize");
    Ok((account, Some(json)))
}

/// Every 2 s until `wait`: instant-acme's default doubles from 250 ms and gives up once the next
/// delay would pass the deadline, about 16 s into a 60 s wait (order.rs, `RetryState::wait`).
fn polling(wait: std::time::Duration) -> RetryPolicy {
    RetryPolicy::new()
        .initial_delay(std::time::Duration::from_secs(2))
        .backoff(1.0)
        .timeout(wait)
}

/// The CA directory stored credentials belong to (instant-acme's `AccountCredentials.directory`).
pub fn account_directory(credentials: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(credentials).ok()?;
    value.get("directory")?.as_str().map(str::to_string)
}

/// An order for `ip` whose http-01 challenges are known but not yet answered.
pub struct Pending {
    order: Order,
    /// token → key authorization: what `/.well-known/acme-challenge/<token>` must answer.
    pub challenges: BTreeMap<String, String>,
}

pub async fn open_order(account: &Account, ip: IpAddr, now: Time) -> Result<Pending, Failure> {
    let identifiers = [Identifier::Ip(ip)];
    let mut request = NewOrder::new(&identifiers);
    if account.profiles().any(|p| p.name == SHORT_LIVED_PROFILE) {
        request = request.profile(SHORT_LIVED_PROFILE);
    }
    let mut order = account
        .new_order(&request)
        .await
        .map_err(|e| Failure::from_acme("the order", e, now))?;
    let mut challenges = BTreeMap::new();
    let mut authorizations = order.authorizations();
    while let Some(authorization) = authorizations.next().await {
        let mut authorization = authorization.map_err(|e| Failure::from_acme("the authorization", e, now))?;
        let challenge = authorization
            .challenge(ChallengeType::Http01)
            .ok_or_else(|| Failure::Other("the certificate authority offered no http-01 challenge".into()))?;
        challenges.insert(
            challenge.token.clone(),
            challenge.key_authorization().as_str().to_string(),
        );
    }
    Ok(Pending { order, challenges })
}

impl Pending {
    /// Asks the CA to validate (the challenges must be answered by now), then finalizes with a
    /// fresh key. Returns the PEM chain and the PEM private key.
    pub async fn complete(mut self, now: Time) -> Result<(String, String), Failure> {
        let mut authorizations = self.order.authorizations();
        while let Some(authorization) = authorizations.next().await {
            let mut authorization = authorization.map_err(|e| Failure::from_acme("the authorization", e, now))?;
            if let Some(mut challenge) = authorization.challenge(ChallengeType::Http01) {
                challenge
                    .set_ready()
                    .await
                    .map_err(|e| Failure::from_acme("the challenge", e, now))?;
            }
        }
        let validation = polling(VALIDATION_WAIT);
        let status = self
            .order
            .poll_ready(&validation)
            .await
            .map_err(|e| Failure::from_acme("the validation", e, now))?;
        if status != OrderStatus::Ready {
            return Err(Failure::Refused(format!(
                "the certificate authority refused the order: {}",
                self.why_invalid().await
            )));
        }
        let key_pem = self
            .order
            .finalize()
            .await
            .map_err(|e| Failure::from_acme("the certificate request", e, now))?;
        let chain_pem = self
            .order
            .poll_certificate(&polling(ISSUANCE_WAIT))
            .await
            .map_err(|e| Failure::from_acme("the issuance", e, now))?;
        Ok((chain_pem, key_pem))
    }
}

impl Pending {
    /// The validation error the CA recorded on a challenge (RFC 8555 §7.1.5 `error`).
    async fn why_invalid(&mut self) -> String {
        let mut authorizations = self.order.authorizations();
        while let Some(Ok(mut authorization)) = authorizations.next().await {
            if let Ok(state) = authorization.refresh().await {
                if let Some(problem) = state.challenges.iter().find_map(|c| c.error.as_ref()) {
                    return problem
                        .detail
                        .clone()
                        .unwrap_or_else(|| problem.r#type.clone().unwrap_or_default());
                }
            }
        }
        "no reason given".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_which_ca_stored_credentials_belong_to() {
        let stored = r#"{"id":"https://ca/acct/1","key_pkcs8":"AAAA","directory":"https://acme-staging-v02.api.letsencrypt.org/directory"}"#;
        assert_eq!(
            account_directory(stored).as_deref(),
            Some("https://acme-staging-v02.api.letsencrypt.org/directory")
        );
        assert_eq!(account_directory("not json"), None);
    }

    #[test]
    fn reads_lets_encrypts_retry_after() {
        let detail = "too many new orders (300) from this account in the last 3h0m0s, retry after 2026-12-05 20:01:02 UTC: see https://letsencrypt.org/docs/rate-limits/";
        assert_eq!(
            retry_after_in(detail),
            Some(
                DateTime::parse_from_rfc3339("2026-12-05T20:01:02Z")
                    .unwrap()
                    .with_timezone(&Utc)
            )
        );
        assert_eq!(retry_after_in("no time given"), None);
    }
}
