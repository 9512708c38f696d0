//! A trusted certificate for the meeting's own address when the stack has no domain: the
//! functions order it from an ACME CA (Let's Encrypt), the web container answers the CA's
//! http-01 request on port 80 and serves the certificate (it reads both from the records, see
//! `record`), and the functions call the certificate done only once a TLS handshake to the
//! address validates it as a browser would (`served`). Any failure leaves the meeting on the web
//! container's self-signed certificate, with the reason in the status.

mod acme;
mod decide;
pub mod record;
pub mod served;

pub use decide::{certificate_step, forgettable, next_action, Action};
pub use record::{Record, Records};

use crate::cloud::Aws;
use crate::config::{AcmeConfig, Config, HTTP_PORT, WEB_PORT};
use crate::model::{Snapshot, Time};
use record::{certificate_name, order_name, PAUSED};
use std::net::IpAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tracing::{info, warn};

/// How long the address may take to route the CA's request to the web container, and then to
/// serve the certificate through the web group: an NLB admits a new target after its health
/// checks pass (2 × 10 s here), but registration itself often takes minutes (ELB guide, "Target
/// groups for your Network Load Balancers": "it can take a few minutes for the registration
/// process to complete"). task-state's timeout (terraform/lambdas.tf) covers the whole order.
const ANSWER_WAIT: Duration = Duration::from_secs(300);
const SERVE_WAIT: Duration = Duration::from_secs(300);
const RECHECK_EVERY: Duration = Duration::from_secs(2);
/// The ACME client sets no deadline of its own: a CA that stops answering must not hold the
/// function until Lambda's timeout. Opening an order takes a few requests; finishing it, the
/// validation and the issuance polls (60 s each) and the certificate's download.
const CA_CALL_WAIT: Duration = Duration::from_secs(30);
const CA_FINISH_WAIT: Duration = Duration::from_secs(150);

async fn bounded<T>(
    wait: Duration,
    call: impl std::future::Future<Output = Result<T, acme::Failure>>,
) -> Result<T, acme::Failure> {
    tokio::time::timeout(wait, call).await.unwrap_or_else(|_| {
        Err(acme::Failure::Other(format!(
            "the certificate authority did not answer within {wait:?}"
        )))
    })
}

/// Brings the meeting's certificate one step on, if it needs one; never fails the reconcile
/// (the meeting goes on with the self-signed certificate) and forgets records that expired.
pub async fn settle(aws: &Aws, config: &Config, snapshot: &mut Snapshot, now: Time) {
    let Some(acme) = &config.acme else { return };
    for name in forgettable(snapshot, now) {
        match aws.delete_certificate_record(acme, &name).await {
            Ok(()) => info!(record = %name, "forgot an expired certificate record"),
            Err(error) => warn!(record = %name, %error, "could not forget a certificate record"),
        }
    }
    let Some(action) = next_action(snapshot, config, now) else {
        return;
    };
    info!(?action, "certificate");
    let done = match &action {
        Action::Order { ip, meeting } => order(aws, acme, ip, meeting, now).await,
        Action::Verify { ip, meeting } => {
            // next_action chose Verify from this very record.
            let issued = snapshot
                .certificates
                .as_ref()
                .and_then(|records| records.get(&certificate_name(ip)))
                .cloned();
            match issued {
                Some(issued) => verify(aws, acme, issued, meeting).await,
                None => Ok(()),
            }
        }
        Action::Decline { meeting, ip, reason } => {
            let failed = Record::failed(ip, now, reason.clone(), false);
            // Overwrites: a cut-off order's own record is what is declined.
            aws.put_certificate_record(acme, &order_name(meeting), &failed)
                .await
                .map_err(|e| e.to_string())
        }
    };
    if let Err(error) = done {
        warn!(?action, %error, "certificate records not updated; the next trigger tries again");
    }
    match aws.certificate_records(acme).await {
        Ok(records) => snapshot.certificates = Some(records),
        Err(error) => warn!(%error, "could not read the certificate records back"),
    }
}

