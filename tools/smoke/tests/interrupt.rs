//! The whole `smoke` binary against moto and a fake of the two Function URLs
//! (fixtures/fake_functions.py): Ctrl-C (SIGINT) or SIGTERM while the meeting it started comes
//! up makes it stop that meeting, wait until nothing is left, and exit 130; a meeting already
//! running is refused without --take-over, and nothing is touched.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fake_functions.py");
const SECRET: &str = "smoke-test-secret";

/// A child process, killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn http_get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    Some(answer.split_once("\r\n\r\n")?.1.to_string())
}

/// moto (the AWS the fixture's stack lives in) and the fake Function URLs.
struct Stack {
    _moto: Process,
    _functions: Process,
    endpoint: String,
    functions_port: u16,
    settings: String,
}

impl Stack {
    fn start(name: &str) -> Self {
        let moto_port = free_port();
        let moto = Process(
            Command::new("moto_server")
                .args(["-H", "127.0.0.1", "-p", &moto_port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("moto_server (make setup installs moto)"),
        );
        let began = Instant::now();
        while http_get(moto_port, "/moto-api/").is_none() {
            assert!(began.elapsed() < Duration::from_secs(30), "moto did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let endpoint = format!("http://127.0.0.1:{moto_port}");
        let settings = std::env::temp_dir()
            .join(format!("smoke-{name}-{}.json", std::process::id()))
            .display()
            .to_string();
        let mut functions = Command::new("python3")
            .args([
                "-B",
                FIXTURE,
                "--aws-endpoint",
                &endpoint,
                "--settings",
                &settings,
                "--secret",
                SECRET,
            ])
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with boto3");
        let mut line = String::new();
        BufReader::new(functions.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let functions_port = line
            .split(':')
            .nth(1)
            .and_then(|p| p.trim().trim_end_matches('}').trim().parse().ok())
            .unwrap_or_else(|| panic!("the fake functions did not start: {line:?}"));
        Self {
            _moto: moto,
            _functions: Process(functions),
            endpoint,
            functions_port,
            settings,
        }
    }

    /// The calls the fake functions received, in order.
    fn calls(&self) -> Vec<String> {
        let body = http_get(self.functions_port, "/_calls").expect("the fake functions answer");
        body.trim_matches(['[', ']'])
            .split(", ")
            .map(|c| c.trim_matches('"').to_string())
            .filter(|c| !c.is_empty())
            .collect()
    }

    /// `smoke` against this stack; its output lines arrive on the channel as they are printed.
    fn smoke(&self, extra: &[&str]) -> (Process, mpsc::Receiver<String>) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_smoke"))
            .args(["--stack", &self.settings, "--poll", "0.2", "--stop-deadline", "30s"])
            .args(["--secret-file", "/nonexistent/start-secret"])
            .args(extra)
            .env("JITSI_START_SECRET", SECRET)
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the smoke binary");
        let stdout = child.stdout.take().unwrap();
        let (lines, received) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        (Process(child), received)
    }
}

/// Lines until one contains `needle` (all of them, to show on failure).
fn read_until(lines: &mpsc::Receiver<String>, needle: &str, seen: &mut Vec<String>) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while let Ok(line) = lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        let found = line.contains(needle);
        seen.push(line);
        if found {
            return;
        }
    }
    panic!("no line with {needle:?} in:\n{}", seen.join("\n"));
}

fn exit_code(process: &mut Process, lines: &mpsc::Receiver<String>, seen: &mut Vec<String>) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        while let Ok(line) = lines.try_recv() {
            seen.push(line);
        }
        if let Some(status) = process.0.try_wait().unwrap() {
            seen.extend(lines.iter());
            return status.code().unwrap_or(-1);
        }
        assert!(Instant::now() < deadline, "smoke did not exit:\n{}", seen.join("\n"));
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn interrupted_while_starting_stops_the_meeting(signal: &str) {
    let stack = Stack::start(signal);
    let (mut smoke, lines) = stack.smoke(&[]);
    let mut seen = Vec::new();
    read_until(&lines, "== STARTING ==", &mut seen);
    let kill = Command::new("kill")
        .args([signal, &smoke.0.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let code = exit_code(&mut smoke, &lines, &mut seen);
    let output = seen.join("\n");
    assert_eq!(code, 130, "{output}");
    assert!(
        output.contains("STOP  (interrupted: stopping the meeting this run started"),
        "{output}"
    );
    assert!(output.contains("  ok    stop "), "{output}");
    assert!(output.contains("  ok    nothing left "), "{output}");
    assert!(
        output.contains("Interrupted: the meeting this run started was stopped."),
        "{output}"
    );
    let calls = stack.calls();
    let start = calls
        .iter()
        .position(|c| c == "POST start")
        .expect("the run started a meeting");
    let stop = calls
        .iter()
        .position(|c| c == "POST stop")
        .expect("the interrupted run stopped it");
    assert!(start < stop, "{calls:?}");
}

#[test]
fn ctrl_c_while_starting_stops_the_meeting_first() {
    interrupted_while_starting_stops_the_meeting("-INT");
}

#[test]
fn sigterm_while_starting_stops_the_meeting_first() {
    interrupted_while_starting_stops_the_meeting("-TERM");
}

#[test]
fn a_running_meeting_is_refused_without_take_over_and_left_alone() {
    let stack = Stack::start("refuse");
    // Someone else's meeting: the fake's start, called directly.
    let mut stream = TcpStream::connect(("127.0.0.1", stack.functions_port)).unwrap();
    write!(
        stream,
        "POST /lambda-url/start-meeting/start HTTP/1.0\r\nAuthorization: Bearer {SECRET}\r\nContent-Length: 0\r\n\r\n"
    )
    .unwrap();
    stream.read_to_string(&mut String::new()).unwrap();
    let (mut smoke, lines) = stack.smoke(&[]);
    let mut seen = Vec::new();
    let code = exit_code(&mut smoke, &lines, &mut seen);
    let output = seen.join("\n");
    assert_eq!(code, 2, "{output}");
    assert!(
        output.contains("  FAIL  no meeting         a meeting is running (phase starting)"),
        "{output}"
    );
    assert!(output.contains("--take-over"), "{output}");
    // Its only call was the first status read: no start, no stop.
    let calls = stack.calls();
    assert_eq!(calls, ["POST start", "GET status"], "{calls:?}");
}
