//! What participants' browsers will see: a TLS handshake to the meeting's address that validates
//! the chain against the public roots (webpki-roots, Mozilla's list), as a browser would for
//! `https://<address>/` (an IP address SAN, RFC 8738 §3 / RFC 6125), plus any extra roots the
//! deployment names (a staging or test CA).

use chrono::DateTime;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::model::Time;

/// The public roots, and the extra ones (PEM, possibly several) a test or staging CA needs.
pub fn trust_roots(extra_pem: Option<&str>) -> Result<RootCertStore, String> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(pem) = extra_pem {
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|e| format!("the extra trusted roots are not PEM certificates: {e}"))?;
            roots
                .add(cert)
                .map_err(|e| format!("an extra trusted root is not usable: {e}"))?;
        }
    }
    Ok(roots)
}

pub fn client_config(roots: RootCertStore) -> ClientConfig {
    ClientConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("aws-lc-rs supports the default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// Connects to `ip:port` and returns the served certificate's expiry once the chain validates
/// for the address; otherwise why not, in words for the status.
pub async fn check(ip: IpAddr, port: u16, roots: RootCertStore, timeout: Duration) -> Result<Time, String> {
    let connector = TlsConnector::from(Arc::new(client_config(roots)));
    let handshake = async {
        let tcp = TcpStream::connect((ip, port))
            .await
            .map_err(|e| format!("cannot connect to {ip}:{port}: {e}"))?;
        connector
            .connect(ServerName::IpAddress(ip.into()), tcp)
            .await
            .map_err(|e| format!("the certificate served on {ip}:{port} is not trusted: {e}"))
    };
    let stream = tokio::time::timeout(timeout, handshake)
        .await
        .map_err(|_| format!("no TLS handshake with {ip}:{port} within {timeout:?}"))??;
    let leaf = stream
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|chain| chain.first())
        .ok_or("the server sent no certificate")?;
    not_after(leaf.as_ref())
}

/// The end of a certificate's validity (DER).
pub fn not_after(der: &[u8]) -> Result<Time, String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).map_err(|e| format!("unreadable certificate: {e}"))?;
    DateTime::from_timestamp(cert.validity().not_after.timestamp(), 0)
        .ok_or_else(|| "certificate expiry out of range".into())
}

/// The expiry of the first certificate of a PEM chain (the leaf).
pub fn leaf_not_after(chain_pem: &str) -> Result<Time, String> {
    let leaf = CertificateDer::pem_slice_iter(chain_pem.as_bytes())
        .next()
        .ok_or("the CA sent no certificate")?
        .map_err(|e| format!("the CA's certificate is not PEM: {e}"))?;
    not_after(leaf.as_ref())
}
