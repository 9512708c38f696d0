//! The deployed configuration, read the way `terraform apply` in `make deploy` (scripts/deploy.sh) reads
//! it: variable defaults, `TF_VAR_*`, `terraform.tfvars` and `*.auto.tfvars`, then the `-var` flags the
//! script passes (`lambda_architecture` from `ARCH`, anything in `TF_VARS`), then this tool's own
//! `--var`/`--var-file` flags. Besides variables, a few settings live in the Terraform files themselves
//! (the schedule, the task's public IP, the target group health check); they are read from there.

use hcl::eval::{Context, Evaluate};
use hcl::{Block, Body, Expression, Value};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Architecture {
    #[serde(rename = "arm64")]
    Arm64,
    #[serde(rename = "x86_64")]
    X86_64,
}

impl Architecture {
    /// As strict as the variable's validation: the task spells them `ARM64`/`X86_64`, Lambda `arm64`/`x86_64`.
    fn parse(variable: &str, value: &str, [arm64, x86_64]: [&str; 2]) -> Result<Self, String> {
        if value == arm64 {
            Ok(Self::Arm64)
        } else if value == x86_64 {
            Ok(Self::X86_64)
        } else {
            Err(format!(
                "unknown architecture {value:?} in {variable}: expected {arm64} or {x86_64}"
            ))
        }
    }
}

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Arm64 => "arm64",
            Self::X86_64 => "x86_64",
        })
    }
}

/// A `-var`/`-var-file` setting from the command line; Terraform applies them in the order given.
#[derive(Debug, Clone)]
pub enum CliVariable {
    File(PathBuf),
    Assignment(String),
}

/// What `make deploy` puts around `terraform apply`, taken from the environment.
#[derive(Debug, Clone, Default)]
pub struct DeployEnvironment {
    /// `TF_VAR_<name>=<value>` pairs, read by Terraform itself.
    pub tf_var: Vec<(String, String)>,
    /// `ARCH`: deploy.sh passes `-var lambda_architecture=${ARCH:-arm64}`.
    pub arch: Option<String>,
    /// `TF_VARS`: extra `-var`/`-var-file` flags deploy.sh appends unquoted (so split on whitespace).
    pub tf_vars: Option<String>,
}

