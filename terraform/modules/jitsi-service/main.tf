data "aws_region" "current" {}

locals {
  custom_domain = var.public_url != ""

  # All containers share the task's network namespace, so every internal address is localhost.
  xmpp_env = {
    XMPP_DOMAIN              = "meet.jitsi"
    XMPP_AUTH_DOMAIN         = "auth.meet.jitsi"
    XMPP_GUEST_DOMAIN        = "guest.meet.jitsi"
    XMPP_INTERNAL_MUC_DOMAIN = "internal-muc.meet.jitsi"
    XMPP_MUC_DOMAIN          = "muc.meet.jitsi"
    XMPP_SERVER              = "localhost"
    XMPP_BOSH_URL_BASE       = "http://localhost:5280"
    JVB_BREWERY_MUC          = "jvbbrewery"
    TZ                       = "UTC"
  }

  # Without a domain the meeting host is the per-meeting NLB name, unknown here. The web image would
  # then point the XMPP WebSocket at https://localhost:8443; BOSH on the page's own origin works.
  public_env = local.custom_domain ? {
    PUBLIC_URL            = var.public_url
    ENABLE_XMPP_WEBSOCKET = "1"
    } : {
    ENABLE_XMPP_WEBSOCKET = "0"
  }

  # Soft reservations (share of task memory) and JVM heaps well below them; the images default to
  # 3 GB heaps each, which would not fit a 4 GB task.
  mem = {
    jvb     = floor(var.task_memory * 0.40)
    jicofo  = floor(var.task_memory * 0.20)
    prosody = floor(var.task_memory * 0.10)
    web     = floor(var.task_memory * 0.10)
  }

  secret_arn = { for k, p in aws_ssm_parameter.secret : k => p.arn }

  log_options = {
    for c in ["web", "prosody", "jicofo", "jvb"] : c => {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.task.name
        awslogs-region        = data.aws_region.current.name
        awslogs-stream-prefix = c
      }
    }
  }

  env = { for c, m in {
    web = merge(local.xmpp_env, local.public_env, {
      ENABLE_LETSENCRYPT   = "0"
      ENABLE_HTTP_REDIRECT = "1"
      # Amazon-provided DNS; the image's default resolver (127.0.0.11) only exists under Docker.
      NGINX_RESOLVER = "169.254.169.253"
    })
    prosody = merge(local.xmpp_env, local.public_env)
    jicofo = merge(local.xmpp_env, {
      JICOFO_ENABLE_HEALTH_CHECKS = "true"
      JICOFO_MAX_MEMORY           = "${floor(local.mem.jicofo * 0.75)}m"
    })
    jvb = merge(local.xmpp_env, local.public_env, {
      JVB_PORT               = "10000"
      COLIBRI_REST_ENABLED   = "true"
      VIDEOBRIDGE_MAX_MEMORY = "${floor(local.mem.jvb * 0.75)}m"
    })
  } : c => [for k in sort(keys(m)) : { name = k, value = m[k] }] }

  # Secrets go through `secrets` (resolved by ECS at launch), never through `environment`.
  secrets = {
    web     = {}
    prosody = { for k in local.secret_names : k => local.secret_arn[k] }
    jicofo  = { JICOFO_AUTH_PASSWORD = local.secret_arn["JICOFO_AUTH_PASSWORD"], JICOFO_COMPONENT_SECRET = local.secret_arn["JICOFO_COMPONENT_SECRET"] }
    jvb = {
      JVB_AUTH_PASSWORD    = local.secret_arn["JVB_AUTH_PASSWORD"]
      JVB_COMPONENT_SECRET = local.secret_arn["JVB_COMPONENT_SECRET"]
      JVB_ADVERTISE_IPS    = aws_ssm_parameter.advertise_ips.arn
    }
  }
  secret_list = { for c, m in local.secrets : c => [for k in sort(keys(m)) : { name = k, valueFrom = m[k] }] }

  containers = [
    {
      name              = "prosody"
      image             = "${var.image_registry}/prosody:${var.image_tag}"
      essential         = true
      memoryReservation = local.mem.prosody
      portMappings = [
        { name = "xmpp-c2s", containerPort = 5222, protocol = "tcp" },
        { name = "xmpp-http", containerPort = 5280, protocol = "tcp" },
      ]
      environment = local.env.prosody
      secrets     = local.secret_list.prosody
      # The image has no curl; bash's /dev/tcp checks that the client port accepts connections.
      healthCheck = {
        command     = ["CMD-SHELL", "bash -c 'exec 3<>/dev/tcp/127.0.0.1/5222' || exit 1"]
        interval    = 15
        timeout     = 5
        retries     = 3
        startPeriod = 30
      }
      logConfiguration = local.log_options.prosody
    },
    {
      name              = "jicofo"
      image             = "${var.image_registry}/jicofo:${var.image_tag}"
      essential         = true
      memoryReservation = local.mem.jicofo
      dependsOn         = [{ containerName = "prosody", condition = "START" }]
      environment       = local.env.jicofo
      secrets           = local.secret_list.jicofo
      healthCheck = {
        command     = ["CMD-SHELL", "curl -fsS http://localhost:8888/about/health || exit 1"]
        interval    = 15
        timeout     = 5
        retries     = 3
        startPeriod = 60
      }
      logConfiguration = local.log_options.jicofo
    },
    {
      name              = "jvb"
      image             = "${var.image_registry}/jvb:${var.image_tag}"
      essential         = true
      memoryReservation = local.mem.jvb
      dependsOn         = [{ containerName = "prosody", condition = "START" }]
      portMappings = [
        { name = "jvb-media", containerPort = 10000, protocol = "udp" },
        { name = "jvb-rest", containerPort = 8080, protocol = "tcp" },
      ]
      environment = local.env.jvb
      secrets     = local.secret_list.jvb
      # Same endpoint as the NLB target group's health check: 200 healthy, 503 starting/stopping.
      healthCheck = {
        command     = ["CMD-SHELL", "curl -fsS http://localhost:8080/about/health || exit 1"]
        interval    = 15
        timeout     = 5
        retries     = 3
        startPeriod = 60
      }
      logConfiguration = local.log_options.jvb
    },
    {
      name              = "web"
      image             = "${var.image_registry}/web:${var.image_tag}"
      essential         = true
      memoryReservation = local.mem.web
      portMappings = [
        { name = "web-https", containerPort = 443, protocol = "tcp" },
      ]
      environment = local.env.web
      secrets     = local.secret_list.web
      healthCheck = {
        command     = ["CMD-SHELL", "curl -fsSk https://localhost/ -o /dev/null || exit 1"]
        interval    = 15
        timeout     = 5
        retries     = 3
        startPeriod = 30
      }
      logConfiguration = local.log_options.web
    },
  ]
}

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
