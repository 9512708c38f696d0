//! Settings shared by the unit tests.

use lifecycle::config::Config;
use std::collections::HashMap;

/// The functions' environment as Terraform sets it, without or with a custom domain.
pub fn config(custom_domain: bool) -> Config {
    let mut vars: HashMap<String, String> = [
        ("CLUSTER_NAME", "jitsi-on-demand"),
        ("SERVICE_NAME", "jitsi"),
        ("SUBNET_ID", "subnet-1"),
        (
            "JVB_TARGET_GROUP_ARN",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/jvb/1",
        ),
        (
            "WEB_TARGET_GROUP_ARN",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/2",
        ),
        ("LOAD_BALANCER_NAME", "jitsi-on-demand-meeting"),
        ("ADVERTISE_IPS_PARAMETER", "/jitsi-on-demand/advertise-ips"),
        ("START_SECRET_HASH_PARAMETER", "/jitsi-on-demand/start-secret-hash"),
        ("STACK_TAG", "jitsi-on-demand"),
        ("JWT_APP_ID", "jitsi-on-demand-1a2b"),
        ("JWT_SECRET_PARAMETER", "/jitsi-on-demand/jwt-secret"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    if custom_domain {
        vars.insert("HOSTED_ZONE_ID".into(), "Z123".into());
        vars.insert("MEETING_HOSTNAME".into(), "meet.example.org".into());
        vars.insert("DNS_IDLE_ADDRESS".into(), "192.0.2.1".into());
        vars.insert(
            "CERTIFICATE_ARN".into(),
            "arn:aws:acm:us-east-1:123456789012:certificate/c".into(),
        );
    }
    Config::from_vars(&vars).expect("the test environment is valid")
}