impl DeployEnvironment {
    pub fn from_process() -> Self {
        Self {
            tf_var: std::env::vars()
                .filter_map(|(key, value)| key.strip_prefix("TF_VAR_").map(|name| (name.to_string(), value)))
                .collect(),
            arch: std::env::var("ARCH").ok().filter(|arch| !arch.is_empty()),
            tf_vars: std::env::var("TF_VARS").ok(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    String,
    Number,
    Bool,
    Other,
}

/// The root module's variables and the values they end up with.
#[derive(Debug)]
pub struct Variables {
    kinds: BTreeMap<String, Kind>,
    values: BTreeMap<String, Value>,
    /// Where values came from, in the order applied.
    pub sources: Vec<String>,
}

impl Variables {
    pub fn load(terraform_dir: &Path, deploy: &DeployEnvironment, cli: &[CliVariable]) -> Result<Self, String> {
        let mut variables = Self::declared(&TerraformFiles::root_module(terraform_dir)?)?;
        variables
            .sources
            .push(format!("{}/*.tf (defaults)", terraform_dir.display()));

        let mut from_env: Vec<_> = deploy
            .tf_var
            .iter()
            .filter(|(name, _)| variables.kinds.contains_key(name))
            .collect();
        from_env.sort();
        for (name, value) in from_env {
            variables.assign(name, value, &format!("TF_VAR_{name}"))?;
        }

        for file in auto_loaded_files(terraform_dir)? {
            variables.apply_file(&file)?;
        }

        let (arch, origin) = match deploy.arch.as_deref() {
            Some(arch) => (arch, "ARCH, as make deploy passes it"),
            None => ("arm64", "make deploy's default ARCH=arm64"),
        };
        variables.assign("lambda_architecture", arch, origin)?;
        if let Some(flags) = &deploy.tf_vars {
            for setting in parse_var_flags(flags, terraform_dir)? {
                variables.apply(&setting, "TF_VARS")?;
            }
        }

        for setting in cli {
            variables.apply(setting, "--var")?;
        }
        Ok(variables)
    }

    fn declared(files: &TerraformFiles) -> Result<Self, String> {
        let mut kinds = BTreeMap::new();
        let mut values = BTreeMap::new();
        for (path, body) in &files.bodies {
            for block in body.blocks().filter(|b| b.identifier() == "variable") {
                let name =
                    first_label(block).ok_or_else(|| format!("{}: a variable block without a name", path.display()))?;
                let kind = match block.body().attributes().find(|a| a.key() == "type").map(|a| a.expr()) {
                    Some(Expression::Variable(kind)) if kind.as_str() == "string" => Kind::String,
                    Some(Expression::Variable(kind)) if kind.as_str() == "number" => Kind::Number,
                    Some(Expression::Variable(kind)) if kind.as_str() == "bool" => Kind::Bool,
                    _ => Kind::Other,
                };
                if let Some(default) = block.body().attributes().find(|a| a.key() == "default") {
                    let value = literal(default.expr(), &format!("default of {name} in {}", path.display()))?;
                    values.insert(name.to_string(), value);
                }
                kinds.insert(name.to_string(), kind);
            }
        }
        if kinds.is_empty() {
            return Err("no variable declarations found in the Terraform directory".to_string());
        }
        Ok(Self {
            kinds,
            values,
            sources: Vec::new(),
        })
    }

    fn apply(&mut self, setting: &CliVariable, origin: &str) -> Result<(), String> {
        match setting {
            CliVariable::File(path) => self.apply_file(path),
            CliVariable::Assignment(assignment) => {
                let (name, value) = assignment
                    .split_once('=')
                    .ok_or_else(|| format!("{origin}: expected NAME=VALUE, got {assignment:?}"))?;
                if !self.kinds.contains_key(name) {
                    return Err(format!(
                        "{origin}: no variable named {name:?} is declared in the Terraform files"
                    ));
                }
                self.assign(name, value, origin)
            }
        }
    }

    /// A `-var`-style raw value: text for strings, parsed for numbers, booleans and anything else.
    /// The source names the variable, never the value (some are sensitive).
    fn assign(&mut self, name: &str, raw: &str, origin: &str) -> Result<(), String> {
        let source = format!("{name} from {origin}");
        let value = match self.kinds.get(name).copied().unwrap_or(Kind::Other) {
            Kind::String => Value::String(raw.to_string()),
            Kind::Number => raw
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(hcl::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| format!("{origin}: {name} must be a number, got {raw:?}"))?,
            Kind::Bool => match raw.trim() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => return Err(format!("{origin}: {name} must be true or false, got {raw:?}")),
            },
            Kind::Other => {
                let body = hcl::parse(&format!("value = {raw}")).map_err(|e| format!("{origin}: {name}: {e}"))?;
                let attribute = body
                    .attributes()
                    .next()
                    .ok_or_else(|| format!("{origin}: {name}: no value"))?;
                literal(attribute.expr(), &source)?
            }
        };
        self.values.insert(name.to_string(), value);
        self.sources.push(source);
        Ok(())
    }

    fn apply_file(&mut self, path: &Path) -> Result<(), String> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read the var file {}: {e}", path.display()))?;
        let assignments: Vec<(String, Value)> = if path.extension().is_some_and(|ext| ext == "json") {
            let object: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&text).map_err(|e| format!("var file {}: {e}", path.display()))?;
            object
                .into_iter()
                .map(|(name, value)| Ok((name, hcl::to_value(value).map_err(|e| e.to_string())?)))
                .collect::<Result<_, String>>()?
        } else {
            let body = hcl::parse(&text).map_err(|e| format!("var file {}: {e}", path.display()))?;
            if let Some(block) = body.blocks().next() {
                return Err(format!(
                    "var file {}: unexpected block {:?}",
                    path.display(),
                    block.identifier()
                ));
            }
            body.attributes()
                .map(|a| Ok((a.key().to_string(), literal(a.expr(), &path.display().to_string())?)))
                .collect::<Result<_, String>>()?
        };
        for (name, value) in assignments {
            // Terraform only warns about an undeclared variable in a file; so does this.
            if self.kinds.contains_key(&name) {
                self.values.insert(name, value);
            } else {
                eprintln!(
                    "warning: {}: no variable named {name:?} is declared; ignored",
                    path.display()
                );
            }
        }
        self.sources.push(path.display().to_string());
        Ok(())
    }

    fn value(&self, name: &str) -> Result<&Value, String> {
        match self.values.get(name) {
            Some(Value::Null) | None => Err(format!("variable {name} has no value")),
            Some(value) => Ok(value),
        }
    }

