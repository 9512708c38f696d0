//! A Lambda Function URL on loopback: an HTTP request becomes the payload format 2.0 event AWS
//! delivers, and the function's answer becomes the HTTP response, as AWS builds it
//! (docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html, "Request and response payloads").

use base64::Engine;
use serde_json::{json, Map, Value};

/// The event for one request. Text bodies are passed as they are, others base64-encoded, as AWS does.
pub fn event(method: &str, raw_path: &str, raw_query: &str, headers: &[(String, String)], body: &[u8]) -> Value {
    let mut header_map = Map::new();
    for (name, value) in headers {
        // AWS joins repeated headers with a comma and lower-cases their names.
        let name = name.to_ascii_lowercase();
        let joined = match header_map.get(&name).and_then(Value::as_str) {
            Some(earlier) => format!("{earlier},{value}"),
            None => value.clone(),
        };
        header_map.insert(name, Value::String(joined));
    }
    let (body, is_base64) = match std::str::from_utf8(body) {
        Ok(text) => (text.to_string(), false),
        Err(_) => (base64::engine::general_purpose::STANDARD.encode(body), true),
    };
    let user_agent = header_map
        .get("user-agent")
        .cloned()
        .unwrap_or(Value::String(String::new()));
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": header_map,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "localurl",
            "domainName": "localurl.lambda-url.us-east-1.on.aws",
            "domainPrefix": "localurl",
            "http": { "method": method, "path": raw_path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": user_agent },
            "requestId": "local",
            "routeKey": "$default",
            "stage": "$default",
            "time": "23/Nov/2026:12:00:00 +0000",
            "timeEpoch": 1_795_000_000_000_i64
        },
        "body": body,
        "isBase64Encoded": is_base64
    })
}

/// An HTTP response: status, headers, body.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// The HTTP response for a function's answer. An answer without `statusCode` is sent as a JSON
/// body with status 200, as AWS does.
pub fn response(answer: &Value) -> Response {
    let Some(status) = answer.get("statusCode").and_then(Value::as_u64) else {
        return Response {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: answer.to_string().into_bytes(),
        };
    };
    let mut headers: Vec<(String, String)> = answer["headers"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(name, value)| Some((name.clone(), value.as_str()?.to_string())))
        .collect();
    for (name, values) in answer["multiValueHeaders"].as_object().into_iter().flatten() {
        for value in values.as_array().into_iter().flatten().filter_map(Value::as_str) {
            headers.push((name.clone(), value.to_string()));
        }
    }
    for cookie in answer["cookies"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        headers.push(("Set-Cookie".into(), cookie.to_string()));
    }
    let body = answer["body"].as_str().unwrap_or_default();
    let body = if answer["isBase64Encoded"].as_bool() == Some(true) {
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap_or_default()
    } else {
        body.as_bytes().to_vec()
    };
    Response {
        status: u16::try_from(status).unwrap_or(502),
        headers,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_headers_are_joined_and_names_lower_cased() {
        let headers = vec![
            ("Accept".to_string(), "a".to_string()),
            ("accept".to_string(), "b".to_string()),
        ];
        let event = event("GET", "/status", "x=1", &headers, b"");
        assert_eq!(event["headers"]["accept"], "a,b");
        assert_eq!(event["rawQueryString"], "x=1");
        assert_eq!(event["isBase64Encoded"], false);
    }

    #[test]
    fn binary_bodies_are_base64_encoded() {
        let event = event("POST", "/", "", &[], &[0xff, 0x00]);
        assert_eq!(event["isBase64Encoded"], true);
        assert_eq!(event["body"], "/wA=");
    }

    #[test]
    fn answers_become_responses() {
        let answer = json!({"statusCode": 303, "headers": {"location": "/x"}, "cookies": ["a=b"], "body": "aGk=", "isBase64Encoded": true});
        let response = response(&answer);
        assert_eq!(response.status, 303);
        assert!(response.headers.contains(&("location".into(), "/x".into())));
        assert!(response.headers.contains(&("Set-Cookie".into(), "a=b".into())));
        assert_eq!(response.body, b"hi");
        let plain = super::response(&json!({"phase": "idle"}));
        assert_eq!((plain.status, plain.body), (200, br#"{"phase":"idle"}"#.to_vec()));
    }
}
