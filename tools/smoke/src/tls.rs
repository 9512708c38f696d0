//! TLS settings. A participant's browser trusts a certificate that chains to a public root: the
//! `verified` config checks the same way, against the Mozilla roots that webpki-roots carries. A
//! trial stack (no custom domain) serves the web container's self-signed certificate, which is
//! reported as not trusted; `accept_any` then lets the remaining checks run, as a person clicking
//! through the browser's warning would.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::sync::Arc;

/// aws-lc-rs, the provider the AWS SDK's TLS already uses (no second crypto library).
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

fn http1_only(mut config: ClientConfig) -> Arc<ClientConfig> {
    // The client speaks HTTP/1.1 only; nginx and Lambda would otherwise offer h2.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// Certificates must chain to a public root and name the host.
pub fn verified() -> Arc<ClientConfig> {
    let roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("aws-lc-rs supports the default TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    http1_only(config)
}

/// Any certificate is accepted (the handshake's signatures are still checked); only after the
/// certificate has been reported.
pub fn accept_any() -> Arc<ClientConfig> {
    let provider = provider();
    let config = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("aws-lc-rs supports the default TLS versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
        .with_no_client_auth();
    http1_only(config)
}

#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Why a browser would not trust the certificate, in words.
pub fn certificate_problem(error: &CertificateError) -> String {
    match error {
        CertificateError::UnknownIssuer => "issued by an authority browsers do not know (self-signed?)".into(),
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            "not valid for this host name".into()
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => "expired".into(),
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => "not valid yet".into(),
        CertificateError::BadSignature => "its signature does not verify".into(),
        other => format!("rejected ({other:?})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_problems_read_as_words() {
        assert_eq!(
            certificate_problem(&CertificateError::UnknownIssuer),
            "issued by an authority browsers do not know (self-signed?)"
        );
        assert_eq!(certificate_problem(&CertificateError::Expired), "expired");
        assert_eq!(
            certificate_problem(&CertificateError::NotValidForName),
            "not valid for this host name"
        );
    }

    #[test]
    fn both_configurations_build_and_offer_http1_only() {
        assert_eq!(verified().alpn_protocols, vec![b"http/1.1".to_vec()]);
        assert_eq!(accept_any().alpn_protocols, vec![b"http/1.1".to_vec()]);
    }
}