    pub fn string(&self, name: &str) -> Result<String, String> {
        match self.value(name)? {
            Value::String(text) => Ok(text.clone()),
            Value::Number(number) => Ok(number.to_string()),
            Value::Bool(flag) => Ok(flag.to_string()),
            other => Err(format!("variable {name} must be a string, got {other}")),
        }
    }

    pub fn number(&self, name: &str) -> Result<f64, String> {
        let value = self.value(name)?;
        match value {
            Value::Number(number) => number.as_f64(),
            Value::String(text) => text.trim().parse().ok(),
            _ => None,
        }
        .ok_or_else(|| format!("variable {name} must be a number, got {value}"))
    }

    /// A structured value (a list of objects) as JSON.
    pub fn json(&self, name: &str) -> Result<String, String> {
        serde_json::to_string(self.value(name)?).map_err(|e| format!("variable {name}: {e}"))
    }

    pub fn bool(&self, name: &str) -> Result<bool, String> {
        let value = self.value(name)?;
        match value {
            Value::Bool(flag) => Some(*flag),
            Value::String(text) if text == "true" => Some(true),
            Value::String(text) if text == "false" => Some(false),
            _ => None,
        }
        .ok_or_else(|| format!("variable {name} must be true or false, got {value}"))
    }
}

/// The files Terraform loads by itself, in its order: terraform.tfvars, terraform.tfvars.json, then
/// *.auto.tfvars and *.auto.tfvars.json by name.
fn auto_loaded_files(terraform_dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files: Vec<PathBuf> = ["terraform.tfvars", "terraform.tfvars.json"]
        .iter()
        .map(|name| terraform_dir.join(name))
        .filter(|path| path.is_file())
        .collect();
    let mut auto: Vec<PathBuf> = read_dir(terraform_dir)?
        .into_iter()
        .filter(|path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name.ends_with(".auto.tfvars") || name.ends_with(".auto.tfvars.json")
        })
        .collect();
    auto.sort();
    files.extend(auto);
    Ok(files)
}

/// `-var NAME=VALUE`, `-var=NAME=VALUE`, `-var-file PATH` and `-var-file=PATH` words, as deploy.sh passes
/// `TF_VARS` to `terraform -chdir=terraform`: relative paths are relative to the Terraform directory.
fn parse_var_flags(flags: &str, terraform_dir: &Path) -> Result<Vec<CliVariable>, String> {
    let mut words = flags.split_whitespace();
    let mut settings = Vec::new();
    while let Some(word) = words.next() {
        let flag = word.trim_start_matches('-');
        let (name, inline) = match flag.split_once('=') {
            Some((name, value)) => (name, Some(value.to_string())),
            None => (flag, None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| words.next().map(str::to_string))
                .ok_or_else(|| format!("TF_VARS: {word} needs a value"))
        };
        match name {
            "var" => settings.push(CliVariable::Assignment(value()?)),
            "var-file" => settings.push(CliVariable::File(terraform_dir.join(value()?))),
            _ => {
                return Err(format!(
                    "TF_VARS: only -var and -var-file flags are understood, got {word:?}"
                ))
            }
        }
    }
    Ok(settings)
}

/// Parsed `.tf` files.
struct TerraformFiles {
    bodies: Vec<(PathBuf, Body)>,
}

impl TerraformFiles {
    fn root_module(dir: &Path) -> Result<Self, String> {
        Self::parse(tf_files(dir)?)
    }

    /// The root module and every module below it.
    fn all(dir: &Path) -> Result<Self, String> {
        let mut paths = tf_files(dir)?;
        let modules = dir.join("modules");
        if modules.is_dir() {
            for module in read_dir(&modules)?.into_iter().filter(|path| path.is_dir()) {
                paths.extend(tf_files(&module)?);
            }
        }
        Self::parse(paths)
    }

    fn parse(paths: Vec<PathBuf>) -> Result<Self, String> {
        if paths.is_empty() {
            return Err("no .tf files found".to_string());
        }
        let bodies = paths
            .into_iter()
            .map(|path| {
                let text =
                    std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                let body = hcl::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
                Ok((path, body))
            })
            .collect::<Result<_, String>>()?;
        Ok(Self { bodies })
    }

