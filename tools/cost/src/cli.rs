//! Command-line flags.

use crate::estimate::{Estimates, Usage};
use crate::terraform::CliVariable;
use std::path::PathBuf;

pub const HELP: &str = "\
usage: cost [options]   (make cost ARGS=\"options\")

What the deployed configuration costs on AWS: idle per month, per meeting hour, one meeting and a
typical month, next to the old design. Reads terraform/ (defaults, terraform.tfvars, *.auto.tfvars,
TF_VAR_*, and ARCH/TF_VARS as make deploy passes them) and the dated price table.

  --meetings N          meetings a month (default 20)
  --hours H             hours people spend in each meeting (default 1)
  --participants N      people in a meeting (default 4; 2 talk peer-to-peer, no media via the NLB)
  --invocation-ms MS    billed duration of one Lambda invocation (default 100)
  --var NAME=VALUE      set a Terraform variable, as terraform -var (repeatable)
  --var-file PATH       read a tfvars file, as terraform -var-file (repeatable)
  --terraform-dir DIR   the Terraform root module (default ./terraform)
  --prices PATH         another price table (default: the built-in pricing/prices-us-east-1.json)
  --json                machine-readable output
  -h, --help            this text
";

#[derive(Debug, Clone)]
pub struct Options {
    pub usage: Usage,
    pub estimates: Estimates,
    pub variables: Vec<CliVariable>,
    pub terraform_dir: PathBuf,
    pub prices: Option<PathBuf>,
    pub json: bool,
}

#[derive(Debug, Clone)]
pub enum Command {
    Help,
    Run(Box<Options>),
}

pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut options = Options {
        usage: Usage {
            meetings: 20,
            hours_per_meeting: 1.0,
            participants: 4,
        },
        estimates: Estimates::default(),
        variables: Vec::new(),
        terraform_dir: PathBuf::from("terraform"),
        prices: None,
        json: false,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with('-') => (flag.to_string(), Some(value.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value (see --help)"))
        };
        // Terraform's single-dash spellings work too.
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--json" => options.json = true,
            "--meetings" => options.usage.meetings = parse_number(&flag, &value()?)?,
            "--hours" => options.usage.hours_per_meeting = positive(&flag, parse_number(&flag, &value()?)?)?,
            "--participants" => options.usage.participants = parse_number(&flag, &value()?)?,
            "--invocation-ms" => options.estimates.invocation_ms = positive(&flag, parse_number(&flag, &value()?)?)?,
            "--var" | "-var" => options.variables.push(CliVariable::Assignment(value()?)),
            "--var-file" | "-var-file" => options.variables.push(CliVariable::File(PathBuf::from(value()?))),
            "--terraform-dir" => options.terraform_dir = PathBuf::from(value()?),
            "--prices" => options.prices = Some(PathBuf::from(value()?)),
            _ => return Err(format!("unknown option {arg:?} (see --help)")),
        }
    }
    Ok(Command::Run(Box::new(options)))
}

fn parse_number<T: std::str::FromStr>(flag: &str, text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{flag} expects a non-negative number, got {text:?}"))
}

fn positive(flag: &str, value: f64) -> Result<f64, String> {
    if value > 0.0 && value.is_finite() {
        Ok(value)
    } else {
        Err(format!("{flag} must be greater than 0"))
    }
}
