use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let app = lifecycle::cold_start().await?;
    let gate = app.gate().await?;
    let (app, gate) = (&app, &gate);
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        stop_meeting::handle(app, gate, event.payload, chrono::Utc::now())
            .await
            .map_err(Error::from)
    }))
    .await
}
