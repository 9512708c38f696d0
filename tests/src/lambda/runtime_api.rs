//! A stand-in for the Lambda runtime API on a loopback port: it hands the function process one
//! event at a time (`GET /2018-06-01/runtime/invocation/next`), takes its answer
//! (`POST …/invocation/{id}/response` or `…/error`, `POST …/init/error`), and notes when each
//! happened, which is what Lambda itself measures as init and duration.

use super::http1::{read_message, write_response, Message};
use serde_json::Value;
use std::io::BufReader;
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const PREFIX: &str = "/2018-06-01/runtime/";

pub struct RuntimeApi {
    port: u16,
    shared: Arc<Shared>,
    /// One invocation at a time, as one Lambda instance takes them; later callers wait their turn.
    invoking: Mutex<()>,
}

/// One invocation as the runtime API saw it.
pub struct Answer {
    pub body: Value,
    /// The function reported an error (`…/error`).
    pub error: bool,
    /// From handing out the event to receiving the answer.
    pub duration: Duration,
}

struct Shared {
    function_arn: String,
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    first_request: Option<Instant>,
    init_error: Option<String>,
    queued: Option<(String, Vec<u8>)>,
    delivered: Option<(String, Instant)>,
    answered: Option<(String, Vec<u8>, bool, Instant)>,
    invocations: u64,
    closed: bool,
}

impl RuntimeApi {
    pub fn start(function_name: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port for the runtime API");
        let port = listener.local_addr().expect("a bound port").port();
        let shared = Arc::new(Shared {
            function_arn: format!("arn:aws:lambda:us-east-1:123456789012:function:{function_name}"),
            state: Mutex::default(),
            changed: Condvar::new(),
        });
        let accepting = Arc::clone(&shared);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if accepting.lock().closed {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let connection = Arc::clone(&accepting);
                std::thread::spawn(move || serve(stream, &connection));
            }
        });
        Self {
            port,
            shared,
            invoking: Mutex::default(),
        }
    }

    /// The value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// When the function first called the runtime API (the end of its init), or why it never will.
    pub fn first_request(&self, timeout: Duration) -> Result<Option<Instant>, String> {
        let state = self
            .shared
            .wait_until(timeout, |s| s.first_request.is_some() || s.init_error.is_some());
        match &state.init_error {
            Some(error) => Err(format!("init error: {error}")),
            None => Ok(state.first_request),
        }
    }

    /// Hands `event` to the function once it asks for one and waits for its answer.
    pub fn invoke(&self, event: &Value, timeout: Duration) -> Result<Answer, String> {
        let _turn = self.invoking.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let id = {
            let mut state = self.shared.lock();
            state.invocations += 1;
            let id = format!("local-{}", state.invocations);
            state.queued = Some((id.clone(), event.to_string().into_bytes()));
            state.answered = None;
            self.shared.changed.notify_all();
            id
        };
        let state = self.shared.wait_until(timeout, |s| {
            s.init_error.is_some() || s.answered.as_ref().is_some_and(|(answered, ..)| *answered == id)
        });
        if let Some(error) = &state.init_error {
            return Err(format!("init error: {error}"));
        }
        match (&state.delivered, &state.answered) {
            (Some((_, delivered)), Some((_, body, error, at))) => Ok(Answer {
                body: serde_json::from_slice(body)
                    .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into())),
                error: *error,
                duration: at.duration_since(*delivered),
            }),
            _ => Err(format!("no answer within {} s", timeout.as_secs())),
        }
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.changed.notify_all();
        // Wakes the accept loop so that it sees `closed`.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn wait_until(&self, timeout: Duration, done: impl Fn(&State) -> bool) -> MutexGuard<'_, State> {
        let guard = self.lock();
        let (guard, _) = self
            .changed
            .wait_timeout_while(guard, timeout, |s| !done(s) && !s.closed)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        guard
    }
}

fn serve(stream: TcpStream, shared: &Shared) {
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    while let Ok(Some(request)) = read_message(&mut reader) {
        let (status, headers, body) = match route(&request) {
            Some(Route::Next) => {
                let Some((id, event)) = next_event(shared, request.arrived) else {
                    return;
                };
                let headers = vec![
                    ("Lambda-Runtime-Aws-Request-Id".to_string(), id),
                    ("Lambda-Runtime-Deadline-Ms".to_string(), deadline_ms()),
                    (
                        "Lambda-Runtime-Invoked-Function-Arn".to_string(),
                        shared.function_arn.clone(),
                    ),
                    (
                        "Lambda-Runtime-Trace-Id".to_string(),
                        "Root=1-00000000-000000000000000000000000".into(),
                    ),
                    ("Content-Type".to_string(), "application/json".into()),
                ];
                ("200 OK", headers, event)
            }
            Some(Route::Answer { id, error }) => {
                shared.lock().answered = Some((id, request.body, error, request.arrived));
                shared.changed.notify_all();
                ("202 Accepted", Vec::new(), br#"{"status":"OK"}"#.to_vec())
            }
            Some(Route::InitError) => {
                shared.lock().init_error = Some(String::from_utf8_lossy(&request.body).into_owned());
                shared.changed.notify_all();
                ("202 Accepted", Vec::new(), br#"{"status":"OK"}"#.to_vec())
            }
            None => {
                eprintln!("the runtime API stand-in does not know {}", request.start_line);
                ("404 Not Found", Vec::new(), b"{}".to_vec())
            }
        };
        if write_response(&mut writer, status, &headers, &body).is_err() {
            return;
        }
    }
}

enum Route {
    Next,
    Answer { id: String, error: bool },
    InitError,
}

fn route(request: &Message) -> Option<Route> {
    let mut parts = request.start_line.split_whitespace();
    let (method, path) = (parts.next()?, parts.next()?);
    let path = path.strip_prefix(PREFIX)?;
    match (method, path) {
        ("GET", "invocation/next") => Some(Route::Next),
        ("POST", "init/error") => Some(Route::InitError),
        ("POST", path) => {
            let (id, kind) = path.strip_prefix("invocation/")?.rsplit_once('/')?;
            match kind {
                "response" => Some(Route::Answer {
                    id: id.to_string(),
                    error: false,
                }),
                "error" => Some(Route::Answer {
                    id: id.to_string(),
                    error: true,
                }),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Waits for an event to hand out (the long poll of `next`); `None` once the stand-in is closed.
fn next_event(shared: &Shared, asked: Instant) -> Option<(String, Vec<u8>)> {
    let mut state = shared.lock();
    if state.first_request.is_none() {
        state.first_request = Some(asked);
        shared.changed.notify_all();
    }
    let mut state = shared
        .changed
        .wait_while(state, |s| s.queued.is_none() && !s.closed)
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let (id, event) = state.queued.take()?;
    state.delivered = Some((id.clone(), Instant::now()));
    Some((id, event))
}

fn deadline_ms() -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    (now + Duration::from_secs(30)).as_millis().to_string()
}
