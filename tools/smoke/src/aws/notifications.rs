//! The functions' notification outbox (shared/src/notify), read with the user's credentials to
//! tell whether the webhook accepted the meeting's ready message.

use super::Aws;
use lifecycle::notify::Outbox;

impl Aws {
    pub async fn notification_outbox(&self, path: &str) -> Result<Outbox, String> {
        lifecycle::cloud::read_outbox(&self.ssm, path)
            .await
            .map_err(|e| e.to_string())
    }
}
