variable "name" {
  description = "Name prefix for the network resources."
  type        = string
}

variable "cidr" {
  description = "IPv4 CIDR block of the VPC."
  type        = string

  validation {
    condition     = can(cidrhost(var.cidr, 0))
    error_message = "cidr must be a valid IPv4 CIDR block."
  }
}

variable "availability_zones" {
  description = "Zone names for the public subnets, first one hosts the task. Empty: the first available zones of the region."
  type        = list(string)
  default     = []
}

variable "public_subnet_count" {
  description = "Number of public subnets, one per availability zone."
  type        = number
  default     = 2

  validation {
    condition     = var.public_subnet_count >= 1 && var.public_subnet_count <= 6
    error_message = "public_subnet_count must be between 1 and 6."
  }
}

variable "task_ingress" {
  description = "Inbound rules of the task security group, keyed by name: protocol, port, the one source CIDR and why (the rule's description). The caller derives them from its listeners and health checks."
  type = map(object({
    protocol = string
    port     = number
    cidr     = string
    why      = string
  }))

  validation {
    condition = alltrue([for r in values(var.task_ingress) :
    contains(["tcp", "udp"], r.protocol) && r.port > 0 && r.port < 65536 && can(cidrhost(r.cidr, 0))])
    error_message = "task_ingress protocols must be tcp or udp, ports 1-65535 and cidr a valid IPv4 CIDR."
  }
}
