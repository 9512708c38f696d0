//! A small blocking HTTP/1.1 client over TCP or TLS: enough for the Function URLs, Jitsi's page and
//! BOSH. One connection per request (`Connection: close`), so a response ends where the stream
//! does; `--connect-to` rules send a host's connections elsewhere (tests reach a stand-in so).

use crate::url::{ConnectTo, Url};
use rustls::pki_types::ServerName;
use rustls::ClientConfig;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

/// Pages and BOSH bodies are small; anything bigger is not what we asked for.
const MAX_RESPONSE_BYTES: usize = 8 << 20;

#[derive(Clone)]
pub struct Client {
    pub tls: Arc<ClientConfig>,
    pub connect_to: Vec<ConnectTo>,
    /// For the connection and for each read or write.
    pub timeout: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum HttpError {
    /// No TCP connection (refused, unreachable, name not resolved).
    Connect {
        address: String,
        reason: String,
    },
    /// The TLS handshake or record layer failed (a certificate not trusted among them).
    Tls(rustls::Error),
    TimedOut,
    Io(String),
    Malformed(String),
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Connect { address, reason } => write!(f, "cannot connect to {address}: {reason}"),
            HttpError::Tls(error) => write!(f, "TLS: {error}"),
            HttpError::TimedOut => write!(f, "no answer in time"),
            HttpError::Io(reason) => write!(f, "{reason}"),
            HttpError::Malformed(reason) => write!(f, "not an HTTP answer: {reason}"),
        }
    }
}

impl Client {
    pub fn new(tls: Arc<ClientConfig>, connect_to: Vec<ConnectTo>, timeout: Duration) -> Self {
        Self {
            tls,
            connect_to,
            timeout,
        }
    }

    /// The same client with another TLS configuration (after the certificate was reported).
    pub fn with_tls(&self, tls: Arc<ClientConfig>) -> Self {
        Self { tls, ..self.clone() }
    }

    pub fn get(&self, url: &Url) -> Result<Response, HttpError> {
        self.send("GET", url, &[], b"")
    }

    pub fn send(&self, method: &str, url: &Url, headers: &[(&str, &str)], body: &[u8]) -> Result<Response, HttpError> {
        let request = encode_request(method, url, headers, body);
        let tcp = self.connect(url)?;
        let raw = if url.https {
            let name = ServerName::try_from(url.host.clone()).map_err(|e| HttpError::Malformed(e.to_string()))?;
            let connection = rustls::ClientConnection::new(self.tls.clone(), name).map_err(HttpError::Tls)?;
            exchange(&mut rustls::StreamOwned::new(connection, tcp), &request)?
        } else {
            let mut tcp = tcp;
            exchange(&mut tcp, &request)?
        };
        parse_response(&raw)
    }

    fn connect(&self, url: &Url) -> Result<TcpStream, HttpError> {
        let (host, port) = self
            .connect_to
            .iter()
            .find_map(|rule| rule.route(url))
            .unwrap_or_else(|| (url.host.clone(), url.port));
        let address = format!("{host}:{port}");
        let failed = |reason: String| HttpError::Connect {
            address: address.clone(),
            reason,
        };
        let candidates = (host.as_str(), port)
            .to_socket_addrs()
            .map_err(|e| failed(e.to_string()))?;
        let mut last = "the name has no address".to_string();
        for candidate in candidates {
            match TcpStream::connect_timeout(&candidate, self.timeout) {
                Ok(stream) => {
                    let set = |r: io::Result<()>| r.map_err(|e| HttpError::Io(e.to_string()));
                    set(stream.set_read_timeout(Some(self.timeout)))?;
                    set(stream.set_write_timeout(Some(self.timeout)))?;
                    set(stream.set_nodelay(true))?;
                    return Ok(stream);
                }
                Err(e) => last = e.to_string(),
            }
        }
        Err(failed(last))
    }
}

