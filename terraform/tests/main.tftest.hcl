# Offline wiring tests of the root module: the AWS provider is mocked, nothing leaves this machine.
# Also here: tests/jitsi.tftest.hcl (the Jitsi container settings), tests/modules.tftest.hcl (one
# module at a time), tests/validation.tftest.hcl (rejected variable values).

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  lambda_dist_dir   = "tests/fixtures/lambda"
  start_secret_hash = "0000000000000000000000000000000000000000000000000000000000000000"
}

run "trial_mode_wiring" {
  # Every mocked parameter has the same ARN; give the JWT key's its own so the policy checks can tell.
  override_resource {
    target = module.jitsi.aws_ssm_parameter.secret["JWT_APP_SECRET"]
    values = { arn = "arn:aws:ssm:us-east-1:123456789012:parameter/jitsi-on-demand/jitsi/JWT_APP_SECRET" }
  }

  assert {
    condition = alltrue([for k in [
      "CLUSTER_NAME", "SERVICE_NAME", "SUBNET_ID", "JVB_TARGET_GROUP_ARN", "WEB_TARGET_GROUP_ARN",
      "LOAD_BALANCER_NAME", "ADVERTISE_IPS_PARAMETER", "START_SECRET_HASH_PARAMETER", "JWT_APP_ID",
      "JWT_SECRET_PARAMETER", "STACK_TAG", "CERTIFICATE_ARN", "HOSTED_ZONE_ID", "MEETING_HOSTNAME",
      "DNS_IDLE_ADDRESS", "GRACE_MINUTES", "NO_SHOW_MINUTES", "IDLE_MINUTES", "MAX_MEETING_MINUTES", "RUST_LOG",
      "ACME_DIRECTORY_URL", "CERTIFICATES_PARAMETER_PATH", "ACME_ACCOUNT_PARAMETER", "ACME_EXTRA_ROOTS_PARAMETER",
      "WEB_HTTP_TARGET_GROUP_ARN", "SCHEDULED_MEETINGS", "SCHEDULE_LEAD_MINUTES", "MANUAL_STOP_PARAMETER",
      "WEBHOOK_URL_PARAMETER", "WEBHOOK_FORMAT", "NOTIFICATIONS_PARAMETER_PATH", "TASK_CPU", "TASK_MEMORY",
      "TASK_ARCHITECTURE", "FARGATE_SPOT",
    ] : contains(keys(local.lambda_environment), k)]) && length(local.lambda_environment) == 35
    error_message = "The Lambda environment does not match the contract with the Rust functions."
  }

  assert {
    condition = (
      local.lambda_environment.CERTIFICATE_ARN == "" && local.lambda_environment.HOSTED_ZONE_ID == "" &&
      local.lambda_environment.MEETING_HOSTNAME == "" && lookup(local.lambda_environment, "DNS_IDLE_ADDRESS", null) == "" &&
      local.lambda_environment.STACK_TAG == "jitsi-on-demand" &&
      local.lambda_environment.LOAD_BALANCER_NAME == "jitsi-on-demand-meeting" &&
      local.lambda_environment.SUBNET_ID == module.network.public_subnet_ids[0] &&
      local.lambda_environment.GRACE_MINUTES == "10" && local.lambda_environment.NO_SHOW_MINUTES == "15" &&
      local.lambda_environment.IDLE_MINUTES == "10" && local.lambda_environment.MAX_MEETING_MINUTES == "480" &&
      local.lambda_environment.ADVERTISE_IPS_PARAMETER == "/jitsi-on-demand/jvb/advertise-ips" &&
      local.lambda_environment.START_SECRET_HASH_PARAMETER == aws_ssm_parameter.start_secret_hash.name
    )
    error_message = "Trial-mode Lambda environment values are wrong."
  }

  # Token authentication (auth.tf): the app id and the NAME of the signing key's parameter.
  assert {
    condition = (
      can(regex("^jitsi-on-demand-[0-9a-f]{12}$", lookup(local.lambda_environment, "JWT_APP_ID", ""))) &&
      lookup(local.lambda_environment, "JWT_APP_ID", "") == local.jwt_app_id &&
      lookup(local.lambda_environment, "JWT_SECRET_PARAMETER", "") == "/jitsi-on-demand/jitsi/JWT_APP_SECRET" &&
      lookup(local.lambda_environment, "JWT_SECRET_PARAMETER", "") == module.jitsi.jwt_secret_parameter_name
    )
    error_message = "JWT_APP_ID must be the deployment's app id <name>-<12 hex> (the one prosody accepts), JWT_SECRET_PARAMETER the name of the /<name>/jitsi/JWT_APP_SECRET parameter prosody gets its key from."
  }

  assert {
    condition     = alltrue([for k, v in local.lambda_environment : !strcontains(k, "SECRET") || endswith(k, "_PARAMETER")])
    error_message = "The Lambda environment carries secrets only by parameter name (*_PARAMETER), never a secret value."
  }

  assert {
    condition = (
      jsondecode(local.functions["start-meeting"].policies["jwt-secret"]).Statement == [{
        Sid      = "ReadJwtSigningKey"
        Effect   = "Allow"
        Action   = ["ssm:GetParameter"]
        Resource = "arn:aws:ssm:us-east-1:123456789012:parameter/jitsi-on-demand/jitsi/JWT_APP_SECRET"
      }] &&
      alltrue(flatten([for name, f in local.functions : [
        for doc in values(f.policies) : !strcontains(doc, "JWT_APP_SECRET") if name != "start-meeting"
      ]])) &&
      length([for doc in values(local.functions["start-meeting"].policies) : doc if strcontains(doc, "JWT_APP_SECRET")]) == 1
    )
    error_message = "Only start-meeting (which signs the moderator tokens at cold start) may read the JWT signing key: one ssm:GetParameter on exactly its parameter, no kms statement (AWS managed aws/ssm key); task-state and stop-meeting no access."
  }

  assert {
    condition     = local.load_balancer_name == "${var.name}${local.load_balancer_suffix}" && length(local.load_balancer_name) <= 32
    error_message = "The per-meeting NLB name must be <name>-meeting (what var.name's validations check) and at most 32 characters."
  }

  # "*" only where AWS authorizes nothing narrower, each with its reason (as in tests/iam_policy_check.py).
  assert {
    condition = alltrue(flatten([
      for f in values(local.functions) : [
        for doc in values(f.policies) : [
          for st in jsondecode(doc).Statement :
          !contains(flatten([st.Resource]), "*") || contains([
            "ElbDescribe",          # ELB Describe* support no resource-level permissions
            "Ec2DescribeAddresses", # EC2 Describe* support no resource-level permissions
            "Ec2DescribeForElb",    # checked on the caller of CreateLoadBalancer/RegisterTargets (elb-api-permissions)
            "EcsListTasks",         # ListTasks without a container instance is authorized against "*", scoped by ecs:cluster
            "ReadNlbFlowMetrics",   # GetMetricData has no resource type
          ], st.Sid)
        ]
      ]
    ]))
    error_message = "A Lambda policy uses Resource \"*\" outside the statements AWS authorizes only against \"*\"."
  }

  assert {
    condition = (
      one([for st in jsondecode(local.reconcile_policy).Statement : st if st.Sid == "EcsListTasks"]).Resource == "*" &&
      one([for st in jsondecode(local.reconcile_policy).Statement : st if st.Sid == "EcsListTasks"]).Condition == {
        ArnEquals = { "ecs:cluster" = module.jitsi.cluster_arn }
      } &&
      !strcontains(local.reconcile_policy, ":container-instance/")
    )
    error_message = "ecs:ListTasks (no container instance in the request) is authorized against \"*\": Resource \"*\" with ArnEquals ecs:cluster = this cluster (ECS guide, security_iam_id-based-policy-examples)."
  }

  assert {
    condition = toset(try(one([for st in jsondecode(local.reconcile_policy).Statement : st if st.Sid == "Ec2DescribeForElb"]).Action, [])) == toset([
      "ec2:DescribeAccountAttributes", "ec2:DescribeInstances", "ec2:DescribeInternetGateways",
      "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs",
    ]) && anytrue([for st in jsondecode(local.reconcile_policy).Statement : contains(flatten([st.Action]), "ec2:DescribeAddresses") && st.Resource == "*"])
    error_message = "The caller of CreateLoadBalancer needs ec2:DescribeAccountAttributes/Addresses/InternetGateways/SecurityGroups/Subnets/Vpcs, of RegisterTargets also DescribeInstances (ELB guide, elb-api-permissions)."
  }

  assert {
    condition = alltrue([
      for st in jsondecode(local.reconcile_policy).Statement : !anytrue([for a in flatten([st.Action]) : strcontains(a, "*")])
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
      one([for st in jsondecode(local.reconcile_policy).Statement : st if st.Sid == "ElbCreateTaggedMeetingNlb"]).Condition.StringEquals == { "aws:RequestTag/jitsi-on-demand:stack" = "jitsi-on-demand" } &&
      one([for st in jsondecode(local.reconcile_policy).Statement : st if st.Sid == "ElbTagOnCreate"]).Condition.StringEquals["elasticloadbalancing:CreateAction"] == "CreateLoadBalancer" &&
      one([for st in jsondecode(local.reconcile_policy).Statement : st if st.Sid == "Ec2TagOnAllocate"]).Condition.StringEquals["ec2:CreateAction"] == "AllocateAddress" &&
      one([for st in jsondecode(local.reconcile_policy).Statement : st if st.Sid == "Ec2ReleaseOwnEip"]).Condition.StringEquals["aws:ResourceTag/jitsi-on-demand:stack"] == "jitsi-on-demand" &&
      one([for st in jsondecode(local.reconcile_policy).Statement : st if st.Sid == "ElbManageMeetingNlb"]).Resource == "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/jitsi-on-demand-meeting/*"
    )
    error_message = "Reconcile policy conditions or ARN patterns are wrong."
  }

  assert {
    condition     = !strcontains(local.reconcile_policy, "jitsi-on-demand:allocation")
    error_message = "The functions send only the jitsi-on-demand:stack tag on CreateLoadBalancer/AllocateAddress: no policy may require another."
  }

  assert {
    condition     = !strcontains(local.reconcile_policy, "route53")
    error_message = "Without a hosted zone the functions must not get Route 53 permissions."
  }

  assert {
    condition = (
      join(",", sort(keys(local.functions["task-state"].policies))) == "reconcile" &&
      join(",", sort(keys(local.functions["start-meeting"].policies))) == "jwt-secret,reconcile,start-secret" &&
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
      aws_lb_target_group.web.target_type == "ip" && aws_lb_target_group.web.health_check[0].protocol == "TCP" &&
      aws_lb_target_group.web.health_check[0].port == "traffic-port" && aws_lb_target_group.web.preserve_client_ip == "false"
    )
    error_message = "Trial-mode web target group must be TCP 443 passthrough, checked on its traffic port, without client IP preservation (the security group admits it from the VPC only)."
  }

  # The task security group admits exactly what the listeners and the health checks need.
  assert {
    condition = length(module.network.task_ingress) == 4 && anytrue([
      for r in values(module.network.task_ingress) :
      r.protocol == "udp" && r.port == aws_lb_target_group.jvb.port && r.to_port == r.port && r.cidr == "0.0.0.0/0"
    ])
    error_message = "The task security group must admit UDP 10000 from 0.0.0.0/0: UDP target groups always preserve client IPs (NLB guide, edit-target-group-attributes)."
  }

  # Without a domain (lets_encrypt on by default): the port 80 group, the functions told where the
  # records and the account live, task-state given Lambda's longest timeout for an order.
  assert {
    condition = (
      output.https_mode == "lets_encrypt" &&
      aws_lb_target_group.http[0].protocol == "TCP" && aws_lb_target_group.http[0].port == 80 &&
      aws_lb_target_group.http[0].health_check[0].port == "traffic-port" && aws_lb_target_group.http[0].preserve_client_ip == "false" &&
      local.lambda_environment.ACME_DIRECTORY_URL == "https://acme-v02.api.letsencrypt.org/directory" &&
      local.lambda_environment.CERTIFICATES_PARAMETER_PATH == "/${var.name}/certificates" &&
      local.lambda_environment.ACME_ACCOUNT_PARAMETER == "/${var.name}/acme/account" &&
      local.lambda_environment.ACME_EXTRA_ROOTS_PARAMETER == "" &&
      module.lambda["task-state"].timeout == 900 && module.lambda["start-meeting"].timeout == 30 &&
      module.lambda["stop-meeting"].timeout == 30
    )
    error_message = "Without a domain: a TCP 80 target group for the ACME http-01 challenge, the ACME settings in the functions' environment, and task-state (which orders) at 900 s while the public functions stay at 30 s."
  }

  assert {
    condition = alltrue([
      for hc_port in [tonumber(aws_lb_target_group.jvb.health_check[0].port), aws_lb_target_group.web.port, aws_lb_target_group.http[0].port] :
      anytrue([for r in values(module.network.task_ingress) :
      r.protocol == "tcp" && r.port == hc_port && r.to_port == hc_port && r.cidr == var.vpc_cidr])
    ])
    error_message = "The task security group must admit each target group's health-check port (JVB 8080, web traffic port 443) over TCP from the VPC CIDR: NLB health checks come from the load balancer's private IPs."
  }

  assert {
    condition     = alltrue([for r in values(module.network.task_ingress) : r.cidr == var.vpc_cidr if r.protocol == "tcp"])
    error_message = "No TCP port of the task may be open to the internet: TCP/TLS traffic and all health checks come from the NLB nodes in the VPC."
  }

  assert {
    condition = (
      length(aws_acm_certificate.meeting) == 0 && length(aws_route53_record.certificate_validation) == 0 &&
      length(aws_route53_record.meeting) == 0 &&
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
      lookup(local.lambda_environment, "JWT_APP_ID", "") == local.jwt_app_id &&
      lookup(local.lambda_environment, "JWT_SECRET_PARAMETER", "") == "/jitsi-on-demand/jitsi/JWT_APP_SECRET" &&
      join(",", sort(keys(local.functions["start-meeting"].policies))) == "jwt-secret,reconcile,start-secret"
    )
    error_message = "With a custom domain the token settings are the same: JWT_APP_ID, JWT_SECRET_PARAMETER, and only start-meeting reads the key."
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
      aws_lb_target_group.web.protocol == "TLS" && aws_lb_target_group.web.preserve_client_ip == "false" &&
      aws_route53_record.certificate_validation["meet.example.com"].name == "_x1.meet.example.com." &&
      output.meeting_url == "https://meet.example.com/"
    )
    error_message = "Custom-domain certificate, web target group or meeting URL is wrong."
  }

  # The meeting host name always resolves: Terraform creates its A record at the idle placeholder.
  assert {
    condition = (
      aws_route53_record.meeting[0].zone_id == "Z0123456789ABCDEFGHIJ" && aws_route53_record.meeting[0].name == "meet.example.com" &&
      aws_route53_record.meeting[0].type == "A" && aws_route53_record.meeting[0].ttl == 60 &&
      aws_route53_record.meeting[0].records == toset(["192.0.2.1"]) && aws_route53_record.meeting[0].allow_overwrite
    )
    error_message = "With a custom domain Terraform must create the meeting host name's A record (TTL 60, allow_overwrite) at 192.0.2.1 (RFC 5737 TEST-NET-1): a record that comes and goes leaves NXDOMAIN in resolver caches for 900 s."
  }

  assert {
    condition     = lookup(local.lambda_environment, "DNS_IDLE_ADDRESS", null) == one(aws_route53_record.meeting[0].records) && local.lambda_environment.DNS_IDLE_ADDRESS == local.dns_idle_address
    error_message = "DNS_IDLE_ADDRESS must be the address the record is created with (one local for both), so a stop restores exactly it."
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
        "route53:ChangeResourceRecordSetsActions"               = ["UPSERT"]
      }
    )
    error_message = "Route 53 changes must be limited to UPSERTs of the meeting host name's A record: the functions never DELETE it."
  }

  assert {
    condition = (
      output.https_mode == "acm" && length(aws_lb_target_group.http) == 0 &&
      local.lambda_environment.ACME_DIRECTORY_URL == "" && local.lambda_environment.WEB_HTTP_TARGET_GROUP_ARN == "" &&
      length(module.network.task_ingress) == 3 && module.lambda["task-state"].timeout == 30 &&
      length([for st in jsondecode(local.reconcile_policy).Statement : st if startswith(st.Sid, "Certificate")]) == 0
    )
    error_message = "With a custom domain ACM serves TLS: no Let's Encrypt group, settings, port 80 ingress, long timeout or SSM record grants."
  }
}

