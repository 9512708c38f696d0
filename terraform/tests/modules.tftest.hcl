# One module at a time, with a mocked AWS provider (offline).

mock_provider "aws" {
  source = "./tests/mocks"
}

# --- jitsi-service module ------------------------------------------------------------------------

run "jitsi_service_task_and_service" {
  module {
    source = "./modules/jitsi-service"
  }

  variables {
    name              = "jitsi-test"
    subnet_id         = "subnet-0123456789abcdef0"
    security_group_id = "sg-0123456789abcdef0"
    image_tag         = "stable-11031"
    jwt_app_id        = "jitsi-test-0123456789ab"
  }

  override_resource {
    target = aws_ssm_parameter.advertise_ips
    values = { arn = "arn:aws:ssm:us-east-1:123456789012:parameter/jitsi-test/jvb/advertise-ips" }
  }

  override_resource {
    target = aws_ssm_parameter.secret["JWT_APP_SECRET"]
    values = { arn = "arn:aws:ssm:us-east-1:123456789012:parameter/jitsi-test/jitsi/JWT_APP_SECRET" }
  }

  assert {
    condition = (
      aws_ecs_service.this.desired_count == 0 && aws_ecs_service.this.enable_execute_command &&
      aws_ecs_service.this.propagate_tags == "SERVICE" && length(aws_ecs_service.this.load_balancer) == 0 &&
      one(aws_ecs_service.this.capacity_provider_strategy).capacity_provider == "FARGATE" &&
      aws_ecs_service.this.network_configuration[0].subnets == toset(["subnet-0123456789abcdef0"]) &&
      aws_ecs_service.this.network_configuration[0].security_groups == toset(["sg-0123456789abcdef0"]) &&
      aws_ecs_service.this.network_configuration[0].assign_public_ip &&
      length(aws_ecs_service.this.service_connect_configuration) == 0 &&
      length(aws_service_discovery_http_namespace.this) == 0
    )
    error_message = "The ECS service must start at 0 tasks, on FARGATE, in one subnet with a public IP, without load balancer or Service Connect."
  }

  assert {
    condition = (
      aws_ecs_cluster_capacity_providers.this.capacity_providers == toset(["FARGATE", "FARGATE_SPOT"]) &&
      one(aws_ecs_cluster.this.setting).value == "disabled"
    )
    error_message = "Cluster capacity providers or Container Insights default are wrong."
  }

  assert {
    condition = (
      aws_ecs_task_definition.this.network_mode == "awsvpc" && aws_ecs_task_definition.this.cpu == "2048" &&
      aws_ecs_task_definition.this.memory == "4096" &&
      aws_ecs_task_definition.this.runtime_platform[0].cpu_architecture == "ARM64" &&
      aws_ecs_task_definition.this.requires_compatibilities == toset(["FARGATE"])
    )
    error_message = "Task definition sizing/platform is wrong."
  }

  assert {
    condition = (
      join(",", sort([for c in jsondecode(aws_ecs_task_definition.this.container_definitions) : c.name])) == "jicofo,jvb,prosody,web" &&
      alltrue([for c in jsondecode(aws_ecs_task_definition.this.container_definitions) :
        endswith(c.image, ":stable-11031") && c.memoryReservation > 0 && length(c.healthCheck.command) == 2 &&
      c.logConfiguration.logDriver == "awslogs"])
    )
    error_message = "Every container needs the pinned tag, a memory reservation, a health check and awslogs."
  }

  # Secrets only through `secrets` (valueFrom SSM), never in `environment`.
  assert {
    condition = alltrue([for c in jsondecode(aws_ecs_task_definition.this.container_definitions) :
      length(setintersection(toset([for e in c.environment : e.name]), toset([
        "JVB_ADVERTISE_IPS", "JICOFO_COMPONENT_SECRET", "JICOFO_AUTH_PASSWORD", "JVB_COMPONENT_SECRET",
        "JVB_AUTH_PASSWORD", "JIGASI_XMPP_PASSWORD", "DOCKER_HOST_ADDRESS", "JVB_TCP_PORT", "JVB_TCP_HARVESTER_DISABLED",
      ]))) == 0
    ])
    error_message = "A secret (or a removed/deprecated setting) appears in a container's plain environment."
  }

  assert {
    condition = (
      toset(flatten([for c in jsondecode(aws_ecs_task_definition.this.container_definitions) : [for s in c.secrets : s.name]])) ==
      toset(["JVB_ADVERTISE_IPS", "JICOFO_AUTH_PASSWORD", "JVB_AUTH_PASSWORD", "JWT_APP_SECRET"]) &&
      one([for c in jsondecode(aws_ecs_task_definition.this.container_definitions) :
        one([for s in c.secrets : s.valueFrom if s.name == "JVB_ADVERTISE_IPS"]) if c.name == "jvb"
      ]) == "arn:aws:ssm:us-east-1:123456789012:parameter/jitsi-test/jvb/advertise-ips"
    )
    error_message = "The two Jitsi auth passwords, JWT_APP_SECRET and JVB_ADVERTISE_IPS (from the advertise parameter) must come through secrets."
  }

  # The JWT signing key: prosody's `secrets` only, from its own parameter; the execution role may
  # resolve it at launch.
  assert {
    condition = (
      [for c in jsondecode(aws_ecs_task_definition.this.container_definitions) : c.name if anytrue([for s in c.secrets : s.name == "JWT_APP_SECRET"])] == ["prosody"] &&
      one(flatten([for c in jsondecode(aws_ecs_task_definition.this.container_definitions) :
        [for s in c.secrets : s.valueFrom if s.name == "JWT_APP_SECRET"]
      ])) == "arn:aws:ssm:us-east-1:123456789012:parameter/jitsi-test/jitsi/JWT_APP_SECRET" &&
      alltrue([for c in jsondecode(aws_ecs_task_definition.this.container_definitions) : !contains([for e in c.environment : e.name], "JWT_APP_SECRET")]) &&
      aws_ssm_parameter.secret["JWT_APP_SECRET"].name == "/jitsi-test/jitsi/JWT_APP_SECRET" &&
      aws_ssm_parameter.secret["JWT_APP_SECRET"].type == "SecureString" &&
      output.jwt_secret_parameter_name == "/jitsi-test/jitsi/JWT_APP_SECRET" &&
      output.jwt_secret_parameter_arn == "arn:aws:ssm:us-east-1:123456789012:parameter/jitsi-test/jitsi/JWT_APP_SECRET" &&
      contains(flatten([for st in jsondecode(aws_iam_role_policy.execution.policy).Statement : flatten([st.Resource]) if st.Sid == "ReadTaskSecrets"]),
      "arn:aws:ssm:us-east-1:123456789012:parameter/jitsi-test/jitsi/JWT_APP_SECRET")
    )
    error_message = "JWT_APP_SECRET must be a SecureString /<name>/jitsi/JWT_APP_SECRET reaching prosody only, through `secrets` (valueFrom its ARN, resolved by the execution role at launch), never `environment`."
  }

  assert {
    condition = (
      one([for c in jsondecode(aws_ecs_task_definition.this.container_definitions) :
        { for e in c.environment : e.name => e.value if contains(["JWT_APP_ID", "JWT_ACCEPTED_ISSUERS", "JWT_ACCEPTED_AUDIENCES"], e.name) } if c.name == "prosody"
      ]) == { JWT_APP_ID = "jitsi-test-0123456789ab", JWT_ACCEPTED_ISSUERS = "jitsi-test-0123456789ab", JWT_ACCEPTED_AUDIENCES = "jitsi-test-0123456789ab" }
    )
    error_message = "prosody's JWT_APP_ID, JWT_ACCEPTED_ISSUERS and JWT_ACCEPTED_AUDIENCES must all be var.jwt_app_id."
  }

  # The task definition carries exactly what container_settings reports (tests/jitsi.tftest.hcl checks the values).
  assert {
    condition = alltrue([for c in jsondecode(aws_ecs_task_definition.this.container_definitions) :
      { for e in c.environment : e.name => e.value } == output.container_settings[c.name].environment &&
      sort([for s in c.secrets : s.name]) == output.container_settings[c.name].secret_names &&
      c.healthCheck.command == ["CMD-SHELL", "${output.container_settings[c.name].health_check} || exit 1"]
    ])
    error_message = "container_settings does not match the container definitions sent to ECS."
  }

  assert {
    condition = (
      length(aws_ssm_parameter.secret) == 3 && alltrue([for p in aws_ssm_parameter.secret : p.type == "SecureString"]) &&
      aws_ssm_parameter.advertise_ips.type == "String" && aws_ssm_parameter.advertise_ips.value == "0.0.0.0"
    )
    error_message = "Secret parameters must be SecureString; advertise IPs a String with a placeholder."
  }

  assert {
    condition = alltrue([for p in aws_ssm_parameter.secret :
    nonsensitive(!strcontains(aws_ecs_task_definition.this.container_definitions, p.value) && length(p.value) == 64)])
    error_message = "A generated secret value leaked into the task definition (or was not generated)."
  }

  assert {
    condition = (
      alltrue([for st in jsondecode(aws_iam_role_policy.execution.policy).Statement : !contains(flatten([st.Resource]), "*")]) &&
      jsondecode(aws_iam_role_policy.task_exec.policy).Statement[0].Resource == "*" &&
      alltrue([for a in jsondecode(aws_iam_role_policy.task_exec.policy).Statement[0].Action : startswith(a, "ssmmessages:")])
    )
    error_message = "Execution role must be scoped; the task role may only use \"*\" for ssmmessages."
  }
}