    fn resources<'a>(&'a self, resource_type: &'a str) -> impl Iterator<Item = (&'a Path, &'a Block)> + 'a {
        self.bodies.iter().flat_map(move |(path, body)| {
            body.blocks()
                .filter(move |b| b.identifier() == "resource" && first_label(b) == Some(resource_type))
                .map(move |b| (path.as_path(), b))
        })
    }

    /// The one resource of a type (and name, if given), or an error naming what is missing.
    fn resource<'a>(&'a self, resource_type: &'a str, name: Option<&str>) -> Result<(&'a Path, &'a Block), String> {
        let mut found = self
            .resources(resource_type)
            .filter(|(_, block)| name.is_none() || block.labels().get(1).map(|l| l.as_str()) == name);
        let described = format!(
            "resource {resource_type}{}",
            name.map(|n| format!(".{n}")).unwrap_or_default()
        );
        match (found.next(), found.next()) {
            (Some(one), None) => Ok(one),
            (None, _) => Err(format!("{described} not found in the Terraform files")),
            (Some(_), Some(_)) => Err(format!(
                "{described} is declared more than once; cannot tell which to price"
            )),
        }
    }

    fn resource_types(&self) -> BTreeSet<String> {
        self.bodies
            .iter()
            .flat_map(|(_, body)| body.blocks())
            .filter(|b| b.identifier() == "resource")
            .filter_map(|b| first_label(b).map(str::to_string))
            .collect()
    }
}

fn read_dir(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read the directory {}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|entry| entry.ok().map(|e| e.path())).collect();
    paths.sort();
    Ok(paths)
}

fn tf_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    Ok(read_dir(dir)?
        .into_iter()
        .filter(|path| path.extension().is_some_and(|ext| ext == "tf") && path.is_file())
        .collect())
}

fn first_label(block: &Block) -> Option<&str> {
    block.labels().first().map(|label| label.as_str())
}

/// The value of an expression that needs no variables (a default, a tfvars entry, a literal setting).
fn literal(expr: &Expression, context: &str) -> Result<Value, String> {
    expr.evaluate(&Context::new())
        .map_err(|e| format!("{context}: not a literal value Terraform could read without a plan ({e})"))
}

fn attribute(block_body: &Body, key: &str) -> Option<Expression> {
    block_body
        .attributes()
        .find(|a| a.key() == key)
        .map(|a| a.expr().clone())
}

fn nested<'a>(block: &'a Block, identifier: &str) -> Option<&'a Block> {
    block.body().blocks().find(|b| b.identifier() == identifier)
}

/// Everything the cost depends on, from variables and the Terraform files.
#[derive(Debug, Clone, Serialize)]
pub struct Deployment {
    pub task_vcpu: f64,
    pub task_memory_gb: f64,
    pub task_architecture: Architecture,
    pub fargate_spot: bool,
    pub container_insights: bool,
    pub log_retention_days: f64,
    pub custom_domain: bool,
    /// Without a domain, a Let's Encrypt certificate per meeting (main.tf's local.lets_encrypt).
    pub lets_encrypt: bool,
    pub lambda_memory_mb: f64,
    pub lambda_architecture: Architecture,
    /// The stop-meeting schedule, e.g. `rate(1 minute)`, and its period.
    pub schedule_expression: String,
    pub schedule_minutes: f64,
    /// The service gives the task a public IPv4 address (`assign_public_ip`).
    pub task_public_ip: bool,
    /// Time for a registered target to turn healthy: interval × healthy threshold of the JVB target group.
    pub health_check_seconds: f64,
    pub idle_minutes: f64,
    /// Scheduled meetings (`scheduled_meetings`) and how early each starts.
    pub scheduled: Vec<crate::scheduled::ScheduledWindow>,
    pub schedule_lead_minutes: f64,
    /// Every resource type the Terraform files declare, for the idle-cost listing.
    pub resource_types: BTreeSet<String>,
    /// Where the variable values came from.
    pub sources: Vec<String>,
}

impl Deployment {
    pub fn read(terraform_dir: &Path, deploy: &DeployEnvironment, cli: &[CliVariable]) -> Result<Self, String> {
        let variables = Variables::load(terraform_dir, deploy, cli)?;
        let files = TerraformFiles::all(terraform_dir)?;

        let (rule_path, schedule) = files
            .resources("aws_cloudwatch_event_rule")
            .find_map(|(path, block)| attribute(block.body(), "schedule_expression").map(|expr| (path, expr)))
            .ok_or("no aws_cloudwatch_event_rule with a schedule_expression in the Terraform files")?;
        let context = format!("schedule_expression in {}", rule_path.display());
        let schedule_expression = literal(&schedule, &context)?
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("{context}: not a string"))?;
        let schedule_minutes = rate_minutes(&schedule_expression)?;

