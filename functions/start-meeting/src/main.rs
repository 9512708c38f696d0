use lambda_http::{run, service_fn, Error};
use std::convert::Infallible;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let app = lifecycle::cold_start().await?;
    let (gate, tokens) = tokio::try_join!(app.gate(), app.token_issuer())?;
    let (app, gate, tokens) = (&app, &gate, &tokens);
    run(service_fn(move |request| async move {
        Ok::<_, Infallible>(start_meeting::handle(app, gate, tokens, request, chrono::Utc::now()).await)
    }))
    .await
}
