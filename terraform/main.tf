data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  custom_domain = var.hosted_zone_id != "" && var.meeting_hostname != ""
  # Without a domain, a Let's Encrypt certificate for each meeting's address (shared/src/certificate).
  lets_encrypt           = var.lets_encrypt && !local.custom_domain
  certificates_path      = "/${var.name}/certificates"
  acme_account_parameter = "/${var.name}/acme/account"
  https_mode             = local.custom_domain ? "acm" : (local.lets_encrypt ? "lets_encrypt" : "self_signed")

  lambda_dist_dir = coalesce(var.lambda_dist_dir, "${path.root}/../target/lambda")

  # Name of the per-meeting NLB the Lambdas create (CreateLoadBalancer's name rules are var.name's validations).
  load_balancer_suffix = "-meeting"
  load_balancer_name   = "${var.name}${local.load_balancer_suffix}"
  stack_tag_key        = "jitsi-on-demand:stack"

  # Where the meeting host name points while no meeting runs (custom domain only): 192.0.2.1 is in
  # TEST-NET-1, reserved for documentation by RFC 5737 and never routed. The record always exists
  # (no NXDOMAIN for resolvers to cache for the SOA's negative TTL, 900 s on Route 53) and never
  # points at an address this stack no longer holds. The one value for Terraform and the Lambdas.
  dns_idle_address = "192.0.2.1"

  # Ports the target groups, their health checks and the task security group share.
  jvb_media_port  = 10000 # UDP media
  jvb_health_port = 8080  # JVB private REST server: /about/health
  web_port        = 443   # nginx in the web container, TLS in both modes
  http_port       = 80    # nginx: the ACME http-01 challenge, else a redirect to https
}

module "network" {
  source = "./modules/network"

  name               = var.name
  cidr               = var.vpc_cidr
  availability_zones = var.availability_zones

  # Exactly what the NLB's listeners and health checks need (target_groups.tf).
  task_ingress = merge({
    # UDP target groups always preserve the client's IP ("enabled (and can't be disabled) for ... IP
    # type target groups with UDP", NLB guide, edit-target-group-attributes): clients come from anywhere.
    jvb-media = { protocol = "udp", port = local.jvb_media_port, cidr = "0.0.0.0/0", why = "JVB media from clients (UDP keeps client IPs)" }
    # NLB health checks come from the load balancer nodes' private IPs in the VPC (NLB guide,
    # target-group-register-targets: "VPC CIDR | health check | health check").
    jvb-health = { protocol = "tcp", port = local.jvb_health_port, cidr = var.vpc_cidr, why = "NLB health check of JVB /about/health" }
    # The web target group's health check runs on its traffic port, and its TCP/TLS traffic arrives
    # from the NLB nodes as well: client IP preservation is off for it (preserve_client_ip = false).
    web-https = { protocol = "tcp", port = local.web_port, cidr = var.vpc_cidr, why = "NLB health check and traffic to web (from the NLB nodes)" }
    }, local.lets_encrypt ? {
    # The TCP 80 listener (the CA's http-01 request, the redirect for people), as web-https.
    web-http = { protocol = "tcp", port = local.http_port, cidr = var.vpc_cidr, why = "NLB health check and traffic to web port 80 (ACME http-01, redirect)" }
  } : {})
}

module "jitsi" {
  source = "./modules/jitsi-service"

  name = var.name
  # Only the first subnet: the NLB is created in the same subnet, so its node and the task share an
  # AZ (an NLB node with no healthy target in its zone drops the packets sent to its IP).
  subnet_id              = module.network.public_subnet_ids[0]
  security_group_id      = module.network.task_security_group_id
  image_tag              = var.jitsi_image_tag
  task_architecture      = var.task_architecture
  task_cpu               = var.task_cpu
  task_memory            = var.task_memory
  use_fargate_spot       = var.use_fargate_spot
  container_insights     = var.container_insights
  enable_service_connect = var.enable_service_connect
  log_retention_days     = var.log_retention_days
  public_url             = local.custom_domain ? "https://${var.meeting_hostname}" : ""
  jwt_app_id             = local.jwt_app_id
  secret_values          = var.jitsi_secrets
  meeting_certificate = local.lets_encrypt ? {
    records_path        = local.certificates_path
    max_meeting_minutes = var.max_meeting_minutes
  } : null
}

resource "aws_ssm_parameter" "acme_extra_roots" {
  #checkov:skip=CKV2_AWS_34:Root certificates are public: nothing to encrypt, and a String parameter is free
  count       = local.lets_encrypt && var.acme_extra_trusted_roots_pem != "" ? 1 : 0
  name        = "/${var.name}/acme/extra-trusted-roots"
  description = "Root certificates (PEM) the functions trust besides the public ones: the ACME CA's, for staging or tests"
  type        = "String"
  tier        = length(var.acme_extra_trusted_roots_pem) > 4096 ? "Advanced" : "Standard"
  value       = var.acme_extra_trusted_roots_pem
}

resource "aws_ssm_parameter" "start_secret_hash" {
  #checkov:skip=CKV_AWS_337:Encrypted with the AWS managed aws/ssm key; a CMK costs $1/month while idle, the goal is zero idle cost
  name        = "/${var.name}/control/start-secret-sha256"
  description = "SHA-256 of the Bearer secret accepted by the start and stop Function URLs"
  type        = "SecureString"
  value       = var.start_secret_hash
}
