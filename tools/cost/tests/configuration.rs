//! Reading the real terraform/ directory, overrides in Terraform's order, the built-in price table and
//! the errors a user can run into.

use cost::cli::{self, Command};
use cost::idle::classify;
use cost::prices::PriceTable;
use cost::terraform::{Architecture, CliVariable, DeployEnvironment, Deployment};
use std::path::{Path, PathBuf};

fn terraform_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../terraform")
}

/// A file in the system temp directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, content: &str) -> Self {
        let path = std::env::temp_dir().join(format!("cost-test-{}-{name}", std::process::id()));
        std::fs::write(&path, content).expect("write temp file");
        Self(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn the_real_terraform_gives_the_documented_defaults() {
    let deployment = Deployment::read(&terraform_dir(), &DeployEnvironment::default(), &[]).expect("terraform/ reads");
    // task_cpu 2048, task_memory 4096, ARM64 (terraform/variables.tf).
    assert_eq!(deployment.task_vcpu, 2.0);
    assert_eq!(deployment.task_memory_gb, 4.0);
    assert_eq!(deployment.task_architecture, Architecture::Arm64);
    assert!(!deployment.fargate_spot);
    assert!(!deployment.container_insights);
    assert_eq!(deployment.log_retention_days, 7.0);
    assert!(!deployment.custom_domain);
    assert_eq!(deployment.lambda_memory_mb, 128.0);
    // make deploy's default ARCH.
    assert_eq!(deployment.lambda_architecture, Architecture::Arm64);
    assert_eq!(deployment.idle_minutes, 10.0);
    // terraform/events.tf, modules/jitsi-service/main.tf, target_groups.tf.
    assert_eq!(deployment.schedule_expression, "rate(1 minute)");
    assert_eq!(deployment.schedule_minutes, 1.0);
    assert!(deployment.task_public_ip);
    assert_eq!(deployment.health_check_seconds, 20.0);

    // Every resource type is known to be free or priced while idle.
    let idle = classify(&deployment.resource_types);
    assert!(
        idle.unchecked.is_empty(),
        "unchecked resource types: {:?}",
        idle.unchecked
    );
    assert!(idle.free.contains(&"aws_ecs_service".to_string()));
    assert!(idle.priced.iter().any(|(t, _)| t == "aws_lambda_function"));
}

#[test]
fn overrides_apply_in_terraforms_order() {
    let var_file = TempFile::new(
        "order.tfvars",
        "task_cpu = 4096\ntask_memory = 8192\ntask_architecture = \"X86_64\"\n\
         hosted_zone_id = \"Z0123456789ABC\"\nmeeting_hostname = \"meet.example.org\"\n\
         scheduled_meetings = [{ name = \"standup\", schedule = \"cron(30 9 ? * MON-FRI *)\", minutes = 45 }]\n",
    );
    let deploy = DeployEnvironment {
        tf_var: vec![("log_retention_days".to_string(), "14".to_string())],
        arch: Some("x86_64".to_string()),
        tf_vars: Some("-var use_fargate_spot=true -var=lambda_memory_mb=256".to_string()),
    };
    let cli = [
        CliVariable::File(var_file.0.clone()),
        // Later than the file: wins.
        CliVariable::Assignment("task_cpu=1024".to_string()),
    ];
    let deployment = Deployment::read(&terraform_dir(), &deploy, &cli).expect("overrides read");
    assert_eq!(deployment.task_vcpu, 1.0);
    assert_eq!(deployment.task_memory_gb, 8.0);
    assert_eq!(deployment.task_architecture, Architecture::X86_64);
    assert!(deployment.custom_domain);
    assert_eq!(deployment.log_retention_days, 14.0);
    assert_eq!(deployment.lambda_architecture, Architecture::X86_64);
    assert!(deployment.fargate_spot);
    assert_eq!(deployment.lambda_memory_mb, 256.0);
    // The 260 to 262 weekdays of the coming 365 days, per 30 days.
    assert_eq!(deployment.scheduled.len(), 1);
    let weekdays = deployment.scheduled[0].per_month * 365.0 / 30.0;
    assert!((260.0..=262.0).contains(&weekdays.round()), "{weekdays}");
    assert_eq!(deployment.schedule_lead_minutes, 7.0);
    // Sources name variables and files, never values.
    assert!(deployment.sources.iter().any(|s| s == "task_cpu from --var"));
    assert!(deployment.sources.iter().all(|s| !s.contains("Z0123456789ABC")));
}

#[test]
fn bad_input_gives_clear_errors() {
    let read =
        |cli: &[CliVariable]| Deployment::read(&terraform_dir(), &DeployEnvironment::default(), cli).unwrap_err();

    let error = read(&[CliVariable::Assignment("task_architecture=SPARC".to_string())]);
    assert!(
        error.contains("unknown architecture \"SPARC\" in task_architecture: expected ARM64 or X86_64"),
        "{error}"
    );

    let error = read(&[CliVariable::File(PathBuf::from("/nonexistent/prod.tfvars"))]);
    assert!(
        error.contains("cannot read the var file /nonexistent/prod.tfvars"),
        "{error}"
    );

    let error = read(&[CliVariable::Assignment(
        r#"scheduled_meetings=[{name="x", schedule="cron(30 9 * * MON *)", minutes=45}]"#.to_string(),
    )]);
    assert!(
        error.contains("scheduled_meetings: window \"x\": one of day-of-month"),
        "{error}"
    );

    let error = read(&[CliVariable::Assignment("task_cpus=1024".to_string())]);
    assert!(error.contains("no variable named \"task_cpus\""), "{error}");

    let error = read(&[CliVariable::Assignment("task_cpu=lots".to_string())]);
    assert!(error.contains("task_cpu must be a number"), "{error}");

    let deploy = DeployEnvironment {
        arch: Some("riscv64".to_string()),
        ..DeployEnvironment::default()
    };
    let error = Deployment::read(&terraform_dir(), &deploy, &[]).unwrap_err();
    assert!(
        error.contains("unknown architecture \"riscv64\" in lambda_architecture: expected arm64 or x86_64"),
        "{error}"
    );

    let error = cli::parse(["--meetings".to_string(), "5".to_string(), "--bogus".to_string()]).unwrap_err();
    assert!(error.contains("unknown option \"--bogus\""), "{error}");
    let error = cli::parse(["--hours".to_string()]).unwrap_err();
    assert!(error.contains("--hours needs a value"), "{error}");
    let error = cli::parse(["--hours=0".to_string()]).unwrap_err();
    assert!(error.contains("--hours must be greater than 0"), "{error}");
}

#[test]
fn flags_are_read() {
    let args = [
        "--meetings=8",
        "--hours",
        "2.5",
        "--participants",
        "6",
        "-var",
        "task_cpu=4096",
        "--json",
    ];
    let Command::Run(options) = cli::parse(args.map(str::to_string)).expect("flags parse") else {
        panic!("expected a run");
    };
    assert_eq!(options.usage.meetings, 8);
    assert_eq!(options.usage.hours_per_meeting, 2.5);
    assert_eq!(options.usage.participants, 6);
    assert!(options.json);
    assert!(matches!(&options.variables[..], [CliVariable::Assignment(a)] if a == "task_cpu=4096"));
    assert!(matches!(cli::parse(["-h".to_string()]), Ok(Command::Help)));
}

#[test]
fn the_built_in_price_table_has_the_design_notes_figures() {
    let table = PriceTable::built_in();
    let p = &table.prices;
    assert_eq!(table.region, "us-east-1");
    assert_eq!(p.nlb_hour.usd, 0.0225);
    assert_eq!(p.nlcu_hour.usd, 0.006);
    assert_eq!(p.public_ipv4_hour.usd, 0.005);
    assert_eq!(p.fargate_arm64_vcpu_hour.usd, 0.03238);
    assert_eq!(p.fargate_arm64_gb_hour.usd, 0.00356);
    assert_eq!(p.fargate_x86_64_vcpu_hour.usd, 0.04048);
    assert_eq!(p.fargate_x86_64_gb_hour.usd, 0.004445);
    assert_eq!(p.lambda_arm64_gb_second.usd, 0.0000133334);
    assert_eq!(p.cloudwatch_thousand_metrics_requested.usd, 0.01);
    assert_eq!(p.route53_hosted_zone_month.usd, 0.50);
    assert!(!table.as_of.is_empty() && !p.nlb_hour.source.is_empty());
}
