locals {
  # The environment contract with the Rust functions: the same variables for all three. JWT_APP_ID
  # and JWT_SECRET_PARAMETER (auth.tf): the app id (iss and aud of the moderator tokens) and the NAME
  # of the SecureString parameter holding their signing key, never the key itself.
  lambda_environment = {
    CLUSTER_NAME                 = module.jitsi.cluster_name
    SERVICE_NAME                 = module.jitsi.service_name
    SUBNET_ID                    = module.network.public_subnet_ids[0]
    JVB_TARGET_GROUP_ARN         = aws_lb_target_group.jvb.arn
    WEB_TARGET_GROUP_ARN         = aws_lb_target_group.web.arn
    LOAD_BALANCER_NAME           = local.load_balancer_name
    ADVERTISE_IPS_PARAMETER      = module.jitsi.advertise_ips_parameter_name
    START_SECRET_HASH_PARAMETER  = aws_ssm_parameter.start_secret_hash.name
    JWT_APP_ID                   = local.jwt_app_id
    JWT_SECRET_PARAMETER         = module.jitsi.jwt_secret_parameter_name
    STACK_TAG                    = var.name
    CERTIFICATE_ARN              = local.custom_domain ? aws_acm_certificate_validation.meeting[0].certificate_arn : ""
    HOSTED_ZONE_ID               = local.custom_domain ? var.hosted_zone_id : ""
    MEETING_HOSTNAME             = local.custom_domain ? var.meeting_hostname : ""
    DNS_IDLE_ADDRESS             = local.custom_domain ? local.dns_idle_address : ""
    GRACE_MINUTES                = tostring(var.grace_minutes)
    NO_SHOW_MINUTES              = tostring(var.no_show_minutes)
    IDLE_MINUTES                 = tostring(var.idle_minutes)
    MAX_MEETING_MINUTES          = tostring(var.max_meeting_minutes)
    ACME_DIRECTORY_URL           = local.lets_encrypt ? var.acme_directory_url : ""
    CERTIFICATES_PARAMETER_PATH  = local.lets_encrypt ? local.certificates_path : ""
    ACME_ACCOUNT_PARAMETER       = local.lets_encrypt ? local.acme_account_parameter : ""
    ACME_EXTRA_ROOTS_PARAMETER   = join("", aws_ssm_parameter.acme_extra_roots[*].name)
    WEB_HTTP_TARGET_GROUP_ARN    = join("", aws_lb_target_group.http[*].arn)
    SCHEDULED_MEETINGS           = local.scheduled_meetings_setting
    SCHEDULE_LEAD_MINUTES        = tostring(var.scheduled_meeting_lead_minutes)
    MANUAL_STOP_PARAMETER        = length(local.windows) > 0 ? local.manual_stop_parameter : ""
    WEBHOOK_URL_PARAMETER        = join("", aws_ssm_parameter.webhook_url[*].name)
    WEBHOOK_FORMAT               = var.webhook_format
    NOTIFICATIONS_PARAMETER_PATH = local.notifications ? local.notifications_path : ""
    # The end notification prices the meeting as make cost does (pricing/).
    TASK_CPU          = tostring(var.task_cpu)
    TASK_MEMORY       = tostring(var.task_memory)
    TASK_ARCHITECTURE = var.task_architecture
    FARGATE_SPOT      = tostring(var.use_fargate_spot)
    RUST_LOG          = "info"
  }

  functions = {
    start-meeting = {
      description = "Starts a meeting: NLB with Elastic IPs, advertise IPs, desired count 1 (Function URL)"
      url         = true
      timeout     = 30
      policies    = { reconcile = local.reconcile_policy, start-secret = local.read_start_secret_policy, jwt-secret = local.read_jwt_secret_policy }
    }
    task-state = {
      description = "Registers the task IP on the target groups on ECS task state changes"
      url         = false
      # It also orders the meeting's certificate, which may wait minutes for the address to route
      # (shared/src/certificate/mod.rs): Lambda's maximum, 15 minutes.
      timeout  = local.lets_encrypt ? 900 : 30
      policies = merge({ reconcile = local.reconcile_policy }, local.notifications ? { notifications = local.notifications_policy } : {})
    }
    stop-meeting = {
      description = "Stops idle or expired meetings every minute and on a manual HTTP stop (Function URL)"
      url         = true
      timeout     = 30
      policies = merge(
        { reconcile = local.reconcile_policy, start-secret = local.read_start_secret_policy, metrics = local.read_metrics_policy },
        length(local.windows) > 0 ? { manual-stop = local.manual_stop_write_policy } : {},
        local.notifications ? { notifications = local.notifications_policy } : {},
      )
    }
  }
}

module "lambda" {
  source   = "./modules/lambda-function"
  for_each = local.functions

  function_name       = "${var.name}-${each.key}"
  description         = each.value.description
  zip_path            = "${local.lambda_dist_dir}/${each.key}/bootstrap.zip"
  architecture        = var.lambda_architecture
  memory_size         = var.lambda_memory_mb
  timeout             = each.value.timeout
  environment         = local.lambda_environment
  policies            = each.value.policies
  log_retention_days  = var.log_retention_days
  create_function_url = each.value.url
  # Only the functions with a public URL; task-state's events come from EventBridge alone.
  reserved_concurrency = each.value.url ? var.public_function_concurrency : null
}