async fn order(aws: &Aws, acme: &AcmeConfig, ip: &str, meeting: &str, now: Time) -> Result<(), String> {
    let order_record = order_name(meeting);
    let claim = Record::Ordering {
        ip: ip.into(),
        since: now,
        challenges: Default::default(),
    };
    if !aws
        .claim_certificate_record(acme, &order_record, &claim)
        .await
        .map_err(|e| e.to_string())?
    {
        return Ok(()); // another run holds this meeting's order
    }
    match obtain(aws, acme, ip, &order_record, now).await {
        Ok(issued) => {
            // A served certificate outranks the order's record in the status, so a failed
            // delete only leaves a record for `forgettable`.
            if let Err(error) = aws.delete_certificate_record(acme, &order_record).await {
                warn!(%error, "could not delete the finished order's record");
            }
            verify(aws, acme, issued, meeting).await
        }
        Err(failure) => {
            warn!(reason = %failure.reason(), ip, "no certificate; the meeting uses the self-signed one");
            let failed = Record::failed(ip, now, failure.reason(), failure.validation_failed());
            aws.put_certificate_record(acme, &order_record, &failed)
                .await
                .map_err(|e| e.to_string())?;
            if let acme::Failure::RateLimited { until, .. } = &failure {
                let paused = Record::Paused {
                    until: *until,
                    reason: failure.reason(),
                };
                aws.put_certificate_record(acme, PAUSED, &paused)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            Ok(())
        }
    }
}

/// The order itself: the account, the challenge published and answered, the certificate stored.
async fn obtain(
    aws: &Aws,
    acme: &AcmeConfig,
    ip: &str,
    order_record: &str,
    now: Time,
) -> Result<Record, acme::Failure> {
    let other = |e: crate::cloud::CloudError| acme::Failure::Other(e.to_string());
    let address: IpAddr = ip
        .parse()
        .map_err(|_| acme::Failure::Other(format!("{ip} is not an IP address")))?;
    let roots = roots(aws, acme).await.map_err(acme::Failure::Other)?;
    // An account belongs to one CA: after a switch (staging to production) a new one replaces it.
    let found = aws.acme_account(acme).await.map_err(other)?;
    let other_ca =
        |credentials: &String| acme::account_directory(credentials).as_deref() != Some(acme.directory_url.as_str());
    let replace = found.as_ref().is_some_and(other_ca);
    let stored = found.filter(|credentials| !other_ca(credentials));
    let (account, created) = bounded(
        CA_CALL_WAIT,
        acme::account(&acme.directory_url, roots.clone(), stored.as_deref(), now),
    )
    .await?;
    if let Some(credentials) = created {
        aws.store_acme_account(acme, &credentials, replace)
            .await
            .map_err(other)?;
    }
    let pending = bounded(CA_CALL_WAIT, acme::open_order(&account, address, now)).await?;
    let publish = Record::Ordering {
        ip: ip.into(),
        since: now,
        challenges: pending.challenges.clone(),
    };
    aws.put_certificate_record(acme, order_record, &publish)
        .await
        .map_err(other)?;
    for (token, key_authorization) in &pending.challenges {
        wait_for_answer(address, token, key_authorization).await?;
    }
    let (chain_pem, key_pem) = bounded(CA_FINISH_WAIT, pending.complete(now)).await?;
    let not_after = served::leaf_not_after(&chain_pem).map_err(acme::Failure::Other)?;
    let issued = Record::Issued {
        ip: ip.into(),
        not_after,
        chain_pem,
        key_pem,
        served_for: None,
    };
    aws.put_certificate_record(acme, &certificate_name(ip), &issued)
        .await
        .map_err(other)?;
    info!(ip, %not_after, "certificate issued");
    Ok(issued)
}

/// Asks the CA to look only once the address answers as the CA will see it: every failed
/// validation counts against the address's hourly limit.
async fn wait_for_answer(ip: IpAddr, token: &str, key_authorization: &str) -> Result<(), acme::Failure> {
    let deadline = tokio::time::Instant::now() + ANSWER_WAIT;
    loop {
        let last = match challenge_answer(ip, token).await {
            Ok(body) if body.trim() == key_authorization => return Ok(()),
            Ok(body) => format!("it answered {:?}", body.chars().take(80).collect::<String>()),
            Err(error) => error,
        };
        if tokio::time::Instant::now() >= deadline {
            return Err(acme::Failure::Other(format!(
                "http://{ip}/.well-known/acme-challenge/ did not answer the challenge within {ANSWER_WAIT:?} ({last})"
            )));
        }
        tokio::time::sleep(RECHECK_EVERY).await;
    }
}

/// `GET /.well-known/acme-challenge/<token>` on port 80, as the CA sends it (RFC 8555 §8.3).
async fn challenge_answer(ip: IpAddr, token: &str) -> Result<String, String> {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect((ip, HTTP_PORT)).await?;
        let request = format!(
            "GET /.well-known/acme-challenge/{token} HTTP/1.0\r\nHost: {ip}\r\nUser-Agent: jitsi-on-demand\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await?;
        let mut response = Vec::new();
        stream.take(64 * 1024).read_to_end(&mut response).await?;
        Ok::<_, std::io::Error>(String::from_utf8_lossy(&response).into_owned())
    };
    let response = tokio::time::timeout(Duration::from_secs(5), exchange)
        .await
        .map_err(|_| "no answer within 5 s".to_string())?
        .map_err(|e| format!("port 80: {e}"))?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    match head.split_whitespace().nth(1) {
        Some("200") => Ok(body.to_string()),
        status => Err(format!("HTTP {}", status.unwrap_or("?"))),
    }
}

/// Waits until the address serves the stored certificate to a validating client, then records
/// that it does for this meeting; otherwise records why the meeting goes without.
async fn verify(aws: &Aws, acme: &AcmeConfig, issued: Record, meeting: &str) -> Result<(), String> {
    let Record::Issued {
        ip,
        not_after,
        chain_pem,
        key_pem,
        ..
    } = issued
    else {
        return Ok(());
    };
    let ip = ip.as_str();
    let address: IpAddr = ip.parse().map_err(|_| format!("{ip} is not an IP address"))?;
    let roots = roots(aws, acme).await?;
    let deadline = tokio::time::Instant::now() + SERVE_WAIT;
    let outcome = loop {
        match served::check(address, WEB_PORT as u16, roots.clone(), Duration::from_secs(5)).await {
            Ok(served_until) if served_until == not_after => break Ok(()),
            Ok(_) => {}
            Err(error) if tokio::time::Instant::now() >= deadline => break Err(error),
            Err(_) => {}
        }
        if tokio::time::Instant::now() >= deadline {
            break Err("the address still serves another certificate".to_string());
        }
        tokio::time::sleep(RECHECK_EVERY).await;
    };
    match outcome {
        Ok(()) => {
            let served = Record::Issued {
                ip: ip.to_string(),
                not_after,
                chain_pem,
                key_pem,
                served_for: Some(meeting.into()),
            };
            info!(ip, %not_after, "the address serves a trusted certificate");
            aws.put_certificate_record(acme, &certificate_name(ip), &served)
                .await
                .map_err(|e| e.to_string())
        }
        Err(error) => {
            let failed = Record::failed(
                ip,
                chrono::Utc::now(),
                format!("the web server did not serve the new certificate within {SERVE_WAIT:?}: {error}"),
                false,
            );
            aws.put_certificate_record(acme, &order_name(meeting), &failed)
                .await
                .map_err(|e| e.to_string())
        }
    }
}

async fn roots(aws: &Aws, acme: &AcmeConfig) -> Result<rustls::RootCertStore, String> {
    let extra = aws.acme_extra_roots(acme).await.map_err(|e| e.to_string())?;
    served::trust_roots(extra.as_deref())
}
