variable "name" {
  description = "Name of the cluster, service, task family and prefix of the SSM parameters."
  type        = string
}

variable "subnet_id" {
  description = "The single public subnet the task runs in; the per-meeting NLB uses the same subnet so its node and the target share one AZ."
  type        = string
}

variable "security_group_id" {
  description = "Security group of the task."
  type        = string
}

variable "image_tag" {
  description = "docker-jitsi-meet tag for all four images; the settings in containers.tf are checked against stable-11031."
  type        = string
}

variable "image_registry" {
  description = "Registry/namespace of the Jitsi images."
  type        = string
  default     = "jitsi"
}

variable "task_architecture" {
  description = "ARM64 or X86_64."
  type        = string
  default     = "ARM64"

  validation {
    condition     = contains(["ARM64", "X86_64"], var.task_architecture)
    error_message = "task_architecture must be ARM64 or X86_64."
  }
}

variable "task_cpu" {
  description = "Task CPU units."
  type        = number
  default     = 2048
}

variable "task_memory" {
  description = "Task memory in MiB, shared out to the containers as soft reservations and JVM heap limits."
  type        = number
  default     = 4096
}

variable "use_fargate_spot" {
  description = "Use FARGATE_SPOT instead of FARGATE for the service."
  type        = bool
  default     = false
}

variable "container_insights" {
  description = "Enable Container Insights on the cluster."
  type        = bool
  default     = false
}

variable "enable_service_connect" {
  description = "Create the <name>.local HTTP namespace and enable Service Connect on the service."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Retention of the task log group in days."
  type        = number
  default     = 7
}

variable "public_url" {
  description = "https://<meeting hostname> when a custom domain is configured (PUBLIC_URL and the XMPP WebSocket on), empty for trial mode (relative BOSH only)."
  type        = string
  default     = ""

  validation {
    condition     = var.public_url == "" || can(regex("^https://[^/]+$", var.public_url))
    error_message = "public_url must be empty or https://<host> without a path."
  }
}

variable "jwt_app_id" {
  description = "Jitsi JWT app id of this deployment: prosody's JWT_APP_ID and its only accepted issuer and audience; the Lambdas mint tokens with iss = aud = this value."
  type        = string

  validation {
    # Written into prosody's Lua config inside quotes and into comma-separated lists
    # (prosody/rootfs/defaults/conf.d/jitsi-meet.cfg.lua@stable-11031 L84-89, L125).
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", var.jwt_app_id))
    error_message = "jwt_app_id must be 1-64 letters, digits, dots, underscores or hyphens, starting with a letter or digit (no quotes or commas: it goes into prosody's Lua config and comma lists)."
  }
}

variable "secret_values" {
  description = "Optional values of Jitsi's internal secrets keyed by environment name; missing ones are generated once and kept."
  type        = map(string)
  default     = {}
  sensitive   = true
}

variable "advertise_ips_placeholder" {
  description = "Initial value of the advertise-IPs parameter; the Lambdas overwrite it before every launch."
  type        = string
  default     = "0.0.0.0"
}

variable "meeting_certificate" {
  description = "Without a domain, the web container's side of the meeting's Let's Encrypt certificate: the SSM path of the records the functions keep (the task role may read it) and the longest meeting in minutes. null: the image's self-signed certificate, port 80 only redirects."
  type = object({
    records_path        = string
    max_meeting_minutes = number
  })
  default = null

  validation {
    condition     = var.meeting_certificate == null || can(regex("^/[A-Za-z0-9_./-]+[^/]$", var.meeting_certificate.records_path))
    error_message = "meeting_certificate.records_path must be an SSM path like /name/certificates (no trailing slash)."
  }
}
