output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "public_subnet_ids" {
  description = "IDs of the public subnets, in availability-zone order."
  value       = aws_subnet.public[*].id
}

output "task_security_group_id" {
  description = "Security group of the Jitsi task."
  value       = aws_security_group.task.id
}
