//! The few URL operations the checks need (no query strings, no user info), and curl's
//! `--connect-to`, which sends one host's connections to another address.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub https: bool,
    /// Lowercase; an IPv6 literal without its brackets.
    pub host: String,
    pub port: u16,
    /// Starts with `/`; the query is kept, the fragment dropped (browsers never send it).
    pub path: String,
}

impl Url {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (https, rest) = if let Some(rest) = strip_prefix_ignore_case(text, "https://") {
            (true, rest)
        } else if let Some(rest) = strip_prefix_ignore_case(text, "http://") {
            (false, rest)
        } else {
            return Err(format!("{text:?} is not an http:// or https:// URL"));
        };
        let rest = rest.split('#').next().unwrap_or_default();
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) if rest[i..].starts_with('?') => (&rest[..i], format!("/{}", &rest[i..])),
            Some(i) => (&rest[..i], rest[i..].to_string()),
            None => (rest, "/".to_string()),
        };
        let default_port = if https { 443 } else { 80 };
        let (host, port) =
            split_host_port(authority, default_port).ok_or_else(|| format!("{text:?}: bad host or port"))?;
        if host.is_empty() {
            return Err(format!("{text:?} has no host"));
        }
        Ok(Self {
            https,
            host: host.to_ascii_lowercase(),
            port,
            path,
        })
    }

    /// `host` or `host:port` when the port is not the scheme's default (the Host header).
    pub fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == if self.https { 443 } else { 80 } {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// A reference as a browser resolves it against this page: absolute, scheme-relative
    /// (`//host/path`) or path-absolute (`/path`); a path-relative one is resolved against the
    /// page's folder.
    pub fn join(&self, reference: &str) -> Result<Url, String> {
        let reference = reference.trim();
        if reference.contains("://") {
            return Url::parse(reference);
        }
        if let Some(rest) = reference.strip_prefix("//") {
            return Url::parse(&format!("{}://{rest}", if self.https { "https" } else { "http" }));
        }
        let path = if reference.starts_with('/') {
            reference.to_string()
        } else {
            let folder = &self.path[..self.path.rfind('/').map_or(0, |i| i + 1)];
            format!("{}{reference}", if folder.is_empty() { "/" } else { folder })
        };
        Ok(Url { path, ..self.clone() })
    }

    /// A Function URL plus a route (`start`, `status`, `stop`), whether or not it ends in `/`.
    pub fn route(&self, name: &str) -> Url {
        let base = self.path.trim_end_matches('/');
        Url {
            path: format!("{base}/{name}"),
            ..self.clone()
        }
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        write!(f, "{scheme}://{}{}", self.authority(), self.path)
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

fn split_host_port(authority: &str, default_port: u16) -> Option<(String, u16)> {
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(port) => port.parse().ok()?,
            None if after.is_empty() => default_port,
            None => return None,
        };
        return Some((host.to_string(), port));
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => Some((host.to_string(), port.parse().ok()?)),
        None => Some((authority.to_string(), default_port)),
    }
}

/// curl's `--connect-to HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT`: connections for HOST:PORT go
/// to the other address instead; the request (Host header, TLS server name) is unchanged. An empty
/// HOST or PORT matches any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectTo {
    host: Option<String>,
    port: Option<u16>,
    to_host: String,
    to_port: u16,
}

impl ConnectTo {
    /// Where to connect for this URL, if this rule applies.
    pub fn route(&self, url: &Url) -> Option<(String, u16)> {
        let host_matches = self.host.as_deref().is_none_or(|h| h == url.host);
        let port_matches = self.port.is_none_or(|p| p == url.port);
        (host_matches && port_matches).then(|| (self.to_host.clone(), self.to_port))
    }
}

impl FromStr for ConnectTo {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("--connect-to {text:?}: expected HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT");
        let parts: Vec<&str> = text.split(':').collect();
        let [host, port, to_host, to_port] = parts[..] else {
            return Err(bad());
        };
        let optional_port = |p: &str| {
            if p.is_empty() {
                Ok(None)
            } else {
                p.parse().map(Some).map_err(|_| bad())
            }
        };
        if to_host.is_empty() {
            return Err(bad());
        }
        Ok(Self {
            host: (!host.is_empty()).then(|| host.to_ascii_lowercase()),
            port: optional_port(port)?,
            to_host: to_host.to_string(),
            to_port: to_port.parse().map_err(|_| bad())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_function_and_meeting_urls() {
        let url = Url::parse("https://abc.lambda-url.us-east-1.on.aws/").unwrap();
        assert!(url.https);
        assert_eq!(
            (url.host.as_str(), url.port, url.path.as_str()),
            ("abc.lambda-url.us-east-1.on.aws", 443, "/")
        );
        let local = Url::parse("http://127.0.0.1:9000/lambda-url/start-meeting/#key=x").unwrap();
        assert_eq!((local.port, local.path.as_str()), (9000, "/lambda-url/start-meeting/"));
        assert_eq!(local.to_string(), "http://127.0.0.1:9000/lambda-url/start-meeting/");
        assert_eq!(
            Url::parse("HTTPS://Meet.Example.org").unwrap().to_string(),
            "https://meet.example.org/"
        );
        assert_eq!(Url::parse("http://[::1]:8080/x").unwrap().authority(), "[::1]:8080");
        assert!(Url::parse("ftp://x/").is_err());
        assert!(Url::parse("https://host:notaport/").is_err());
    }

    #[test]
    fn routes_append_to_function_urls_with_or_without_a_slash() {
        let with = Url::parse("http://127.0.0.1:9000/lambda-url/start-meeting/").unwrap();
        assert_eq!(with.route("status").path, "/lambda-url/start-meeting/status");
        let bare = Url::parse("https://abc.lambda-url.us-east-1.on.aws").unwrap();
        assert_eq!(
            bare.route("start").to_string(),
            "https://abc.lambda-url.us-east-1.on.aws/start"
        );
    }

    #[test]
    fn joins_references_as_a_browser_does() {
        let page = Url::parse("https://meet.example.org/room/").unwrap();
        assert_eq!(
            page.join("/http-bind").unwrap().to_string(),
            "https://meet.example.org/http-bind"
        );
        assert_eq!(
            page.join("http-bind").unwrap().to_string(),
            "https://meet.example.org/room/http-bind"
        );
        assert_eq!(
            page.join("//other.org/http-bind").unwrap().to_string(),
            "https://other.org/http-bind"
        );
        assert_eq!(
            page.join("https://localhost:8443/http-bind").unwrap().to_string(),
            "https://localhost:8443/http-bind"
        );
    }

    #[test]
    fn connect_to_matches_like_curl() {
        let rule: ConnectTo = "meet.example.org:443:127.0.0.1:8443".parse().unwrap();
        let url = Url::parse("https://meet.example.org/").unwrap();
        assert_eq!(rule.route(&url), Some(("127.0.0.1".into(), 8443)));
        assert_eq!(rule.route(&Url::parse("https://other.org/").unwrap()), None);
        let any: ConnectTo = "::127.0.0.1:9443".parse().unwrap();
        assert_eq!(any.route(&url), Some(("127.0.0.1".into(), 9443)));
        assert!("meet.example.org:443:127.0.0.1".parse::<ConnectTo>().is_err());
        assert!("a:b:127.0.0.1:1".parse::<ConnectTo>().is_err());
    }
}