fn encode_request(method: &str, url: &Url, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut head = format!(
        "{method} {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: jitsi-on-demand-smoke/{}\r\nConnection: close\r\n",
        url.path,
        url.authority(),
        env!("CARGO_PKG_VERSION")
    );
    if method != "GET" || !body.is_empty() {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn exchange(stream: &mut (impl Read + Write), request: &[u8]) -> Result<Vec<u8>, HttpError> {
    stream
        .write_all(request)
        .and_then(|_| stream.flush())
        .map_err(io_error)?;
    let mut raw = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return Ok(raw),
            Ok(n) => {
                raw.extend_from_slice(&buffer[..n]);
                if raw.len() > MAX_RESPONSE_BYTES {
                    return Err(HttpError::Malformed(format!("more than {MAX_RESPONSE_BYTES} bytes")));
                }
            }
            // A peer that closes without TLS close_notify (common behind load balancers) has still
            // sent a whole response; parse_response checks its length.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof && !raw.is_empty() => return Ok(raw),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_error(e)),
        }
    }
}

fn io_error(error: io::Error) -> HttpError {
    if let Some(tls) = error.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
        return HttpError::Tls(tls.clone());
    }
    match error.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => HttpError::TimedOut,
        io::ErrorKind::UnexpectedEof => HttpError::Io("the connection closed before an answer".into()),
        _ => HttpError::Io(error.to_string()),
    }
}

pub fn parse_response(raw: &[u8]) -> Result<Response, HttpError> {
    let malformed = |why: &str| HttpError::Malformed(why.to_string());
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| malformed("no end of headers"))?;
    let head = std::str::from_utf8(&raw[..end]).map_err(|_| malformed("headers are not text"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .strip_prefix("HTTP/1.")
        .and_then(|rest| rest.get(2..5))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| malformed(&format!("status line {status_line:?}")))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_string(), value.trim().to_string()))
        .collect();
    let mut response = Response {
        status,
        headers,
        body: Vec::new(),
    };
    let rest = &raw[end + 4..];
    response.body = if response
        .header("Transfer-Encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
    {
        dechunk(rest).ok_or_else(|| malformed("bad chunked body"))?
    } else if let Some(length) = response.header("Content-Length") {
        let length: usize = length.parse().map_err(|_| malformed("bad Content-Length"))?;
        if rest.len() < length {
            return Err(malformed(&format!("body cut short ({} of {length} bytes)", rest.len())));
        }
        rest[..length].to_vec()
    } else {
        rest.to_vec()
    };
    Ok(response)
}

fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_response_with_a_length() {
        let raw = b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}extra";
        let response = parse_response(raw).unwrap();
        assert_eq!(response.status, 202);
        assert_eq!(response.header("content-type"), Some("application/json"));
        assert_eq!(response.body, b"{}");
    }

    #[test]
    fn parses_chunked_and_unframed_bodies() {
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\n\r\n";
        assert_eq!(parse_response(chunked).unwrap().body, b"Wikipedia");
        let unframed = b"HTTP/1.0 502 Bad Gateway\r\nServer: nginx\r\n\r\n<html>bad gateway</html>";
        let response = parse_response(unframed).unwrap();
        assert_eq!(
            (response.status, response.text().as_str()),
            (502, "<html>bad gateway</html>")
        );
    }

    #[test]
    fn rejects_what_is_not_http() {
        assert!(parse_response(b"SSH-2.0-OpenSSH\r\n\r\n").is_err());
        assert!(parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort").is_err());
        assert!(parse_response(b"HTTP/1.1 200 OK\r\n").is_err());
    }

    #[test]
    fn encodes_host_length_and_close() {
        let url = Url::parse("http://127.0.0.1:9000/lambda-url/start-meeting/start").unwrap();
        let text = String::from_utf8(encode_request("POST", &url, &[("Authorization", "Bearer s")], b"")).unwrap();
        assert!(text.starts_with("POST /lambda-url/start-meeting/start HTTP/1.1\r\nHost: 127.0.0.1:9000\r\n"));
        assert!(text.contains("Connection: close\r\nContent-Length: 0\r\nAuthorization: Bearer s\r\n\r\n"));
        let get = String::from_utf8(encode_request("GET", &Url::parse("https://a.org/").unwrap(), &[], b"")).unwrap();
        assert!(get.contains("Host: a.org\r\n") && !get.contains("Content-Length"));
    }
}
