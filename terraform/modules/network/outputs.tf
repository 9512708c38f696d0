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

output "task_ingress" {
  description = "Inbound rules of the task security group as created: protocol, port and source CIDR, keyed by name."
  value = { for k, r in aws_vpc_security_group_ingress_rule.task : k => {
    protocol = r.ip_protocol
    port     = r.from_port
    to_port  = r.to_port
    cidr     = r.cidr_ipv4
  } }
}
