//! Settings, read once per cold start from the environment that Terraform sets.

use crate::notify::WebhookConfig;
use crate::schedule::Schedule;
use chrono::Duration;
use std::collections::HashMap;

/// The tag key put on everything the functions create, so that it can be found and cleaned up.
pub const STACK_TAG_KEY: &str = "jitsi-on-demand:stack";
/// Tag on an Elastic IP recording when it was allocated (AWS does not report it).
pub const ALLOCATED_AT_TAG_KEY: &str = "jitsi-on-demand:allocated-at";
/// Tag on an Elastic IP saying what started its meeting (`model::STARTED_BY_CLICK` or a window).
pub const STARTED_BY_TAG_KEY: &str = "jitsi-on-demand:started-by";

pub const JVB_PORT: i32 = 10000;
pub const WEB_PORT: i32 = 443;
/// Plain HTTP: the ACME http-01 challenge (RFC 8555 §8.3 fixes port 80) and the web container's
/// redirect to HTTPS for people.
pub const HTTP_PORT: u16 = 80;
/// The meeting hostname's TTL: how long a resolver may keep the old answer after a start or a stop.
pub const DNS_TTL_SECONDS: i64 = 60;

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub cluster: String,
    pub service: String,
    pub subnet_id: String,
    pub jvb_target_group_arn: String,
    pub web_target_group_arn: String,
    pub load_balancer_name: String,
    pub advertise_ips_parameter: String,
    pub start_secret_hash_parameter: String,
    /// Jitsi's JWT app id (issuer and audience of the moderator tokens) and the SSM SecureString
    /// holding their signing key; both are this deployment's own.
    pub jwt_app_id: String,
    pub jwt_secret_parameter: String,
    pub stack_tag: String,
    /// With a certificate the web listener terminates TLS; without, TCP 443 passes through
    /// to the web container's own self-signed certificate (a trial setup).
    pub certificate_arn: Option<String>,
    /// Without a domain, a certificate for the meeting's address from an ACME CA (`certificate`).
    pub acme: Option<AcmeConfig>,
    pub dns: Option<DnsConfig>,
    pub idle: IdlePolicy,
    /// Scheduled meetings (`schedule`): empty without windows.
    pub schedule: Schedule,
    /// Windows left out for what is wrong with them (logged at each cold start): one bad window
    /// must not stop every start and stop.
    pub schedule_problems: Vec<String>,
    /// The parameter a manual stop writes its time to, so that an open window does not restart
    /// the meeting; set with windows only.
    pub manual_stop_parameter: Option<String>,
    /// Word to the team when a meeting is ready and when it ends (`notify`).
    pub webhook: Option<WebhookConfig>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsConfig {
    pub hosted_zone_id: String,
    pub hostname: String,
    /// Where the hostname points while no meeting runs (Terraform creates the record with it): a
    /// reserved address that routes nowhere, so the name always resolves (never NXDOMAIN, which
    /// resolvers would cache) and never to an address this stack no longer holds.
    pub idle_address: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcmeConfig {
    /// The CA's ACME directory: Let's Encrypt's production one unless the deployment says otherwise.
    pub directory_url: String,
    /// The SSM path of the certificate records (`certificate::record`).
    pub records_path: String,
    /// The SecureString holding the ACME account's credentials, written once by the first order.
    pub account_parameter: String,
    /// A String parameter with extra trusted roots (PEM): a staging or test CA's.
    pub extra_roots_parameter: Option<String>,
    /// The target group behind the TCP 80 listener (the web container's port 80).
    pub http_target_group_arn: String,
}

/// When a meeting that is wanted should be ended for lack of use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdlePolicy {
    /// Never stop a meeting younger than this: people are still arriving.
    pub grace: Duration,
    /// Stop when nobody has joined this long after the start.
    pub no_show: Duration,
    /// Stop when there has been no flow for this long after someone was there.
    pub idle: Duration,
    /// Stop any meeting this old.
    pub max_length: Duration,
}