        let (service_path, service) = files.resource("aws_ecs_service", None)?;
        let task_public_ip =
            match nested(service, "network_configuration").and_then(|n| attribute(n.body(), "assign_public_ip")) {
                // The provider's default is false.
                None => false,
                Some(expr) => literal(&expr, &format!("assign_public_ip in {}", service_path.display()))?
                    .as_bool()
                    .ok_or_else(|| format!("assign_public_ip in {} is not a boolean", service_path.display()))?,
            };

        let (group_path, jvb_group) = files.resource("aws_lb_target_group", Some("jvb"))?;
        let health_check = nested(jvb_group, "health_check").ok_or_else(|| {
            format!(
                "aws_lb_target_group.jvb in {} has no health_check",
                group_path.display()
            )
        })?;
        let health_setting = |key: &str| -> Result<f64, String> {
            let context = format!(
                "health_check.{key} of aws_lb_target_group.jvb in {}",
                group_path.display()
            );
            let expr = attribute(health_check.body(), key).ok_or_else(|| format!("{context} is not set"))?;
            literal(&expr, &context)?
                .as_f64()
                .ok_or_else(|| format!("{context} is not a number"))
        };
        let health_check_seconds = health_setting("interval")? * health_setting("healthy_threshold")?;

        let task_cpu = variables.number("task_cpu")?;
        let task_memory = variables.number("task_memory")?;
        let lambda_memory_mb = variables.number("lambda_memory_mb")?;
        if task_cpu <= 0.0 || task_memory <= 0.0 || lambda_memory_mb <= 0.0 {
            return Err("task_cpu, task_memory and lambda_memory_mb must be positive".to_string());
        }
        Ok(Self {
            task_vcpu: task_cpu / 1024.0,
            task_memory_gb: task_memory / 1024.0,
            task_architecture: Architecture::parse(
                "task_architecture",
                &variables.string("task_architecture")?,
                ["ARM64", "X86_64"],
            )?,
            fargate_spot: variables.bool("use_fargate_spot")?,
            container_insights: variables.bool("container_insights")?,
            log_retention_days: variables.number("log_retention_days")?,
            // As main.tf's local.custom_domain: both set.
            custom_domain: !variables.string("hosted_zone_id")?.is_empty()
                && !variables.string("meeting_hostname")?.is_empty(),
            lets_encrypt: variables.bool("lets_encrypt")?
                && (variables.string("hosted_zone_id")?.is_empty() || variables.string("meeting_hostname")?.is_empty()),
            lambda_memory_mb,
            lambda_architecture: Architecture::parse(
                "lambda_architecture",
                &variables.string("lambda_architecture")?,
                ["arm64", "x86_64"],
            )?,
            schedule_expression,
            schedule_minutes,
            task_public_ip,
            health_check_seconds,
            idle_minutes: variables.number("idle_minutes")?,
            scheduled: crate::scheduled::windows(
                &variables.json("scheduled_meetings")?,
                variables.number("scheduled_meeting_lead_minutes")?,
                chrono::Utc::now(),
            )?,
            schedule_lead_minutes: variables.number("scheduled_meeting_lead_minutes")?,
            resource_types: files.resource_types(),
            sources: variables.sources,
        })
    }
}

/// The period of an EventBridge `rate(N unit)` expression in minutes.
fn rate_minutes(expression: &str) -> Result<f64, String> {
    let unsupported = || format!("schedule {expression:?}: only rate(N minute[s]|hour[s]|day[s]) can be priced");
    let inner = expression
        .trim()
        .strip_prefix("rate(")
        .and_then(|rest| rest.strip_suffix(')'))
        .ok_or_else(unsupported)?;
    let (count, unit) = inner.trim().split_once(' ').ok_or_else(unsupported)?;
    let count: f64 = count.parse().map_err(|_| unsupported())?;
    let minutes_per_unit = match unit.trim() {
        "minute" | "minutes" => 1.0,
        "hour" | "hours" => 60.0,
        "day" | "days" => 1440.0,
        _ => return Err(unsupported()),
    };
    if count <= 0.0 {
        return Err(unsupported());
    }
    Ok(count * minutes_per_unit)
}
