use lambda_http::{run, service_fn, Error};
use std::convert::Infallible;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let app = lifecycle::cold_start().await?;
    let gate = app.gate().await?;
    let (app, gate) = (&app, &gate);
    run(service_fn(move |request| async move {
        Ok::<_, Infallible>(start_meeting::handle(app, gate, request, chrono::Utc::now()).await)
    }))
    .await
}
