//! The stack's settings (`--stack FILE`): the two Function URLs, the region and the functions'
//! own environment, which the lifecycle library validates exactly as the functions do at their
//! cold start. Terraform writes it (`smoke_settings` output); the demo writes the same for the
//! local stack.

use crate::url::Url;
use lifecycle::config::Config;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, Deserialize)]
struct StackFile {
    start_url: String,
    stop_url: String,
    region: String,
    environment: HashMap<String, serde_json::Value>,
}

#[derive(Debug, Clone)]
pub struct Stack {
    pub start_url: Url,
    pub stop_url: Url,
    pub region: String,
    pub config: Config,
}

impl Stack {
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let file: StackFile = serde_json::from_str(text).map_err(|e| format!("not the stack's settings: {e}"))?;
        // Terraform renders every value as a string; numbers are accepted too.
        let environment: HashMap<String, String> = file
            .environment
            .into_iter()
            .map(|(name, value)| {
                let text = match value {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Null => String::new(),
                    other => other.to_string(),
                };
                (name, text)
            })
            .collect();
        let config = Config::from_vars(&environment).map_err(|e| e.to_string())?;
        let region = file.region.trim().to_string();
        if region.is_empty() {
            return Err("region is empty".into());
        }
        Ok(Self {
            start_url: Url::parse(&file.start_url).map_err(|e| format!("start_url: {e}"))?,
            stop_url: Url::parse(&file.stop_url).map_err(|e| format!("stop_url: {e}"))?,
            region,
            config,
        })
    }

    /// Without a certificate the web listener passes TCP through to the container's self-signed
    /// certificate (README, Deploying to AWS): an untrusted certificate is expected.
    pub fn trial_mode(&self) -> bool {
        self.config.certificate_arn.is_none()
    }
}

/// Where the secret came from, to say so (never the secret itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    Environment,
    File(String),
}

/// JITSI_START_SECRET if set, else the file `make deploy` wrote.
pub fn find_secret(from_env: Option<String>, file: &Path) -> Result<(String, SecretSource), String> {
    if let Some(secret) = from_env.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()) {
        return Ok((secret, SecretSource::Environment));
    }
    match std::fs::read_to_string(file) {
        Ok(text) if !text.trim().is_empty() => {
            Ok((text.trim().to_string(), SecretSource::File(file.display().to_string())))
        }
        Ok(_) => Err(format!("{} is empty", file.display())),
        Err(e) => Err(format!(
            "no start secret: JITSI_START_SECRET is not set and {} cannot be read ({e})",
            file.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub const SAMPLE: &str = r#"{
        "start_url": "https://abc.lambda-url.us-east-1.on.aws/",
        "stop_url": "https://def.lambda-url.us-east-1.on.aws/",
        "region": "us-east-1",
        "environment": {
            "CLUSTER_NAME": "jitsi-on-demand", "SERVICE_NAME": "jitsi", "SUBNET_ID": "subnet-1",
            "JVB_TARGET_GROUP_ARN": "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/jvb/1",
            "WEB_TARGET_GROUP_ARN": "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web/2",
            "LOAD_BALANCER_NAME": "jitsi-on-demand-meeting", "ADVERTISE_IPS_PARAMETER": "/j/advertise",
            "START_SECRET_HASH_PARAMETER": "/j/hash", "STACK_TAG": "jitsi-on-demand",
            "JWT_APP_ID": "jitsi-on-demand-1a2b", "JWT_SECRET_PARAMETER": "/j/jwt-secret",
            "CERTIFICATE_ARN": "", "HOSTED_ZONE_ID": "", "MEETING_HOSTNAME": "", "DNS_IDLE_ADDRESS": "",
            "GRACE_MINUTES": 10, "RUST_LOG": "info"
        }
    }"#;

    #[test]
    fn reads_the_settings_and_validates_the_environment_as_the_functions_do() {
        let stack = Stack::parse(SAMPLE).unwrap();
        assert_eq!(
            stack.start_url.route("start").to_string(),
            "https://abc.lambda-url.us-east-1.on.aws/start"
        );
        assert_eq!(stack.config.load_balancer_name, "jitsi-on-demand-meeting");
        assert_eq!(stack.config.stack_tag, "jitsi-on-demand");
        assert!(stack.trial_mode() && stack.config.dns.is_none());
    }

    #[test]
    fn names_what_is_wrong() {
        let missing = SAMPLE.replace("\"CLUSTER_NAME\": \"jitsi-on-demand\", ", "");
        assert!(Stack::parse(&missing).unwrap_err().contains("CLUSTER_NAME"));
        assert!(Stack::parse("{}").unwrap_err().starts_with("not the stack's settings"));
        let bad_url = SAMPLE.replace("https://abc.lambda-url", "ftp://abc.lambda-url");
        assert!(Stack::parse(&bad_url).unwrap_err().starts_with("start_url:"));
    }

    #[test]
    fn the_environment_variable_wins_over_the_file() {
        let dir = std::env::temp_dir().join(format!("smoke-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("start-secret");
        std::fs::write(&file, "from-file\n").unwrap();
        assert_eq!(
            find_secret(Some("from-env".into()), &file).unwrap(),
            ("from-env".into(), SecretSource::Environment)
        );
        let (secret, source) = find_secret(Some("  ".into()), &file).unwrap();
        assert_eq!(
            (secret.as_str(), source),
            ("from-file", SecretSource::File(file.display().to_string()))
        );
        assert!(find_secret(None, &dir.join("missing"))
            .unwrap_err()
            .starts_with("no start secret"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
