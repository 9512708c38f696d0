output "function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the function."
  value       = aws_lambda_function.this.arn
}

output "role_name" {
  description = "Name of the function's IAM role."
  value       = aws_iam_role.this.name
}

output "role_arn" {
  description = "ARN of the function's IAM role."
  value       = aws_iam_role.this.arn
}

output "log_group_name" {
  description = "Name of the function's log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "function_url" {
  description = "Function URL (with trailing slash), null when not created."
  value       = try(aws_lambda_function_url.this[0].function_url, null)
}

output "reserved_concurrency" {
  description = "Reserved concurrency of the function (-1: none)."
  value       = aws_lambda_function.this.reserved_concurrent_executions
}

output "timeout" {
  description = "The function's timeout in seconds."
  value       = aws_lambda_function.this.timeout
}
