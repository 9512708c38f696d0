//! A timing proxy between a function and the local AWS: it forwards every call and adds up the
//! wall-clock time during which at least one call was open (the reconcile makes up to eight at
//! once), so that a handler's time splits into AWS time and the function's own time.

use lifecycle_tests::lambda::http1::{read_message, write_response, Message};
use std::io::{self, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Headers that belong to one connection, not to the message.
const HOP_BY_HOP: [&str; 4] = ["connection", "keep-alive", "content-length", "transfer-encoding"];

pub struct AwsProxy {
    port: u16,
    meter: Arc<Mutex<Meter>>,
}

#[derive(Default)]
struct Meter {
    open: usize,
    busy_since: Option<Instant>,
    /// When the last open call ended, so that busy periods never overlap.
    idle_since: Option<Instant>,
    busy: Duration,
    calls: usize,
}

/// AWS time since the last reading.
#[derive(Debug, Clone, Copy, Default)]
pub struct AwsTime {
    pub busy: Duration,
    pub calls: usize,
}

impl AwsProxy {
    pub fn start(upstream_port: u16) -> Self {
        Self::with_round_trip(upstream_port, Duration::ZERO)
    }

    /// As [`AwsProxy::start`], with every call answered `round_trip` later: what a call to AWS
    /// costs on top of the local AWS's own time (see `sizes::AWS_ROUND_TRIP`).
    pub fn with_round_trip(upstream_port: u16, round_trip: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port for the AWS proxy");
        let port = listener.local_addr().expect("a bound port").port();
        let meter = Arc::new(Mutex::new(Meter::default()));
        let accepting = Arc::clone(&meter);
        std::thread::spawn(move || {
            // Ends with the bench process; a connection ends when the function process does.
            for stream in listener.incoming().flatten() {
                let meter = Arc::clone(&accepting);
                std::thread::spawn(move || forward_all(stream, upstream_port, round_trip, &meter));
            }
        });
        Self { port, meter }
    }

    /// The value of the function's `AWS_ENDPOINT_URL`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The AWS time since the last call, which starts the next period.
    pub fn take(&self) -> AwsTime {
        let mut meter = lock(&self.meter);
        let now = Instant::now();
        let mut busy = std::mem::take(&mut meter.busy);
        if let Some(since) = meter.busy_since.as_mut() {
            busy += now.saturating_duration_since(*since);
            *since = now;
        }
        AwsTime {
            busy,
            calls: std::mem::take(&mut meter.calls),
        }
    }
}

fn lock(meter: &Mutex<Meter>) -> MutexGuard<'_, Meter> {
    meter.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn forward_all(client: TcpStream, upstream_port: u16, round_trip: Duration, meter: &Mutex<Meter>) {
    let Ok(mut writer) = client.try_clone() else { return };
    let mut reader = BufReader::new(client);
    while let Ok(Some(request)) = read_message(&mut reader) {
        {
            let mut m = lock(meter);
            m.calls += 1;
            m.open += 1;
            if m.open == 1 {
                // From the call's first bytes: reading the request is part of the call.
                m.busy_since = Some(m.idle_since.map_or(request.arrived, |idle| idle.max(request.arrived)));
            }
        }
        std::thread::sleep(round_trip);
        let reply = forward(&request, upstream_port).unwrap_or_else(|error| Reply {
            status: "502 Bad Gateway".into(),
            headers: Vec::new(),
            body: error.to_string().into_bytes(),
        });
        let written = write_response(&mut writer, &reply.status, &reply.headers, &reply.body);
        {
            let mut m = lock(meter);
            m.open -= 1;
            if m.open == 0 {
                let now = Instant::now();
                if let Some(since) = m.busy_since.take() {
                    m.busy += now.saturating_duration_since(since);
                }
                m.idle_since = Some(now);
            }
        }
        if written.is_err() {
            return;
        }
    }
}

struct Reply {
    status: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// One call to the local AWS over a fresh HTTP/1.0 connection (so the answer is never chunked).
fn forward(request: &Message, upstream_port: u16) -> io::Result<Reply> {
    let mut upstream = TcpStream::connect(("127.0.0.1", upstream_port))?;
    let start_line = match request.start_line.rsplit_once(' ') {
        Some((method_and_path, _version)) => format!("{method_and_path} HTTP/1.0"),
        None => request.start_line.clone(),
    };
    let mut head = format!(
        "{start_line}\r\nConnection: close\r\nContent-Length: {}\r\n",
        request.body.len()
    );
    for (name, value) in end_to_end(&request.headers) {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&request.body);
    upstream.write_all(&bytes)?;
    let answer = read_message(&mut BufReader::new(upstream))?
        .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "the local AWS closed without answering"))?;
    let status = answer
        .start_line
        .split_once(' ')
        .map(|(_, status)| status.to_string())
        .ok_or_else(|| io::Error::other(format!("not an HTTP answer: {}", answer.start_line)))?;
    Ok(Reply {
        status,
        headers: end_to_end(&answer.headers),
        body: answer.body,
    })
}

fn end_to_end(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(name, _)| !HOP_BY_HOP.iter().any(|hop| name.eq_ignore_ascii_case(hop)))
        .cloned()
        .collect()
}
