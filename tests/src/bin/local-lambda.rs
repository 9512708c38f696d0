//! `local-lambda`: serves already-built function binaries on loopback as Lambda would, so that
//! `make demo` and the browser test run exactly the build `make build` made (nothing recompiles or
//! re-links them meanwhile). Each function is one process fed by its runtime API stand-in; requests
//! reach it through its Function URL (`/lambda-url/<function>/<path>`) or a direct invocation
//! (`POST /2015-03-31/functions/<function>/invocations`, as EventBridge invokes a target).
//!
//! usage: local-lambda <port> <dir>
//!   <dir>/<function>/bootstrap  the function's executable
//!   <dir>/<function>/env        its environment, one KEY=VALUE a line (variables and credentials)
//!   <dir>/<function>/log        where its logs are appended

use lifecycle_tests::lambda::function_url;
use lifecycle_tests::lambda::http1::{read_message, write_response, Message};
use lifecycle_tests::lambda::process::LambdaProcess;
use serde_json::Value;
use std::collections::HashMap;
use std::io::BufReader;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const FUNCTIONS: [&str; 3] = ["start-meeting", "task-state", "stop-meeting"];
/// The deployed functions' timeout (terraform/lambdas.tf).
const TIMEOUT: Duration = Duration::from_secs(30);
const MEMORY_MB: u32 = 128;

type Functions = HashMap<&'static str, Mutex<LambdaProcess>>;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, port, dir] = args.as_slice() else {
        eprintln!("usage: local-lambda <port> <dir with <function>/bootstrap and <function>/env>");
        std::process::exit(2);
    };
    let dir = Path::new(dir);
    let functions: Functions = FUNCTIONS
        .into_iter()
        .map(|name| {
            let env = read_env(&dir.join(name).join("env"));
            let process = LambdaProcess::spawn(
                &dir.join(name).join("bootstrap"),
                name,
                env,
                MEMORY_MB,
                &dir.join(name).join("log"),
            );
            (name, Mutex::new(process))
        })
        .collect();
    for (name, process) in &functions {
        let mut process = process.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(error) = process.init(TIMEOUT) {
            eprintln!("local-lambda: {name} {error} (its log: {})", process.log().display());
            std::process::exit(1);
        }
    }
    let listener = TcpListener::bind(format!("127.0.0.1:{port}")).unwrap_or_else(|e| panic!("port {port}: {e}"));
    println!("local-lambda: {} functions on http://127.0.0.1:{port}", functions.len());
    let functions = Arc::new(functions);
    for stream in listener.incoming().flatten() {
        let functions = Arc::clone(&functions);
        std::thread::spawn(move || serve(stream, &functions));
    }
}

fn read_env(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn serve(stream: TcpStream, functions: &Functions) {
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    while let Ok(Some(request)) = read_message(&mut reader) {
        let mut response = answer(&request, functions);
        let status = format!("{} {}", response.status, reason(response.status));
        let keep_alive = keeps_alive(&request);
        if !keep_alive {
            response.headers.push(("Connection".into(), "close".into()));
        }
        if write_response(&mut writer, &status, &response.headers, &response.body).is_err() || !keep_alive {
            return;
        }
    }
}

/// HTTP/1.1 keeps the connection unless told not to; HTTP/1.0 closes it unless told to keep it.
fn keeps_alive(request: &Message) -> bool {
    let connection = request.header("connection").map(str::to_ascii_lowercase);
    if request.start_line.ends_with("HTTP/1.0") {
        connection.as_deref() == Some("keep-alive")
    } else {
        connection.as_deref() != Some("close")
    }
}

fn answer(request: &Message, functions: &Functions) -> function_url::Response {
    let mut parts = request.start_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or("GET"), parts.next().unwrap_or("/"));
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if let Some(rest) = path.strip_prefix("/lambda-url/") {
        let (name, inner) = rest.split_once('/').unwrap_or((rest, ""));
        let event = function_url::event(method, &format!("/{inner}"), query, &request.headers, &request.body);
        return match invoke(functions, name, &event) {
            Ok((answer, false)) => function_url::response(&answer),
            Ok((answer, true)) => plain(502, &format!("function error: {answer}")),
            Err(response) => response,
        };
    }
    let direct = path
        .strip_prefix("/2015-03-31/functions/")
        .and_then(|rest| rest.strip_suffix("/invocations"));
    match (method, direct) {
        ("POST", Some(name)) => {
            let event: Value = match serde_json::from_slice(&request.body) {
                Ok(event) => event,
                Err(error) => return plain(400, &format!("the event is not JSON: {error}")),
            };
            match invoke(functions, name, &event) {
                Ok((answer, error)) => {
                    let mut headers = vec![("Content-Type".to_string(), "application/json".to_string())];
                    if error {
                        headers.push(("X-Amz-Function-Error".into(), "Unhandled".into()));
                    }
                    function_url::Response {
                        status: 200,
                        headers,
                        body: answer.to_string().into_bytes(),
                    }
                }
                Err(response) => response,
            }
        }
        _ => plain(404, "not a Function URL or an invocation"),
    }
}

/// The function's answer and whether it reported an error.
fn invoke(functions: &Functions, name: &str, event: &Value) -> Result<(Value, bool), function_url::Response> {
    let process = functions
        .get(name)
        .ok_or_else(|| plain(404, &format!("no function {name}")))?;
    let mut process = process.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(status) = process.restart_if_exited() {
        eprintln!("local-lambda: {name} had exited ({status}); started a new instance");
    }
    let answer = process.invoke(event, TIMEOUT).map_err(|error| plain(504, &error))?;
    Ok((answer.body, answer.error))
}

fn plain(status: u16, text: &str) -> function_url::Response {
    function_url::Response {
        status,
        headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
        body: text.as_bytes().to_vec(),
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201..=299 => "Success",
        300..=399 => "Redirect",
        404 => "Not Found",
        400..=499 => "Client Error",
        _ => "Server Error",
    }
}
