# Offline wiring tests: the AWS provider is mocked, nothing leaves this machine.

mock_provider "aws" {
  # Mocked computed values are random strings; everything passed on to an attribute the provider
  # validates as an ARN needs a valid shape.
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012", arn = "arn:aws:iam::123456789012:user/test", user_id = "TEST" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
  }
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
  mock_data "aws_availability_zones" {
    defaults = { names = ["us-east-1a", "us-east-1b"] }
  }
  mock_resource "aws_ecs_cluster" {
    defaults = { arn = "arn:aws:ecs:us-east-1:123456789012:cluster/jitsi-on-demand" }
  }
  mock_resource "aws_ecs_service" {
    defaults = { id = "arn:aws:ecs:us-east-1:123456789012:service/jitsi-on-demand/jitsi-on-demand" }
  }
  mock_resource "aws_ecs_task_definition" {
    defaults = { arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/jitsi-on-demand:1" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mock" }
  }
  mock_resource "aws_ssm_parameter" {
    defaults = { arn = "arn:aws:ssm:us-east-1:123456789012:parameter/mock" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:mock" }
  }
  mock_resource "aws_lb_target_group" {
    defaults = { arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/mock/0123456789abcdef" }
  }
  mock_resource "aws_lambda_function" {
    defaults = { arn = "arn:aws:lambda:us-east-1:123456789012:function:mock" }
  }
  mock_resource "aws_lambda_function_url" {
    defaults = { function_url = "https://mock.lambda-url.us-east-1.on.aws/" }
  }
  mock_resource "aws_cloudwatch_event_rule" {
    defaults = { arn = "arn:aws:events:us-east-1:123456789012:rule/mock" }
  }
  mock_resource "aws_acm_certificate" {
    defaults = { arn = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000" }
  }
  mock_resource "aws_service_discovery_http_namespace" {
    defaults = { arn = "arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-mock" }
  }
}

variables {
  lambda_dist_dir   = "tests/fixtures/lambda"
  start_secret_hash = "0000000000000000000000000000000000000000000000000000000000000000"
}

run "trial_mode_wiring" {
  assert {
    condition = alltrue([for k in [
      "CLUSTER_NAME", "SERVICE_NAME", "SUBNET_ID", "JVB_TARGET_GROUP_ARN", "WEB_TARGET_GROUP_ARN",
      "LOAD_BALANCER_NAME", "ADVERTISE_IPS_PARAMETER", "START_SECRET_HASH_PARAMETER", "STACK_TAG",
      "CERTIFICATE_ARN", "HOSTED_ZONE_ID", "MEETING_HOSTNAME", "GRACE_MINUTES", "NO_SHOW_MINUTES",
      "IDLE_MINUTES", "MAX_MEETING_MINUTES", "RUST_LOG",
    ] : contains(keys(local.lambda_environment), k)]) && length(local.lambda_environment) == 17
    error_message = "The Lambda environment does not match the contract with the Rust functions."
  }

  assert {
    condition = (
      local.lambda_environment.CERTIFICATE_ARN == "" && local.lambda_environment.HOSTED_ZONE_ID == "" &&
      local.lambda_environment.MEETING_HOSTNAME == "" && local.lambda_environment.STACK_TAG == "jitsi-on-demand" &&
      local.lambda_environment.LOAD_BALANCER_NAME == "jitsi-on-demand-meeting" &&
      local.lambda_environment.SUBNET_ID == module.network.public_subnet_ids[0] &&
      local.lambda_environment.GRACE_MINUTES == "10" && local.lambda_environment.NO_SHOW_MINUTES == "15" &&
      local.lambda_environment.IDLE_MINUTES == "10" && local.lambda_environment.MAX_MEETING_MINUTES == "480" &&
      local.lambda_environment.ADVERTISE_IPS_PARAMETER == "/jitsi-on-demand/jvb/advertise-ips" &&
      local.lambda_environment.START_SECRET_HASH_PARAMETER == aws_ssm_parameter.start_secret_hash.name
    )
    error_message = "Trial-mode Lambda environment values are wrong."
  }

  assert {
    condition     = length(local.load_balancer_name) <= 32
    error_message = "The per-meeting NLB name exceeds 32 characters."
  }

  # "*" only where AWS supports nothing narrower.
  assert {
    condition = alltrue(flatten([
      for f in values(local.functions) : [
        for doc in values(f.policies) : [
          for st in jsondecode(doc).Statement :
          !contains(flatten([st.Resource]), "*") || contains(["ElbDescribe", "Ec2DescribeAddresses", "ReadNlbFlowMetrics"], st.Sid)
        ]
      ]
    ]))
    error_message = "A Lambda policy uses Resource \"*\" outside the documented Describe/GetMetricData statements."
  }

  assert {
    condition = alltrue([
      for st in jsondecode(local.reconcile_policy).Statement :
      contains(["ElbDescribe", "Ec2DescribeAddresses"], st.Sid) || !anytrue([for a in flatten([st.Action]) : endswith(a, "*")])
    ])
    error_message = "A reconcile statement uses a wildcard action."
  }

  assert {
    condition = alltrue([
      for st in jsondecode(local.reconcile_policy).Statement :
      can(st.Condition) if contains(["EcsListTasks", "EcsTasks", "ElbCreateTaggedMeetingNlb", "ElbTagOnCreate", "ElbServiceLinkedRole", "Ec2AllocateTaggedEip", "Ec2TagOnAllocate", "Ec2ReleaseOwnEip"], st.Sid)
    ]) && length([for st in jsondecode(local.reconcile_policy).Statement : st if can(st.Condition)]) == 8
    error_message = "Create/tag/release and task statements must carry their conditions."
  }

  assert {
    condition = (
      one([for st in jsondecode(local.reconcile_policy).Statement : st if st.Sid == "ElbCreateTaggedMeetingNlb"]).Condition.StringEquals["aws:RequestTag/jitsi-on-demand:stack"] == "jitsi-on-demand" &&
      one([for st in jsondecode(local.reconcile_policy).Statement : st if st.Sid == "ElbTagOnCreate"]).Condition.StringEquals["elasticloadbalancing:CreateAction"] == "CreateLoadBalancer" &&
      one([for st in jsondecode(local.reconcile_policy).Statement : st if st.Sid == "Ec2TagOnAllocate"]).Condition.StringEquals["ec2:CreateAction"] == "AllocateAddress" &&
      one([for st in jsondecode(local.reconcile_policy).Statement : st if st.Sid == "Ec2ReleaseOwnEip"]).Condition.StringEquals["aws:ResourceTag/jitsi-on-demand:stack"] == "jitsi-on-demand" &&
      one([for st in jsondecode(local.reconcile_policy).Statement : st if st.Sid == "EcsListTasks"]).Condition.ArnEquals["ecs:cluster"] == module.jitsi.cluster_arn &&
      one([for st in jsondecode(local.reconcile_policy).Statement : st if st.Sid == "ElbManageMeetingNlb"]).Resource == "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/jitsi-on-demand-meeting/*"
    )
    error_message = "Reconcile policy conditions or ARN patterns are wrong."
  }

  assert {
    condition     = !strcontains(local.reconcile_policy, "route53")
    error_message = "Without a hosted zone the functions must not get Route 53 permissions."
  }

  assert {
    condition = (
      join(",", sort(keys(local.functions["task-state"].policies))) == "reconcile" &&
      join(",", sort(keys(local.functions["start-meeting"].policies))) == "reconcile,start-secret" &&
      join(",", sort(keys(local.functions["stop-meeting"].policies))) == "metrics,reconcile,start-secret"
    )
    error_message = "Per-function policy sets are wrong."
  }

  assert {
    condition = (
      aws_lb_target_group.jvb.protocol == "UDP" && aws_lb_target_group.jvb.port == 10000 &&
      aws_lb_target_group.jvb.target_type == "ip" && aws_lb_target_group.jvb.health_check[0].protocol == "HTTP" &&
      aws_lb_target_group.jvb.health_check[0].port == "8080" && aws_lb_target_group.jvb.health_check[0].path == "/about/health" &&
      aws_lb_target_group.jvb.deregistration_delay == "10" && aws_lb_target_group.jvb.connection_termination == true
    )
    error_message = "JVB target group is wrong."
  }

  assert {
    condition = (
      aws_lb_target_group.web.protocol == "TCP" && aws_lb_target_group.web.port == 443 &&
      aws_lb_target_group.web.target_type == "ip" && aws_lb_target_group.web.health_check[0].protocol == "TCP"
    )
    error_message = "Trial-mode web target group must be TCP 443 passthrough."
  }

  assert {
    condition = (
      length(aws_acm_certificate.meeting) == 0 && length(aws_route53_record.certificate_validation) == 0 &&
      jsondecode(aws_cloudwatch_event_rule.task_state.event_pattern).detail.clusterArn == [module.jitsi.cluster_arn] &&
      jsondecode(aws_cloudwatch_event_rule.task_state.event_pattern)["detail-type"] == ["ECS Task State Change"] &&
      aws_cloudwatch_event_rule.reconcile_tick.schedule_expression == "rate(1 minute)"
    )
    error_message = "Events or optional-domain resources are wrong."
  }

  assert {
    condition = (
      module.lambda["start-meeting"].function_url != null && module.lambda["stop-meeting"].function_url != null &&
      module.lambda["task-state"].function_url == null
    )
    error_message = "start-meeting and stop-meeting need Function URLs, task-state none."
  }

  assert {
    condition = (
      aws_ssm_parameter.start_secret_hash.type == "SecureString" &&
      !strcontains(jsonencode(output.commands), var.start_secret_hash) &&
      strcontains(output.commands.start, "$JITSI_START_SECRET") &&
      startswith(output.meeting_url, "no custom domain")
    )
    error_message = "Secret handling or outputs are wrong."
  }
}

run "custom_domain_wiring" {
  variables {
    hosted_zone_id   = "Z0123456789ABCDEFGHIJ"
    meeting_hostname = "meet.example.com"
  }

  override_resource {
    target = aws_acm_certificate.meeting[0]
    values = {
      arn = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-1111-1111-1111-111111111111"
      domain_validation_options = [{
        domain_name           = "meet.example.com"
        resource_record_name  = "_x1.meet.example.com."
        resource_record_type  = "CNAME"
        resource_record_value = "_x2.acm-validations.aws."
      }]
    }
  }

  assert {
    condition = (
      local.lambda_environment.CERTIFICATE_ARN == aws_acm_certificate_validation.meeting[0].certificate_arn &&
      local.lambda_environment.CERTIFICATE_ARN != "" &&
      local.lambda_environment.HOSTED_ZONE_ID == "Z0123456789ABCDEFGHIJ" &&
      local.lambda_environment.MEETING_HOSTNAME == "meet.example.com"
    )
    error_message = "Custom-domain Lambda environment is wrong."
  }

  assert {
    condition = (
      aws_acm_certificate.meeting[0].domain_name == "meet.example.com" &&
      aws_acm_certificate.meeting[0].validation_method == "DNS" &&
      aws_lb_target_group.web.protocol == "TLS" &&
      aws_route53_record.certificate_validation["meet.example.com"].name == "_x1.meet.example.com." &&
      output.meeting_url == "https://meet.example.com/"
    )
    error_message = "Custom-domain certificate, web target group or meeting URL is wrong."
  }

  assert {
    condition = anytrue([
      for st in jsondecode(local.reconcile_policy).Statement :
      st.Resource == "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ" && contains(st.Action, "route53:ChangeResourceRecordSets")
    ])
    error_message = "Route 53 permissions must be scoped to the configured hosted zone."
  }

  assert {
    condition = (
      one([for st in jsondecode(local.reconcile_policy).Statement : st if st.Sid == "MeetingDnsRecord"]).Condition["ForAllValues:StringEquals"] == {
        "route53:ChangeResourceRecordSetsNormalizedRecordNames" = ["meet.example.com"]
        "route53:ChangeResourceRecordSetsRecordTypes"           = ["A"]
        "route53:ChangeResourceRecordSetsActions"               = ["UPSERT", "DELETE"]
      }
    )
    error_message = "Route 53 changes must be limited to the meeting host name's A record."
  }
}

run "half_configured_domain_is_rejected" {
  command = plan

  variables {
    hosted_zone_id = "Z0123456789ABCDEFGHIJ"
  }

  expect_failures = [var.meeting_hostname]
}

run "bad_secret_hash_is_rejected" {
  command = plan

  variables {
    start_secret_hash = "not-a-sha256"
  }

  expect_failures = [var.start_secret_hash]
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
    image_tag         = "stable-10431"
  }

  override_resource {
    target = aws_ssm_parameter.advertise_ips
    values = { arn = "arn:aws:ssm:us-east-1:123456789012:parameter/jitsi-test/jvb/advertise-ips" }
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
        endswith(c.image, ":stable-10431") && c.memoryReservation > 0 && length(c.healthCheck.command) == 2 &&
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
      toset(["JVB_ADVERTISE_IPS", "JICOFO_COMPONENT_SECRET", "JICOFO_AUTH_PASSWORD", "JVB_COMPONENT_SECRET", "JVB_AUTH_PASSWORD", "JIGASI_XMPP_PASSWORD"]) &&
      one([for c in jsondecode(aws_ecs_task_definition.this.container_definitions) :
        one([for s in c.secrets : s.valueFrom if s.name == "JVB_ADVERTISE_IPS"]) if c.name == "jvb"
      ]) == "arn:aws:ssm:us-east-1:123456789012:parameter/jitsi-test/jvb/advertise-ips"
    )
    error_message = "The five Jitsi secrets and JVB_ADVERTISE_IPS (from the advertise parameter) must come through secrets."
  }

  assert {
    condition = alltrue([
      for pair in [["jvb", "COLIBRI_REST_ENABLED", "true"], ["jvb", "JVB_PORT", "10000"], ["jicofo", "JICOFO_ENABLE_HEALTH_CHECKS", "true"],
      ["web", "ENABLE_LETSENCRYPT", "0"], ["web", "XMPP_SERVER", "localhost"], ["prosody", "XMPP_BOSH_URL_BASE", "http://localhost:5280"]] :
      one(flatten([for c in jsondecode(aws_ecs_task_definition.this.container_definitions) :
      [for e in c.environment : e.value if e.name == pair[1]] if c.name == pair[0]])) == pair[2]
    ])
    error_message = "Required Jitsi environment settings are missing."
  }

  assert {
    condition = (
      length(aws_ssm_parameter.secret) == 5 && alltrue([for p in aws_ssm_parameter.secret : p.type == "SecureString"]) &&
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
    image_tag              = "stable-10431"
    use_fargate_spot       = true
    enable_service_connect = true
    container_insights     = true
    task_architecture      = "X86_64"
    public_url             = "https://meet.example.com"
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