run "jitsi_service_spot_service_connect_and_given_secrets" {
  module {
    source = "./modules/jitsi-service"
  }

  variables {
    name                   = "jitsi-test"
    subnet_id              = "subnet-0123456789abcdef0"
    security_group_id      = "sg-0123456789abcdef0"
    image_tag              = "stable-11031"
    use_fargate_spot       = true
    enable_service_connect = true
    container_insights     = true
    task_architecture      = "X86_64"
    public_url             = "https://meet.example.com"
    jwt_app_id             = "jitsi-test-0123456789ab"
    secret_values          = { JVB_AUTH_PASSWORD = "given-jvb-password-0123456789" }
  }

  assert {
    condition = (
      one(aws_ecs_service.this.capacity_provider_strategy).capacity_provider == "FARGATE_SPOT" &&
      aws_service_discovery_http_namespace.this[0].name == "jitsi-test.local" &&
      aws_ecs_service.this.service_connect_configuration[0].enabled &&
      one(aws_ecs_cluster.this.setting).value == "enabled" &&
      aws_ecs_task_definition.this.runtime_platform[0].cpu_architecture == "X86_64"
    )
    error_message = "Spot, Service Connect, Container Insights or architecture switches do not work."
  }

  assert {
    condition     = nonsensitive(aws_ssm_parameter.secret["JVB_AUTH_PASSWORD"].value == "given-jvb-password-0123456789")
    error_message = "A provided secret value must be stored as given."
  }

  assert {
    condition = one(flatten([for c in jsondecode(aws_ecs_task_definition.this.container_definitions) :
    [for e in c.environment : e.value if e.name == "PUBLIC_URL"] if c.name == "web"])) == "https://meet.example.com"
    error_message = "PUBLIC_URL must be set when a domain is configured."
  }
}

