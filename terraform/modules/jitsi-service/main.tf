data "aws_region" "current" {}
data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

# Container definitions: containers.tf.

resource "aws_cloudwatch_log_group" "task" {
  #checkov:skip=CKV_AWS_158:No KMS CMK: costs $1/month while idle, the goal is zero idle cost (logs are encrypted with the service key)
  #checkov:skip=CKV_AWS_338:Short retention (variable, default 7 days) keeps storage cost near zero; meeting logs are for troubleshooting only
  name              = "/ecs/${var.name}"
  retention_in_days = var.log_retention_days
}

resource "aws_ecs_cluster" "this" {
  #checkov:skip=CKV_AWS_65:Container Insights is opt-in (variable container_insights): it bills for metrics and logs
  name = var.name

  setting {
    name  = "containerInsights"
    value = var.container_insights ? "enabled" : "disabled"
  }
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}

resource "aws_ecs_task_definition" "this" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.task_cpu
  memory                   = var.task_memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  # No initProcessEnabled: the images run s6-overlay, which must be PID 1.
  container_definitions = jsonencode(local.containers)

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.task_architecture
  }
}

resource "aws_service_discovery_http_namespace" "this" {
  count = var.enable_service_connect ? 1 : 0

  name        = "${var.name}.local"
  description = "Service Connect namespace for ${var.name}"
}

resource "aws_ecs_service" "this" {
  #checkov:skip=CKV_AWS_333:The task needs a public IP: without NAT gateway or VPC endpoints (they bill while idle) it pulls images and reaches SSM/Logs through the internet gateway
  name                   = var.name
  cluster                = aws_ecs_cluster.this.id
  task_definition        = aws_ecs_task_definition.this.arn
  desired_count          = 0
  enable_execute_command = true
  propagate_tags         = "SERVICE"
  platform_version       = "LATEST"

  # One task at most: a deployment replaces it instead of running two Jitsi instances side by side.
  deployment_minimum_healthy_percent = 0
  deployment_maximum_percent         = 100

  capacity_provider_strategy {
    capacity_provider = var.use_fargate_spot ? "FARGATE_SPOT" : "FARGATE"
    weight            = 1
  }

  network_configuration {
    subnets          = [var.subnet_id]
    security_groups  = [var.security_group_id]
    assign_public_ip = true
  }

  dynamic "service_connect_configuration" {
    for_each = var.enable_service_connect ? [1] : []
    content {
      enabled   = true
      namespace = aws_service_discovery_http_namespace.this[0].arn

      service {
        port_name      = "web-https"
        discovery_name = "web"

        client_alias {
          port = 443
        }
      }
    }
  }

  # The Lambdas own the desired count (0 idle, 1 during a meeting).
  lifecycle {
    ignore_changes = [desired_count]
  }

  depends_on = [aws_ecs_cluster_capacity_providers.this]
}
