use lambda_http::{run, service_fn, Error};
use lifecycle::App;
use std::convert::Infallible;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lifecycle::telemetry::init();
    let app = App::from_env()
        .await
        .inspect_err(|e| tracing::error!(error = %e, "cannot start"))?;
    let gate = app
        .gate()
        .await
        .inspect_err(|e| tracing::error!(error = %e, "cannot start"))?;
    let (app, gate) = (&app, &gate);
    run(service_fn(move |request| async move {
        Ok::<_, Infallible>(start_meeting::handle(app, gate, request, chrono::Utc::now()).await)
    }))
    .await
}
