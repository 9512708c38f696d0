//! Command-line arguments.

use crate::url::{ConnectTo, Url};
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

pub const USAGE: &str = "\
usage: smoke --stack FILE [options]         the whole smoke test against the deployed stack
       smoke check-meeting URL [options]    only the participant's checks of a running meeting (no AWS)

  --stack FILE             the stack's settings: JSON {start_url, stop_url, region, environment}
                           (`terraform -chdir=terraform output -json smoke_settings`)
  --deadline DURATION      time allowed from the click to ready (default 10m)
  --stop-deadline DURATION time allowed from the stop until nothing is left (default 10m)
  --take-over              a meeting already running is used and stopped at the end, without asking
  --keep                   leave the meeting running at the end (for a manual call)
  --secret-file PATH       the start secret (default .local/start-secret; JITSI_START_SECRET wins)
  --prices FILE            price table (default pricing/prices-us-east-1.json, else the built-in one)
  --connect-to H:P:H2:P2   connections to the meeting's H:P go to H2:P2 instead, like curl (tests)
  --room NAME              the room the two guests join (default smoke-<random>)
  --xmpp-timeout DURATION  time allowed for each XMPP step and for jicofo's offer (default 30s)
  --poll DURATION          how often the status is read while starting and stopping (default 2s)
check-meeting only:
  --public-ip IP           the address the bridge must offer on UDP 10000
  --trusted                the certificate must be trusted (a custom domain); else untrusted is a warning
  --token JWT              the moderator token for --room (token authentication; POST <start_url>start
                           with {\"room\": ROOM} answers with join.token)
durations: 90s, 10m, 1h, or seconds";

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Smoke(Options),
    CheckMeeting(MeetingOptions),
    Help,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub stack: PathBuf,
    pub deadline: Duration,
    pub stop_deadline: Duration,
    pub take_over: bool,
    pub keep: bool,
    pub secret_file: PathBuf,
    pub prices: Option<PathBuf>,
    pub connect_to: Vec<ConnectTo>,
    pub room: Option<String>,
    pub xmpp_timeout: Duration,
    pub poll: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MeetingOptions {
    pub url: Url,
    pub public_ip: Option<IpAddr>,
    pub connect_to: Vec<ConnectTo>,
    pub require_trusted: bool,
    pub room: Option<String>,
    pub token: Option<String>,
    pub xmpp_timeout: Duration,
}

pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut args = args.into_iter().peekable();
    let meeting_url = match args.peek().map(String::as_str) {
        Some("check-meeting") => {
            args.next();
            Some(Url::parse(
                &args.next().ok_or("check-meeting needs the meeting's URL")?,
            )?)
        }
        _ => None,
    };
    let mut options = Options {
        stack: PathBuf::new(),
        deadline: Duration::from_secs(600),
        stop_deadline: Duration::from_secs(600),
        take_over: false,
        keep: false,
        secret_file: PathBuf::from(".local/start-secret"),
        prices: None,
        connect_to: Vec::new(),
        room: None,
        xmpp_timeout: Duration::from_secs(30),
        poll: Duration::from_secs(2),
    };
    let (mut public_ip, mut require_trusted, mut stack, mut token) = (None, false, None, None);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--stack" => stack = Some(PathBuf::from(value()?)),
            "--deadline" => options.deadline = duration(&value()?)?,
            "--stop-deadline" => options.stop_deadline = duration(&value()?)?,
            "--take-over" => options.take_over = true,
            "--keep" => options.keep = true,
            "--secret-file" => options.secret_file = PathBuf::from(value()?),
            "--prices" => options.prices = Some(PathBuf::from(value()?)),
            "--connect-to" => options.connect_to.push(value()?.parse()?),
            "--room" => options.room = Some(room(&value()?)?),
            "--xmpp-timeout" => options.xmpp_timeout = duration(&value()?)?,
            "--poll" => options.poll = duration(&value()?)?,
            "--public-ip" => public_ip = Some(value()?.parse().map_err(|_| format!("{flag}: not an IP address"))?),
            "--trusted" => require_trusted = true,
            "--token" => token = Some(value()?),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    match meeting_url {
        Some(url) => Ok(Command::CheckMeeting(MeetingOptions {
            url,
            public_ip,
            connect_to: options.connect_to,
            require_trusted,
            room: options.room,
            token,
            xmpp_timeout: options.xmpp_timeout,
        })),
        None => {
            options.stack = stack.ok_or("--stack FILE is required (the stack's settings)")?;
            Ok(Command::Smoke(options))
        }
    }
}

/// `90s`, `10m`, `1h`, `1.5m` or plain seconds.
pub fn duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("{text:?} is not a duration (90s, 10m, 1h)");
    let (number, unit) = match text.trim().strip_suffix(['s', 'm', 'h']) {
        Some(number) => (number, text.trim().chars().last().unwrap_or('s')),
        None => (text.trim(), 's'),
    };
    let value: f64 = number.parse().map_err(|_| bad())?;
    let seconds = value
        * match unit {
            'h' => 3600.0,
            'm' => 60.0,
            _ => 1.0,
        };
    if !(seconds.is_finite() && seconds > 0.0) {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// A room name as a token may name it (shared/src/room.rs): 1 to 64 letters, digits, - or _.
fn room(name: &str) -> Result<String, String> {
    let valid = (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
    if valid {
        Ok(name.to_ascii_lowercase())
    } else {
        Err(format!("--room {name:?}: 1 to 64 letters, digits, '-' or '_'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn parses_a_smoke_run() {
        let Command::Smoke(options) = parse(args(
            "--stack s.json --deadline 5m --keep --connect-to ::127.0.0.1:8443 --poll 0.5",
        ))
        .unwrap() else {
            panic!("not a smoke run")
        };
        assert_eq!(options.stack, PathBuf::from("s.json"));
        assert_eq!(options.deadline, Duration::from_secs(300));
        assert!(options.keep && !options.take_over);
        assert_eq!(options.connect_to.len(), 1);
        assert_eq!(options.poll, Duration::from_millis(500));
        assert_eq!(options.secret_file, PathBuf::from(".local/start-secret"));
    }

    #[test]
    fn parses_check_meeting() {
        let parsed = parse(args(
            "check-meeting https://m.example.org/ --public-ip 203.0.113.10 --trusted --room Team",
        ))
        .unwrap();
        let Command::CheckMeeting(options) = parsed else {
            panic!("not check-meeting")
        };
        assert_eq!(options.url.host, "m.example.org");
        assert_eq!(options.public_ip, Some("203.0.113.10".parse().unwrap()));
        assert!(options.require_trusted);
        assert_eq!(options.room.as_deref(), Some("team"));
    }

    #[test]
    fn refuses_what_it_does_not_know() {
        assert_eq!(
            parse(args("--deadline 5m")).unwrap_err(),
            "--stack FILE is required (the stack's settings)"
        );
        assert_eq!(
            parse(args("--stack s --wat")).unwrap_err(),
            "unknown argument \"--wat\""
        );
        assert_eq!(parse(args("--stack")).unwrap_err(), "--stack needs a value");
        assert!(parse(args("--stack s --room a/b")).is_err());
        assert!(parse(args("check-meeting")).is_err());
        assert_eq!(parse(args("--help")).unwrap(), Command::Help);
    }

    #[test]
    fn reads_durations() {
        assert_eq!(duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(duration("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(duration("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(duration("1.5m").unwrap(), Duration::from_secs(90));
        assert_eq!(duration("45").unwrap(), Duration::from_secs(45));
        assert!(duration("0").is_err() && duration("ten").is_err() && duration("-1m").is_err());
    }
}