# jwt_app_id goes into prosody's Lua config in quotes and into comma-separated lists.
run "jitsi_service_rejects_an_unsafe_jwt_app_id" {
  command = plan

  module {
    source = "./modules/jitsi-service"
  }

  variables {
    name              = "jitsi-test"
    subnet_id         = "subnet-0123456789abcdef0"
    security_group_id = "sg-0123456789abcdef0"
    image_tag         = "stable-11031"
    jwt_app_id        = "a\",b"
  }

  expect_failures = [var.jwt_app_id]
}

# --- lambda-function module ----------------------------------------------------------------------

run "lambda_function_module" {
  module {
    source = "./modules/lambda-function"
  }

  variables {
    function_name       = "jitsi-test-start-meeting"
    zip_path            = "tests/fixtures/lambda/start-meeting/bootstrap.zip"
    environment         = { RUST_LOG = "info" }
    create_function_url = true
  }

  override_resource {
    target = aws_cloudwatch_log_group.this
    values = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/jitsi-test-start-meeting" }
  }

  assert {
    condition = (
      aws_lambda_function.this.runtime == "provided.al2023" && aws_lambda_function.this.handler == "bootstrap" &&
      one(aws_lambda_function.this.architectures) == "arm64" && aws_lambda_function.this.memory_size == 128 &&
      aws_lambda_function.this.timeout == 30 &&
      aws_lambda_function.this.source_code_hash == filebase64sha256("tests/fixtures/lambda/start-meeting/bootstrap.zip")
    )
    error_message = "Lambda runtime settings are wrong."
  }

  assert {
    condition = (
      aws_cloudwatch_log_group.this.name == "/aws/lambda/jitsi-test-start-meeting" &&
      aws_cloudwatch_log_group.this.retention_in_days == 7 &&
      jsondecode(aws_iam_role_policy.logs.policy).Statement[0].Resource == "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/jitsi-test-start-meeting:*" &&
      aws_lambda_function_url.this[0].authorization_type == "NONE"
    )
    error_message = "Log group, log permissions or Function URL are wrong."
  }
}
