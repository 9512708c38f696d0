//! Lambda as it runs a function, on loopback: the runtime API a function process talks to, the
//! process itself with the environment Lambda gives it, and a Function URL front that turns HTTP
//! requests into the events AWS delivers. `make demo`, the browser test and `make bench` run the
//! built function binaries through it, so nothing rebuilds them while they run.

pub mod function_url;
pub mod http1;
pub mod process;
pub mod runtime_api;
