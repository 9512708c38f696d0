//! A webhook receiver on loopback, as Slack, Discord or Teams would be for the functions: it
//! records every POST and answers as the test says (a status, or no answer at all). `make demo`
//! runs one too and shows what it receives.

use crate::lambda::http1::{read_message, write_response};
use serde_json::Value;
use std::collections::VecDeque;
use std::io::BufReader;
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the receiver answers one POST.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Status(u16),
    /// Reads the request and never answers (the connection stays open for this long).
    Hang(Duration),
}

#[derive(Default)]
struct Shared {
    received: Vec<Value>,
    /// Answers for the next POSTs, in order; 200 once they run out.
    answers: VecDeque<Answer>,
}

#[derive(Clone)]
pub struct Receiver {
    url: String,
    shared: Arc<Mutex<Shared>>,
}

impl Receiver {
    /// Listens on 127.0.0.1 (a port of the system's choosing) until the process ends.
    pub fn start() -> Self {
        Self::on_port(0)
    }

    /// Listens on 127.0.0.1:`port` (`make demo` gives Terraform the URL before the driver runs).
    pub fn on_port(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("a loopback port for the webhook receiver");
        let url = format!("http://{}/hooks/meeting", listener.local_addr().unwrap());
        let shared = Arc::new(Mutex::new(Shared::default()));
        let serving = shared.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = serving.clone();
                std::thread::spawn(move || serve(stream, &shared));
            }
        });
        Self { url, shared }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The next POSTs get these answers, in order (then 200 again).
    pub fn answer_next(&self, answers: &[Answer]) {
        self.shared.lock().unwrap().answers.extend(answers.iter().copied());
    }

    /// Every body received so far, in order.
    pub fn received(&self) -> Vec<Value> {
        self.shared.lock().unwrap().received.clone()
    }

    /// The bodies whose `event` is `kind` (the `json` format).
    pub fn events(&self, kind: &str) -> Vec<Value> {
        self.received().into_iter().filter(|b| b["event"] == kind).collect()
    }
}

fn serve(stream: TcpStream, shared: &Mutex<Shared>) {
    let Ok(clone) = stream.try_clone() else { return };
    let mut reader = BufReader::new(clone);
    let mut stream = stream;
    while let Ok(Some(request)) = read_message(&mut reader) {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let answer = {
            let mut shared = shared.lock().unwrap();
            shared.received.push(body);
            shared.answers.pop_front().unwrap_or(Answer::Status(200))
        };
        match answer {
            Answer::Hang(how_long) => {
                std::thread::sleep(how_long);
                return;
            }
            Answer::Status(code) => {
                let status = format!("{code} {}", if code < 300 { "OK" } else { "Failing" });
                if write_response(&mut stream, &status, &[], b"").is_err() {
                    return;
                }
            }
        }
    }
}
