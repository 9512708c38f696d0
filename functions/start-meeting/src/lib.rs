//! `start-meeting`: the start page, `POST /start` and `GET /status`, behind a Function URL.

use lifecycle::secret::Gate;
use lifecycle::token::TokenIssuer;
use lifecycle::{App, Time};

/// Converts the Function URL request for the library and answers with its response.
pub async fn handle(
    app: &App,
    gate: &Gate,
    tokens: &TokenIssuer,
    request: lambda_http::Request,
    now: Time,
) -> http::Response<String> {
    let request = request.map(|body| String::from_utf8_lossy(body.as_ref()).into_owned());
    lifecycle::web::start_meeting(app, gate, tokens, request, now).await
}
