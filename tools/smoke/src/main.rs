//! `smoke`: see `smoke --help` and README (make smoke). Arguments, signals and the exit code; the
//! work is in the library.

use smoke::cli::{self, Command, USAGE};
use smoke::interrupt::Interrupt;
use std::process::ExitCode;

fn main() -> ExitCode {
    let command = match cli::parse(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(error) => {
            eprintln!("smoke: {error}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // Installed before anything is started, so that a Ctrl-C at any point is ours to handle.
    let interrupt = match Interrupt::install() {
        Ok(interrupt) => interrupt,
        Err(error) => {
            eprintln!("smoke: cannot handle Ctrl-C: {error}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    let code = match command {
        Command::Help => {
            println!("{USAGE}");
            0
        }
        Command::Smoke(options) => runtime.block_on(smoke::run::smoke(options, interrupt)),
        Command::CheckMeeting(options) => runtime.block_on(smoke::run::check_meeting(options, interrupt)),
    };
    // Blocking checks abandoned by a Ctrl-C must not keep the process alive.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    ExitCode::from(code)
}
