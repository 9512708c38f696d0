data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  custom_domain = var.hosted_zone_id != "" && var.meeting_hostname != ""

  lambda_dist_dir = coalesce(var.lambda_dist_dir, "${path.root}/../target/lambda")

  # Name of the per-meeting NLB the Lambdas create (max 32 characters, guaranteed by var.name's validation).
  load_balancer_name = "${var.name}-meeting"
  stack_tag_key      = "jitsi-on-demand:stack"
}

module "network" {
  source = "./modules/network"

  name               = var.name
  cidr               = var.vpc_cidr
  availability_zones = var.availability_zones
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
  secret_values          = var.jitsi_secrets
}

resource "aws_ssm_parameter" "start_secret_hash" {
  #checkov:skip=CKV_AWS_337:Encrypted with the AWS managed aws/ssm key; a CMK costs $1/month while idle, the goal is zero idle cost
  name        = "/${var.name}/control/start-secret-sha256"
  description = "SHA-256 of the Bearer secret accepted by the start and stop Function URLs"
  type        = "SecureString"
  value       = var.start_secret_hash
}
