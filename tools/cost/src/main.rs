use cost::cli::{self, Command};
use cost::estimate::estimate;
use cost::prices::{PriceTable, BUILT_IN_NAME};
use cost::report::{render, Report};
use cost::terraform::{DeployEnvironment, Deployment};
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(output) => {
            print!("{output}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("cost: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<String, String> {
    let options = match cli::parse(std::env::args().skip(1))? {
        Command::Help => return Ok(cli::HELP.to_string()),
        Command::Run(options) => options,
    };
    if !options.terraform_dir.is_dir() {
        return Err(format!(
            "no Terraform directory at {}: run from the repository root (make cost) or pass --terraform-dir",
            options.terraform_dir.display()
        ));
    }
    let deployment = Deployment::read(
        &options.terraform_dir,
        &DeployEnvironment::from_process(),
        &options.variables,
    )?;
    let (prices, prices_file) = match &options.prices {
        Some(path) => (PriceTable::read(path)?, path.display().to_string()),
        None => (PriceTable::built_in(), BUILT_IN_NAME.to_string()),
    };
    let report = Report {
        idle_resources: cost::idle::classify(&deployment.resource_types),
        estimate: estimate(&deployment, &options.usage, &options.estimates, &prices),
        prices_file,
        prices,
        deployment,
    };
    if options.json {
        serde_json::to_string_pretty(&report)
            .map(|json| json + "\n")
            .map_err(|e| e.to_string())
    } else {
        Ok(render(&report))
    }
}
