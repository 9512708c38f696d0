//! Just enough HTTP/1.1 for the loopback stand-ins (the Lambda runtime API, the Function URL front,
//! the bench's timing proxy):
//! requests and responses with a Content-Length body, on kept-alive connections.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Instant;

pub struct Message {
    /// The request line or the status line.
    pub start_line: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// When its first line had arrived.
    pub arrived: Instant,
}

impl Message {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one message; `None` when the peer closed the connection between messages.
/// Without a Content-Length the body runs to the end of the stream (an HTTP/1.0 answer).
pub fn read_message(reader: &mut BufReader<TcpStream>) -> io::Result<Option<Message>> {
    let mut start_line = String::new();
    if reader.read_line(&mut start_line)? == 0 {
        return Ok(None);
    }
    let arrived = Instant::now();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "headers cut off"));
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    let mut message = Message {
        start_line: start_line.trim_end().to_string(),
        headers,
        body: Vec::new(),
        arrived,
    };
    if message
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        return Err(io::Error::other("chunked bodies are not supported by this stand-in"));
    }
    match message.header("content-length").map(str::parse::<usize>) {
        Some(Ok(length)) => {
            message.body = vec![0; length];
            reader.read_exact(&mut message.body)?;
        }
        Some(Err(_)) => return Err(io::Error::other("invalid Content-Length")),
        None if message.start_line.starts_with("HTTP/") => {
            reader.read_to_end(&mut message.body)?;
        }
        None => {}
    }
    Ok(Some(message))
}

/// Writes a complete HTTP/1.1 response that keeps the connection open.
pub fn write_response(
    stream: &mut TcpStream,
    status: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    stream.write_all(&bytes)
}
