use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use lifecycle::App;
use serde_json::Value;

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
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        stop_meeting::handle(app, gate, event.payload, chrono::Utc::now())
            .await
            .map_err(Error::from)
    }))
    .await
}
