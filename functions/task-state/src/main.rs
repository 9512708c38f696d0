use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use lifecycle::App;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lifecycle::telemetry::init();
    let app = App::from_env()
        .await
        .inspect_err(|e| tracing::error!(error = %e, "cannot start"))?;
    let app = &app;
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        task_state::handle(app, event.payload, chrono::Utc::now())
            .await
            .map_err(Error::from)
    }))
    .await
}
