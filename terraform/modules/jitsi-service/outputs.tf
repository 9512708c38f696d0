output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = aws_ecs_cluster.this.arn
}

output "service_name" {
  description = "Name of the ECS service."
  value       = aws_ecs_service.this.name
}

output "service_arn" {
  description = "ARN of the ECS service."
  value       = aws_ecs_service.this.id
}

output "task_definition_arn" {
  description = "ARN of the Jitsi task definition revision."
  value       = aws_ecs_task_definition.this.arn
}

output "advertise_ips_parameter_name" {
  description = "Name of the SSM parameter holding JVB_ADVERTISE_IPS."
  value       = aws_ssm_parameter.advertise_ips.name
}

output "advertise_ips_parameter_arn" {
  description = "ARN of the SSM parameter holding JVB_ADVERTISE_IPS."
  value       = aws_ssm_parameter.advertise_ips.arn
}

output "jwt_secret_parameter_name" {
  description = "Name of the SecureString parameter holding JWT_APP_SECRET (the key that signs moderator tokens); never its value."
  value       = aws_ssm_parameter.secret["JWT_APP_SECRET"].name
}

output "jwt_secret_parameter_arn" {
  description = "ARN of the SecureString parameter holding JWT_APP_SECRET."
  value       = aws_ssm_parameter.secret["JWT_APP_SECRET"].arn
}

output "secret_parameter_names" {
  description = "Names (not values) of the Jitsi secret parameters, keyed by environment name."
  value       = { for k, p in aws_ssm_parameter.secret : k => p.name }
}

output "log_group_name" {
  description = "CloudWatch log group of the task."
  value       = aws_cloudwatch_log_group.task.name
}

output "service_connect_namespace_arn" {
  description = "ARN of the Service Connect namespace, null when disabled."
  value       = try(aws_service_discovery_http_namespace.this[0].arn, null)
}

# Not secret: environment values and the names of secrets (never their values or parameter ARNs),
# read back from the container definitions that go to ECS.
output "container_settings" {
  description = "Per container: image, environment map, names of its ECS secrets, health check command and start period, and the containers it waits for (name => condition)."
  value = { for c in local.containers : c.name => {
    image        = c.image
    environment  = { for e in c.environment : e.name => e.value }
    secret_names = sort([for s in c.secrets : s.name])
    health_check = trimsuffix(c.healthCheck.command[1], " || exit 1")
    start_period = c.healthCheck.startPeriod
    depends_on   = { for d in try(c.dependsOn, []) : d.containerName => d.condition }
    entry_point  = try(c.entryPoint, [])
    ports        = [for p in try(c.portMappings, []) : p.containerPort]
  } }
}
