//! Pebble, Let's Encrypt's test ACME server (Debian package `pebble`), on loopback for one test:
//! its HTTPS listener under a throwaway CA made here, its issuing root fetched from its management
//! interface. It validates http-01 on port 80 of the identifier's address, as Let's Encrypt does.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::local_aws::free_port;

pub struct Pebble {
    child: Child,
    dir: PathBuf,
    pub directory_url: String,
    /// The CA behind Pebble's HTTPS listener and Pebble's issuing root, PEM.
    pub trusted_roots_pem: String,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn curl(ca: &Path, url: &str) -> Option<String> {
    let out = Command::new("curl")
        .args(["-sf", "--max-time", "2", "--cacert"])
        .arg(ca)
        .arg(url)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

impl Pebble {
    pub fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("pebble-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(&dir).unwrap();
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
        openssl(
            &dir,
            &[
                &["req", "-x509"][..],
                &ec,
                &[
                    "-days",
                    "2",
                    "-subj",
                    "/CN=pebble listener CA",
                    "-addext",
                    "basicConstraints=critical,CA:TRUE",
                    "-addext",
                    "keyUsage=critical,keyCertSign",
                    "-keyout",
                    "ca.key",
                    "-out",
                    "ca.crt",
                ],
            ]
            .concat(),
        );
        openssl(
            &dir,
            &[
                &["req"][..],
                &ec,
                &["-subj", "/CN=localhost", "-keyout", "key.pem", "-out", "leaf.csr"],
            ]
            .concat(),
        );
        std::fs::write(
            dir.join("leaf.ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        openssl(
            &dir,
            &[
                "x509",
                "-req",
                "-in",
                "leaf.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "leaf.ext",
                "-out",
                "cert.pem",
            ],
        );

        let (port, management) = (free_port(), free_port());
        let config = serde_json::json!({"pebble": {
            "listenAddress": format!("127.0.0.1:{port}"),
            "managementListenAddress": format!("127.0.0.1:{management}"),
            "certificate": dir.join("cert.pem"), "privateKey": dir.join("key.pem"),
            "httpPort": 80, "tlsPort": 443, "ocspResponderURL": "", "externalAccountBindingRequired": false,
        }});
        std::fs::write(dir.join("pebble.json"), config.to_string()).unwrap();
        let log = std::fs::File::create(dir.join("pebble.log")).unwrap();
        let child = Command::new("pebble")
            .arg("-config")
            .arg(dir.join("pebble.json"))
            // No random sleep before validating; no nonces refused at random (Pebble's test knobs).
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("pebble is installed (make setup installs the Debian package)");
        let ca = dir.join("ca.crt");
        let directory_url = format!("https://127.0.0.1:{port}/dir");
        let deadline = Instant::now() + Duration::from_secs(15);
        while curl(&ca, &directory_url).is_none() {
            assert!(
                Instant::now() < deadline,
                "pebble did not start: {}",
                std::fs::read_to_string(dir.join("pebble.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let root = curl(&ca, &format!("https://127.0.0.1:{management}/roots/0")).expect("pebble's root");
        let trusted_roots_pem = format!("{}{root}", std::fs::read_to_string(&ca).unwrap());
        Self {
            child,
            dir,
            directory_url,
            trusted_roots_pem,
        }
    }

    /// Pebble's own log: what it was asked and what it validated.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("pebble.log")).unwrap_or_default()
    }
}

impl Drop for Pebble {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The web container's ports 80 and 443 on the meeting's address, with the task's certificate
/// script (tests/jitsi_standin/web_certificate.py). Killed when dropped.
pub struct WebContainer {
    child: Child,
    pub address: String,
    log: PathBuf,
}

impl WebContainer {
    pub fn start(aws_endpoint: &str, certificates_path: &str, advertise_ips_parameter: &str) -> Self {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/jitsi_standin/web_certificate.py");
        let log = std::env::temp_dir().join(format!("web-certificate-{}-{}.log", std::process::id(), free_port()));
        let mut child = Command::new("python3")
            .args([
                "-B",
                script,
                "--aws-endpoint",
                aws_endpoint,
                "--certificates-path",
                certificates_path,
            ])
            .args(["--address-from-ssm", advertise_ips_parameter])
            .arg("--script-log")
            .arg(&log)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs the web stand-in");
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
        let started: serde_json::Value = serde_json::from_str(&line).expect("the web stand-in says where it listens");
        Self {
            address: started["address"].as_str().unwrap().to_string(),
            child,
            log,
        }
    }

    /// What the certificate script printed.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for WebContainer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
