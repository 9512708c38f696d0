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
  description = "Ports the task accepts from anywhere (the NLB preserves client IPs, so the clients' addresses reach the task)."
  type = map(object({
    protocol = string
    port     = number
  }))
  default = {
    jvb-media = { protocol = "udp", port = 10000 }
    web-https = { protocol = "tcp", port = 443 }
  }

  validation {
    condition     = alltrue([for r in values(var.task_ingress) : contains(["tcp", "udp"], r.protocol) && r.port > 0 && r.port < 65536])
    error_message = "task_ingress protocols must be tcp or udp and ports 1-65535."
  }
}
