locals {
  # A local run (moto) differs from a real deploy only in where the API calls go.
  local_endpoint = var.aws_endpoint_url == null ? "" : trimspace(var.aws_endpoint_url)
  local_run      = local.local_endpoint != ""
  endpoint       = local.local_run ? local.local_endpoint : null
}

provider "aws" {
  region = var.aws_region

  # Dummy credentials only for the local endpoint; a real deploy uses the normal credential chain.
  access_key = local.local_run ? "test" : null
  secret_key = local.local_run ? "test" : null

  skip_credentials_validation = local.local_run
  skip_metadata_api_check     = local.local_run
  skip_requesting_account_id  = local.local_run
  s3_use_path_style           = local.local_run

  # null keeps the provider's default endpoint.
  endpoints {
    acm              = local.endpoint
    cloudwatch       = local.endpoint
    ec2              = local.endpoint
    ecs              = local.endpoint
    elbv2            = local.endpoint
    events           = local.endpoint
    iam              = local.endpoint
    kms              = local.endpoint
    lambda           = local.endpoint
    logs             = local.endpoint
    route53          = local.endpoint
    scheduler        = local.endpoint
    servicediscovery = local.endpoint
    ssm              = local.endpoint
    sts              = local.endpoint
  }

  default_tags {
    tags = {
      Project   = var.name
      ManagedBy = "terraform"
    }
  }
}