run "self_signed_without_lets_encrypt" {
  variables {
    lets_encrypt = false
  }

  assert {
    condition = (
      output.https_mode == "self_signed" && length(aws_lb_target_group.http) == 0 &&
      local.lambda_environment.ACME_DIRECTORY_URL == "" && length(module.network.task_ingress) == 3 &&
      module.jitsi.container_settings.web.environment.ENABLE_HTTP_REDIRECT == "1" &&
      length(module.jitsi.container_settings.web.entry_point) == 0
    )
    error_message = "lets_encrypt = false keeps the self-signed certificate: no port 80 group or ingress, no ACME settings, the image's own entry point and redirect."
  }
}

run "lets_encrypt_grants_only_the_records_and_the_account" {
  variables {
    acme_directory_url           = "https://acme-staging-v02.api.letsencrypt.org/directory"
    acme_extra_trusted_roots_pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
  }

  assert {
    condition = (
      local.lambda_environment.ACME_DIRECTORY_URL == "https://acme-staging-v02.api.letsencrypt.org/directory" &&
      local.lambda_environment.ACME_EXTRA_ROOTS_PARAMETER == "/${var.name}/acme/extra-trusted-roots" &&
      aws_ssm_parameter.acme_extra_roots[0].type == "String" &&
      one([for st in jsondecode(local.reconcile_policy).Statement : st if st.Sid == "CertificateRecordsRead"]).Resource ==
      "arn:aws:ssm:us-east-1:123456789012:parameter/${var.name}/certificates" &&
      one([for st in jsondecode(local.reconcile_policy).Statement : st if st.Sid == "CertificateRecordsWrite"]).Resource ==
      "arn:aws:ssm:us-east-1:123456789012:parameter/${var.name}/certificates/*"
    )
    error_message = "GetParametersByPath is authorized against the path itself, Put/DeleteParameter against the records under it; the extra roots are a String parameter named in the environment."
  }
}

run "acme_directory_must_be_https" {
  command = plan
  variables {
    acme_directory_url = "http://acme.example.org/directory"
  }
  expect_failures = [var.acme_directory_url]
}
