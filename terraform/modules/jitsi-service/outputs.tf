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