impl Default for IdlePolicy {
    fn default() -> Self {
        Self {
            grace: Duration::minutes(10),
            no_show: Duration::minutes(15),
            idle: Duration::minutes(10),
            max_length: Duration::hours(8),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("missing setting {0}: set it in the function's environment (Terraform does)")]
    Missing(&'static str),
    #[error("invalid setting {name}={value:?}: {why}")]
    Invalid {
        name: &'static str,
        value: String,
        why: &'static str,
    },
    #[error("invalid setting {name}: {why}")]
    Unreadable { name: &'static str, why: String },
}

/// How long before a window opens its meeting is started, unless the deployment says otherwise:
/// the slowest click to ready seen on AWS (5 min: the load balancer about 2.5, the task and its
/// health checks in parallel, then registration), a minute for the certificate's order, and a
/// minute for the invocation's own delay (the Scheduler delivers within a minute; without it the
/// next tick does). Starting early costs about $0.001 a minute (`make cost`).
pub const DEFAULT_SCHEDULE_LEAD: Duration = Duration::minutes(7);

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&std::env::vars().collect())
    }

    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let optional = |name: &str| vars.get(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let required = |name: &'static str| optional(name).ok_or(ConfigError::Missing(name));
        let arn = |name: &'static str| {
            let value = required(name)?;
            if value.starts_with("arn:") {
                Ok(value)
            } else {
                Err(ConfigError::Invalid {
                    name,
                    value,
                    why: "expected an ARN",
                })
            }
        };
        let ipv4 = |name: &'static str| {
            let value = required(name)?;
            match value.parse::<std::net::Ipv4Addr>() {
                Ok(_) => Ok(value),
                Err(_) => Err(ConfigError::Invalid {
                    name,
                    value,
                    why: "expected an IPv4 address",
                }),
            }
        };
        let minutes = |name: &'static str, default: Duration| match optional(name) {
            None => Ok(default),
            // Fractions are allowed so that `make demo` can run a whole cycle in a couple of minutes.
            Some(value) => match value.parse::<f64>() {
                Ok(m) if m > 0.0 && m <= 100_000.0 => Ok(Duration::milliseconds((m * 60_000.0) as i64)),
                _ => Err(ConfigError::Invalid {
                    name,
                    value,
                    why: "expected a positive number of minutes",
                }),
            },
        };

        let load_balancer_name = required("LOAD_BALANCER_NAME")?;
        let valid_name = load_balancer_name.len() <= 32
            && load_balancer_name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !load_balancer_name.starts_with('-')
            && !load_balancer_name.ends_with('-');
        if !valid_name {
            return Err(ConfigError::Invalid {
                name: "LOAD_BALANCER_NAME",
                value: load_balancer_name,
                why: "at most 32 letters, digits and inner hyphens",
            });
        }

        let dns = match (optional("HOSTED_ZONE_ID"), optional("MEETING_HOSTNAME")) {
            (Some(hosted_zone_id), Some(hostname)) => Some(DnsConfig {
                hosted_zone_id,
                hostname: hostname.trim_end_matches('.').to_ascii_lowercase(),
                idle_address: ipv4("DNS_IDLE_ADDRESS")?,
            }),
            (None, None) => None,
            (Some(_), None) => return Err(ConfigError::Missing("MEETING_HOSTNAME")),
            (None, Some(_)) => return Err(ConfigError::Missing("HOSTED_ZONE_ID")),
        };

        let acme = match optional("ACME_DIRECTORY_URL") {
            None => None,
            Some(_) if optional("CERTIFICATE_ARN").is_some() => {
                return Err(ConfigError::Invalid {
                    name: "ACME_DIRECTORY_URL",
                    value: optional("ACME_DIRECTORY_URL").unwrap_or_default(),
                    why: "an ACM certificate (CERTIFICATE_ARN) and an ACME CA exclude each other",
                })
            }
            Some(directory_url) if !directory_url.starts_with("https://") => {
                return Err(ConfigError::Invalid {
                    name: "ACME_DIRECTORY_URL",
                    value: directory_url,
                    why: "expected an https:// URL (RFC 8555 requires HTTPS)",
                })
            }
            Some(directory_url) => Some(AcmeConfig {
                directory_url,
                records_path: required("CERTIFICATES_PARAMETER_PATH")?,
                account_parameter: required("ACME_ACCOUNT_PARAMETER")?,
                extra_roots_parameter: optional("ACME_EXTRA_ROOTS_PARAMETER"),
                http_target_group_arn: arn("WEB_HTTP_TARGET_GROUP_ARN")?,
            }),
        };

        let (schedule, schedule_problems) = match optional("SCHEDULED_MEETINGS") {
            None => (Schedule::default(), Vec::new()),
            Some(windows) => Schedule::parse_each(&windows, minutes("SCHEDULE_LEAD_MINUTES", DEFAULT_SCHEDULE_LEAD)?)
                .map_err(|why| ConfigError::Unreadable {
                name: "SCHEDULED_MEETINGS",
                why,
            })?,
        };
        let manual_stop_parameter = match schedule.is_empty() {
            true => None,
            false => Some(required("MANUAL_STOP_PARAMETER")?),
        };
        let webhook = WebhookConfig::from_vars(&optional)?;

        let defaults = IdlePolicy::default();
        let idle = IdlePolicy {
            grace: minutes("GRACE_MINUTES", defaults.grace)?,
            no_show: minutes("NO_SHOW_MINUTES", defaults.no_show)?,
            idle: minutes("IDLE_MINUTES", defaults.idle)?,
            max_length: minutes("MAX_MEETING_MINUTES", defaults.max_length)?,
        };

        Ok(Self {
            cluster: required("CLUSTER_NAME")?,
            service: required("SERVICE_NAME")?,
            subnet_id: required("SUBNET_ID")?,
            jvb_target_group_arn: arn("JVB_TARGET_GROUP_ARN")?,
            web_target_group_arn: arn("WEB_TARGET_GROUP_ARN")?,
            load_balancer_name,
            advertise_ips_parameter: required("ADVERTISE_IPS_PARAMETER")?,
            start_secret_hash_parameter: required("START_SECRET_HASH_PARAMETER")?,
            jwt_app_id: required("JWT_APP_ID")?,
            jwt_secret_parameter: required("JWT_SECRET_PARAMETER")?,
            stack_tag: required("STACK_TAG")?,
            certificate_arn: match optional("CERTIFICATE_ARN") {
                Some(v) if !v.starts_with("arn:") => {
                    return Err(ConfigError::Invalid {
                        name: "CERTIFICATE_ARN",
                        value: v,
                        why: "expected an ARN",
                    })
                }
                other => other,
            },
            acme,
            dns,
            idle,
            schedule,
            schedule_problems,
            manual_stop_parameter,
            webhook,
        })
    }

    /// The target groups the live tasks are registered on, with the snapshot's targets of each.
    pub fn target_groups<'a>(
        &'a self,
        snapshot: &'a crate::model::Snapshot,
    ) -> Vec<(&'a String, &'a [crate::model::Target])> {
        let mut groups = vec![
            (&self.jvb_target_group_arn, snapshot.jvb_targets.as_slice()),
            (&self.web_target_group_arn, snapshot.web_targets.as_slice()),
        ];
        if let Some(acme) = &self.acme {
            groups.push((&acme.http_target_group_arn, snapshot.http_targets.as_slice()));
        }
        groups
    }

    /// The ECS task group of the service: events and tasks of anything else are not ours.
    pub fn task_group(&self) -> String {
        format!("service:{}", self.service)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn vars() -> HashMap<String, String> {
        [
            ("CLUSTER_NAME", "jitsi"),
            ("SERVICE_NAME", "jitsi"),
            ("SUBNET_ID", "subnet-1"),
            (
                "JVB_TARGET_GROUP_ARN",
                "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/jvb/1",
            ),
            (
                "WEB_TARGET_GROUP_ARN",
                "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web/2",
            ),
            ("LOAD_BALANCER_NAME", "jitsi-meeting"),
            ("ADVERTISE_IPS_PARAMETER", "/jitsi/advertise-ips"),
            ("START_SECRET_HASH_PARAMETER", "/jitsi/start-secret-hash"),
            ("JWT_APP_ID", "jitsi-on-demand-1a2b"),
            ("JWT_SECRET_PARAMETER", "/jitsi/jwt-secret"),
            ("STACK_TAG", "jitsi"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn reads_a_complete_environment_with_defaults() {
        let config = Config::from_vars(&vars()).unwrap();
        assert_eq!(config.idle, IdlePolicy::default());
        assert_eq!(config.dns, None);
        assert_eq!(config.certificate_arn, None);
        assert_eq!(config.task_group(), "service:jitsi");
    }

    #[test]
    fn names_the_missing_setting() {
        let mut v = vars();
        v.remove("SUBNET_ID");
        let err = Config::from_vars(&v).unwrap_err();
        assert_eq!(err, ConfigError::Missing("SUBNET_ID"));
        assert!(err.to_string().contains("SUBNET_ID"));
    }

    #[test]
    fn rejects_invalid_values_by_name() {
        for (name, value) in [
            ("IDLE_MINUTES", "ten"),
            ("GRACE_MINUTES", "0"),
            ("NO_SHOW_MINUTES", "-1"),
            ("MAX_MEETING_MINUTES", "inf"),
            ("JVB_TARGET_GROUP_ARN", "jvb"),
            ("LOAD_BALANCER_NAME", "a-name-that-is-much-longer-than-thirty-two"),
            ("CERTIFICATE_ARN", "not-an-arn"),
        ] {
            let mut v = vars();
            v.insert(name.into(), value.into());
            match Config::from_vars(&v) {
                Err(ConfigError::Invalid { name: n, .. }) => assert_eq!(n, name),
                other => panic!("{name}={value}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_bad_window_is_left_out_with_its_reason_and_a_malformed_list_is_an_error() {
        let mut v = vars();
        v.insert(
            "SCHEDULED_MEETINGS".into(),
            r#"[{"name":"ok","schedule":"cron(0 9 * * ? *)","minutes":30},
                {"name":"tz","schedule":"cron(0 9 * * ? *)","time_zone":"Europe/Atlantis","minutes":30}]"#
                .into(),
        );
        assert_eq!(
            Config::from_vars(&v).unwrap_err(),
            ConfigError::Missing("MANUAL_STOP_PARAMETER")
        );
        v.insert("MANUAL_STOP_PARAMETER".into(), "/jitsi/schedule/manual-stop".into());
        let config = Config::from_vars(&v).unwrap();
        assert_eq!(config.schedule.windows.len(), 1);
        assert_eq!(config.schedule_problems.len(), 1);
        assert!(config.schedule_problems[0].contains("Europe/Atlantis"));
        v.insert("SCHEDULED_MEETINGS".into(), "{not json".into());
        assert!(matches!(
            Config::from_vars(&v),
            Err(ConfigError::Unreadable {
                name: "SCHEDULED_MEETINGS",
                ..
            })
        ));
    }

    #[test]
    fn reads_fractional_minutes() {
        let mut v = vars();
        v.insert("IDLE_MINUTES".into(), "0.5".into());
        assert_eq!(Config::from_vars(&v).unwrap().idle.idle, Duration::seconds(30));
    }

    #[test]
    fn dns_needs_both_zone_and_hostname() {
        let mut v = vars();
        v.insert("HOSTED_ZONE_ID".into(), "Z1".into());
        assert_eq!(
            Config::from_vars(&v).unwrap_err(),
            ConfigError::Missing("MEETING_HOSTNAME")
        );
        v.insert("MEETING_HOSTNAME".into(), "Meet.Example.org.".into());
        assert_eq!(
            Config::from_vars(&v).unwrap_err(),
            ConfigError::Missing("DNS_IDLE_ADDRESS")
        );
        v.insert("DNS_IDLE_ADDRESS".into(), "192.0.2.300".into());
        assert!(matches!(
            Config::from_vars(&v),
            Err(ConfigError::Invalid {
                name: "DNS_IDLE_ADDRESS",
                ..
            })
        ));
        v.insert("DNS_IDLE_ADDRESS".into(), "192.0.2.1".into());
        let dns = Config::from_vars(&v).unwrap().dns.unwrap();
        assert_eq!(dns.hostname, "meet.example.org");
        assert_eq!(dns.idle_address, "192.0.2.1");
    }
}
